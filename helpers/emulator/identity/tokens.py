"""The JWTs the local Cognito issues, with Cognito's claims, signed by the stack's key.

Two ways to get a token, two claim sets, one signing key (the issuer's active key, the
one its JWKS publishes and every authorizer of the stack trusts):

- **client credentials** (``POST /oauth2/token``, a machine): an access token whose
  ``sub`` is the client id, with the resource server's ``scope`` and ``version: 2``;
- **a user's sign-in** (``InitiateAuth``): an access token (``username``, ``sub`` the
  user's id, ``scope: aws.cognito.signin.user.admin``) and an ID token (``aud`` the
  client id, ``token_use: id``, ``cognito:username``, ``email``). Both carry the
  sign-in's ``origin_jti``, ``event_id`` and ``auth_time``, which a refresh keeps, and
  for a user in groups ``cognito:groups`` (as the user's groups are when the tokens are
  minted, a refresh included; no claim for a user in none).

Neither kind has ``aud`` and ``client_id`` together: an access token names its client in
``client_id``, an ID token in ``aud`` (Cognito's developer guide, *Understanding the
access token* and *... the identity token*).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jwt

from helpers.emulator.identity.keys import SigningKeyStore

# What a user's access token from InitiateAuth allows: Cognito's own user APIs.
USER_POOL_ADMIN_SCOPE = "aws.cognito.signin.user.admin"


def issuer_url(base_url: str, pool_id: str) -> str:
    """A pool's ``iss``: Cognito's is ``https://cognito-idp.<region>.amazonaws.com/<pool>``."""
    return f"{base_url}/{pool_id}"


def sign(keys: SigningKeyStore, claims: Mapping[str, Any]) -> str:
    """RS256 with the stack's active key, its ``kid`` in the header."""
    key = keys.active
    return jwt.encode(dict(claims), key.private_key, algorithm="RS256", headers={"kid": key.kid})


def mint_access_token(
    keys: SigningKeyStore,
    *,
    issuer: str,
    client_id: str,
    scopes: list[str],
    lifetime_seconds: int,
    now: float | None = None,
) -> str:
    """Sign an access token with the claims Cognito puts in a client-credentials token."""
    issued_at = int(now if now is not None else time.time())
    return sign(
        keys,
        {
            "sub": client_id,
            "token_use": "access",
            "scope": " ".join(scopes),
            "auth_time": issued_at,
            "iss": issuer,
            "exp": issued_at + lifetime_seconds,
            "iat": issued_at,
            "version": 2,
            "jti": str(uuid.uuid4()),
            "client_id": client_id,
        },
    )


@dataclass(frozen=True)
class SignInEvent:
    """One authentication of a user at one app client; each refresh keeps all of it."""

    issuer: str
    client_id: str
    user_id: str  # the user's ``sub``: immutable and unique, unlike the username
    username: str
    email: str | None
    email_verified: bool
    auth_time: int
    origin_jti: str
    event_id: str


def mint_user_tokens(
    keys: SigningKeyStore,
    event: SignInEvent,
    *,
    access_seconds: int,
    id_seconds: int,
    now: float,
    groups: Sequence[str] = (),
) -> tuple[str, str]:
    """The access token and the ID token of ``event``, issued at ``now``; ``groups`` are
    the user's, most important first."""
    issued_at = int(now)
    common: dict[str, Any] = {
        "sub": event.user_id,
        "iss": event.issuer,
        "origin_jti": event.origin_jti,
        "event_id": event.event_id,
        "auth_time": event.auth_time,
        "iat": issued_at,
    }
    if groups:
        common["cognito:groups"] = list(groups)
    access = {
        **common,
        "client_id": event.client_id,
        "token_use": "access",
        "scope": USER_POOL_ADMIN_SCOPE,
        "exp": issued_at + access_seconds,
        "jti": str(uuid.uuid4()),
        "username": event.username,
    }
    identity: dict[str, Any] = {
        **common,
        "aud": event.client_id,
        "token_use": "id",
        "cognito:username": event.username,
        "exp": issued_at + id_seconds,
        "jti": str(uuid.uuid4()),
    }
    if event.email is not None:
        identity["email"] = event.email
        identity["email_verified"] = event.email_verified
    return sign(keys, access), sign(keys, identity)
