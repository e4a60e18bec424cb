"""Whose memory a request reads and writes: the caller that the Runtime verified.

With a CUSTOM_JWT authorizer, the Runtime checks the bearer token (signature, issuer,
expiry, ``allowedClients``) before this code runs, and forwards exactly the value it
checked (one ``Authorization`` header, never a second one of the caller's choosing). So
the agent may read the token's claims without verifying them again. The actor comes from
those claims, and from nothing the caller can write freely: not the payload, not another
header.
"""

from __future__ import annotations

import jwt


def actor_id(authorization: str | None) -> str | None:
    """The memory actor of a request: its token's subject, ``sub``; None without a token.

    For a person signed in with Cognito that is the user's id (unique and never reused,
    unlike the user name); for a machine with a client-credentials token, its app
    client's id, shared by every caller that uses that client.

    No token reaches the agent when the runtime has no JWT authorizer, or when the
    Runtime did not forward it (AgentCore forwards header values up to 4 KB). Such a
    request has no actor, and so no memory: one name for every unverified caller would
    give each of them the others' memory.
    """
    scheme, _, token = (authorization or "").strip().partition(" ")
    # The scheme is case-insensitive ("bearer" is as good as "Bearer").
    if scheme.lower() != "bearer" or not token.strip():
        return None
    # Verified by the Runtime already (see above): read, do not check again.
    claims = jwt.decode(token.strip(), options={"verify_signature": False})
    subject = claims.get("sub")
    if not subject:
        raise ValueError("The caller's token has no 'sub' claim to name the memory actor by.")
    return str(subject)
