"""OpenTelemetry for the local stack's parts, configured by the standard ``OTEL_*`` variables.

Every hop of an invocation (Runtime front door, the agent, the Gateway, the Lambda
host) exports its spans over OTLP/HTTP to ``OTEL_EXPORTER_OTLP_ENDPOINT``, which the
stack points at its own collector unless you point it elsewhere (Jaeger, an OTel
collector). W3C ``traceparent`` joins the hops into one trace, and the W3C baggage
entry ``session.id`` (set by the front door, as AgentCore does) is stamped on every
span so a session's interactions can be found. ``OTEL_SDK_DISABLED=true`` turns it off.
"""

from __future__ import annotations

import os

from opentelemetry import baggage, propagate, trace
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

SESSION_ID = "session.id"


class SessionIdFromBaggage(SpanProcessor):
    """Copy the ``session.id`` baggage entry onto each span as it starts."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        session_id = baggage.get_baggage(SESSION_ID, parent_context)
        if session_id:
            span.set_attribute(SESSION_ID, str(session_id))


def enabled() -> bool:
    """Whether spans should be exported: an endpoint is set and the SDK is not disabled."""
    if os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    return bool(
        os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    )


def configure(service_name: str) -> TracerProvider | None:
    """Install the global tracer provider and propagators; None when tracing is off."""
    propagate.set_global_textmap(
        CompositePropagator([TraceContextTextMapPropagator(), W3CBaggagePropagator()])
    )
    if not enabled():
        return None
    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", service_name)})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(SessionIdFromBaggage())
    # The exporter reads the endpoint, headers and timeout from the OTEL_* variables.
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider


def trace_aws_calls() -> None:
    """A CLIENT span for every AWS API call the process makes (``Bedrock AgentCore.ListEvents``,
    ``Bedrock Runtime.ConverseStream``...), as the ADOT distribution AgentCore's Runtime
    runs agents with does: so a trace shows the agent reading and writing its memory."""
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor

    instrumentor = BotocoreInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()


def with_session(context: Context, session_id: str) -> Context:
    """``context`` carrying ``session.id`` as baggage, to be propagated downstream."""
    return baggage.set_baggage(SESSION_ID, session_id, context)
