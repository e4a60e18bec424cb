"""Find bearer tokens and JWT-shaped strings in text meant for a log, and blot them out.

A token is a credential: whoever holds it is let in. Logs are read by more people and
kept longer than any token, so whatever ends up in one goes through
:func:`redact_credentials` first, even what the learner's own code prints.
"""

from __future__ import annotations

import re

# Three base64url parts, the first a JSON object ('{"' encodes as "eyJ").
JWT_SHAPED = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?")
_BEARER_VALUE = re.compile(r"(?i)\b(bearer)\s+[^\s\"',;]+")


def redact_credentials(text: str) -> str:
    """``text`` with every bearer value and JWT-shaped string replaced by a marker."""
    return JWT_SHAPED.sub("(redacted JWT)", _BEARER_VALUE.sub(r"\1 (redacted)", text))
