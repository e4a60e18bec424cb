"""Find credentials in text meant for a log, and blot them out.

A token is a credential: whoever holds it is let in. Logs are read by more people and
kept longer than any token, so whatever ends up in one goes through
:func:`redact_credentials` first, even what the learner's own code prints: bearer
values (also URL-encoded, as in ``OTEL_EXPORTER_OTLP_HEADERS``), JWT-shaped strings,
and the secrets the stack itself handed the process (:func:`secrets_in`), which a
``print(os.environ)`` would otherwise copy into the log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus

# Three base64url parts, the first a JSON object ('{"' encodes as "eyJ").
JWT_SHAPED = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?")
# The scheme is case-insensitive; the space may be URL-encoded ("%20", "+").
_BEARER_VALUE = re.compile(r"(?i)\b(bearer)(?:\s+|%20|\+)[^\s\"',;&]+")
# What the stack puts in an agent's environment that would let a reader in.
SECRET_ENVIRONMENT = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "OTEL_EXPORTER_OTLP_HEADERS")
_MARKER = "(redacted)"


def secrets_in(environment: Mapping[str, str]) -> tuple[str, ...]:
    """The values of ``environment`` that are credentials, as written and URL-encoded."""
    values = {environment[name] for name in SECRET_ENVIRONMENT if environment.get(name)}
    encoded = {form for value in values for form in (quote(value, safe=""), quote_plus(value))}
    # Longest first, so a secret inside another's encoded form goes with it.
    return tuple(sorted(values | encoded, key=len, reverse=True))


def redact_credentials(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every bearer value, JWT-shaped string and one of ``secrets`` blotted out."""
    for secret in secrets:
        text = text.replace(secret, _MARKER)
    return JWT_SHAPED.sub("(redacted JWT)", _BEARER_VALUE.sub(r"\1 " + _MARKER, text))
