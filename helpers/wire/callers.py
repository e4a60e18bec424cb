"""Who called: a person signed in at an app, or a machine with its client's credentials.

Cognito says so in its tokens. A user's tokens name the user (``username`` in the access
token, ``cognito:username`` in the ID token) and their ``sub`` is the user's id; a
client-credentials token names only its app client (``client_id``, which is also its
``sub``). The local Runtime stamps what a verified token says on the invocation's span
(:data:`KIND_ATTRIBUTE`, :data:`NAME_ATTRIBUTE`), and the notebooks show it beside each
call and token; no part of a token is ever in either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from helpers.basics.i18n import _

KIND_ATTRIBUTE = "agentcore.caller.kind"
NAME_ATTRIBUTE = "agentcore.caller.name"

CallerKind = Literal["user", "machine"]


@dataclass(frozen=True)
class Caller:
    """``kind`` of caller, and ``name``: the user name, or the machine's app client id."""

    kind: CallerKind
    name: str

    def __str__(self) -> str:
        """``user alice`` or ``machine (client …)``, in the learner's language."""
        if self.kind == "user":
            return _("user {name}", name=self.name)
        return _("machine (client {name})", name=self.name)


def caller_of(claims: Mapping[str, Any]) -> Caller:
    """The caller a Cognito token's claims describe."""
    username = claims.get("username") or claims.get("cognito:username")
    if username:
        return Caller("user", str(username))
    return Caller("machine", str(claims.get("client_id") or claims.get("sub") or "?"))
