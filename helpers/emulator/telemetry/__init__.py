"""Spans out and in: OpenTelemetry for every part, and the OTLP collector with its store.

The reading side (what a session's traces say) is ``helpers.wire.interactions``.
"""
