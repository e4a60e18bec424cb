"""One keep-alive HTTP session per thread for every call the helpers make.

A new HTTPS connection costs a TLS handshake and a fresh load of the CA bundle,
about 20 ms on loopback; a reused one costs well under 5 ms. ``requests``
sessions are not documented as thread-safe, hence one per thread.
"""

from __future__ import annotations

import threading

import requests

_local = threading.local()


def session() -> requests.Session:
    """This thread's shared session (it honours ``REQUESTS_CA_BUNDLE``)."""
    current = getattr(_local, "session", None)
    if current is None:
        current = _local.session = requests.Session()
    return current
