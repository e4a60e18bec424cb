"""How a Runtime invocation fails, as a person reads it: refused, or the agent's code raised.

The notebook kit and ``agentcore-local invoke`` raise the same errors for the same
answers (:mod:`helpers.wire.runtime_client` decides which), so they live on the wire,
beside the contract; ``helpers.kit.errors`` lists them among the kit's. None of these
messages holds a token.
"""

from __future__ import annotations

from collections.abc import Sequence

from helpers.basics.errors import ActionableError
from helpers.basics.i18n import _
from helpers.wire.refusal_reasons import explain


class InvokeError(ActionableError):
    """The runtime refused or failed the call."""

    # The HTTP status; None where no HTTP answer is known (the kit's ``CliRefused``).
    status: int | None
    # True when the call was refused before any request left (the kit's ``CliRefused``).
    refused_before_sending = False

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(f"HTTP {status} {error_type}: {explain(message)}")
        self.status = status
        self.error_type = error_type
        self.message = message

    def explained(self) -> str:
        """The service's message with the local stack's reason in the learner's language."""
        return explain(self.message)


class InvokeUnauthorized(InvokeError):
    """401: no token, or a token the runtime's authorizer does not accept."""


class InvokeForbidden(InvokeError):
    """403: e.g. a SigV4 call to a JWT runtime ("Authorization method mismatch")."""


class InvokeClientError(InvokeError):
    """Any other 4xx: a bad request, an unknown runtime, a too-short session id."""


class InvokeServerError(InvokeError):
    """5xx: the agent failed; the runtime's log has the traceback."""


class AgentFailed(InvokeServerError):
    """The learner's agent raised an exception while answering; the message names its log.

    The SDK answers such a call with HTTP 500 and ``{"error": ...}``, or, once a streamed
    answer has begun, with a last event holding the error; both become this.
    """

    def __init__(self, status: int, error_type: str, error: str, log: str) -> None:
        ActionableError.__init__(
            self,
            _(
                "The agent's code raised {error_type}: {error}. The traceback is in {log}; "
                "fix the code, then deploy again.",
                error_type=error_type,
                error=error,
                log=log,
            ),
        )
        self.status = status
        self.error_type = error_type
        self.error = error
        self.message = str(self)
        self.log = log

    def with_findings(self, findings: Sequence[str]) -> AgentFailed:
        """The same failure, its message followed by what the agent's log says of it
        (the learner's file and line), so nobody has to open the log."""
        if not findings:
            return self
        explained = AgentFailed(self.status or 500, self.error_type, self.error, self.log)
        explained.args = (
            "\n".join([str(self), _("What the kit found:"), *(f"  - {f}" for f in findings)]),
        )
        explained.message = str(explained)
        return explained
