"""One keep-alive HTTP client for every call the kit makes (the agent, the token endpoint).

A new HTTPS connection costs a TLS handshake and a fresh load of the CA bundle, about
20 ms on loopback; a reused one costs well under 5 ms. An ``httpx.Client`` is safe to
share between threads (its pool is locked), so the notebook's calls and the load
test's threads draw on one pool. It is kept for the process's life on purpose, as an
application keeps its pool: each next call reuses a connection.

httpx reads the CA bundle (``SSL_CERT_FILE``, which the local stack sets beside
``REQUESTS_CA_BUNDLE``) when a client is made, so a process that moves to another
stack, as the tests do, gets a new client and the old one is closed.

httpx logs each request's whole URL at INFO, and a URL may carry a token in its query
(a caller's mistake, which a log must not keep), so its log lines go through
:func:`~helpers.basics.redaction.redact_credentials` first.
"""

from __future__ import annotations

import logging
import os
import ssl
import threading

import httpx

from helpers.basics.redaction import redact_credentials

# The load test runs up to 64 calls at once (helpers.kit.calling.load.MAX_CONCURRENCY);
# keeping that many connections alive lets its next round reuse every one. No cap on
# open connections: a caller never waits for another's.
_LIMITS = httpx.Limits(max_connections=None, max_keepalive_connections=64)

_lock = threading.Lock()
_current: tuple[str | None, httpx.Client] | None = None


def client() -> httpx.Client:
    """The process's shared client, trusting ``SSL_CERT_FILE`` (else the public roots)."""
    global _current
    ca_file = os.environ.get("SSL_CERT_FILE") or None
    with _lock:
        if _current is not None and _current[0] == ca_file:
            return _current[1]
        if _current is not None:
            _current[1].close()
        verify: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=ca_file) if ca_file else True
        )
        shared = httpx.Client(verify=verify, limits=_LIMITS)
        _current = (ca_file, shared)
        return shared


class _RedactedLog(logging.Filter):
    """Blots credentials out of a log line before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact_credentials(record.getMessage()), None
        return True


logging.getLogger("httpx").addFilter(_RedactedLog())
