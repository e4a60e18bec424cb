"""Cognito's ``InitiateAuth`` on the local stack: a user signs in at an app client, and refreshes.

moto keeps the user pools, app clients and users (the prerequisites create them, the
Cognito API changes them, as on AWS). It also answers ``InitiateAuth``, but with tokens
signed by the key it ships with, under Cognito's public issuer name, and without
checking the client's auth flows; no authorizer of the stack could trust those tokens.
So :class:`SignInService` takes the operation over, and decides as Cognito does:

- ``USER_PASSWORD_AUTH`` needs ``ALLOW_USER_PASSWORD_AUTH`` on the client, and
  ``SECRET_HASH`` when the client has a secret. An unknown user and a wrong password get
  the same answer (``PreventUserExistenceErrors``, on by default for new clients);
- ``REFRESH_TOKEN_AUTH`` needs ``ALLOW_REFRESH_TOKEN_AUTH``, a refresh token issued to
  that very client, unexpired and not revoked (``GlobalSignOut`` and
  ``AdminUserGlobalSignOut`` revoke through moto's table, which this service shares);
  it returns a new access and ID token, no new refresh token, and keeps the sign-in's
  ``auth_time``, ``origin_jti`` and ``event_id``;
- the tokens are the stack issuer's (:mod:`helpers.emulator.identity.tokens`), with
  the lifetimes configured on the client.

Refresh tokens are opaque to clients, as Cognito's are; they live in this process, so a
stack restart signs every user out. Challenges (a password that must change, MFA) and
SRP are not served: the workshop's users have permanent passwords.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from moto.cognitoidp.exceptions import (
    InvalidParameterException,
    NotAuthorizedError,
    ResourceNotFoundError,
    UserNotConfirmedException,
)
from moto.cognitoidp.models import (
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    UserStatus,
    cognitoidp_backends,
)
from moto.cognitoidp.utils import check_secret_hash

from helpers.emulator.identity.keys import SigningKeyStore
from helpers.emulator.identity.tokens import SignInEvent, issuer_url, mint_user_tokens

PASSWORD_FLOW = "USER_PASSWORD_AUTH"
REFRESH_FLOWS = ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN")
_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# Cognito's defaults when a client sets no validity: 60 minutes, 60 minutes, 30 days.
_DEFAULT_VALIDITY = {"AccessToken": 3600, "IdToken": 3600, "RefreshToken": 30 * 86400}
_DEFAULT_UNITS = {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"}
_VALIDITY_FIELDS = {
    "AccessToken": "AccessTokenValidity",
    "IdToken": "IdTokenValidity",
    "RefreshToken": "RefreshTokenValidity",
}
# Cognito's refresh tokens are JWEs ({"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}): the
# same shape here, so log redaction and leak scans treat both alike. Opaque either way.
_REFRESH_HEADER = (
    base64.urlsafe_b64encode(b'{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}')
    .rstrip(b"=")
    .decode()
)
_WRONG_CREDENTIALS = "Incorrect username or password."


@dataclass(frozen=True)
class _Refreshable:
    """What a refresh token stands for: its sign-in, where it was issued, until when."""

    event: SignInEvent
    pool_id: str
    region: str
    expires_at: float


class SignInService:
    """``InitiateAuth`` for every pool of the stack (see the module docstring). Thread-safe."""

    def __init__(
        self,
        keys: SigningKeyStore,
        issuer_base_url: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._keys = keys
        self._issuer_base_url = issuer_base_url
        self._clock = clock
        self._lock = threading.Lock()
        self._refreshable: dict[str, _Refreshable] = {}

    def initiate_auth(
        self, account_id: str, client_id: str, flow: str, parameters: Mapping[str, str]
    ) -> dict[str, Any]:
        """The ``InitiateAuth`` response body; Cognito's errors are raised as moto's."""
        region, pool, client = _find_client(account_id, client_id)
        if flow == PASSWORD_FLOW:
            return self._password(region, pool, client, parameters)
        if flow in REFRESH_FLOWS:
            return self._refresh(region, pool, client, parameters)
        raise InvalidParameterException(
            f"The local stack serves {PASSWORD_FLOW} and REFRESH_TOKEN_AUTH; "
            f"{flow} is not one of them."
        )

    def _password(
        self,
        region: str,
        pool: CognitoIdpUserPool,
        client: CognitoIdpUserPoolClient,
        parameters: Mapping[str, str],
    ) -> dict[str, Any]:
        _require_flow(client, "ALLOW_USER_PASSWORD_AUTH", PASSWORD_FLOW)
        username = parameters.get("USERNAME") or ""
        _check_secret_hash(client, username, parameters)
        user = pool._get_user(username)
        if user is None or user.password is None:
            raise NotAuthorizedError(_WRONG_CREDENTIALS)
        # Constant time: how long a refusal takes must not tell how close the guess was.
        if not secrets.compare_digest(
            user.password.encode(), (parameters.get("PASSWORD") or "").encode()
        ):
            raise NotAuthorizedError(_WRONG_CREDENTIALS)
        if not user.enabled:
            raise NotAuthorizedError("User is disabled.")
        if user.status is UserStatus.UNCONFIRMED:
            raise UserNotConfirmedException("User is not confirmed.")
        if user.status is not UserStatus.CONFIRMED:
            raise NotAuthorizedError(
                f"User {user.username} must set a new password first "
                f"(status {UserStatus(user.status).value}); "
                "the local stack answers no auth challenges: give the user a permanent "
                "password with admin-set-user-password --permanent."
            )
        now = self._clock()
        event = SignInEvent(
            issuer=issuer_url(self._issuer_base_url, pool.id),
            client_id=client.id,
            user_id=user.id,
            username=user.username,
            email=user.attribute_lookup.get("email"),
            email_verified=user.attribute_lookup.get("email_verified") == "true",
            auth_time=int(now),
            origin_jti=str(uuid.uuid4()),
            event_id=str(uuid.uuid4()),
        )
        refresh_token = _new_refresh_token()
        with self._lock:
            self._refreshable[refresh_token] = _Refreshable(
                event, pool.id, region, now + _validity(client, "RefreshToken")
            )
        # In moto's table too, so its GlobalSignOut and AdminUserGlobalSignOut revoke it.
        pool.refresh_tokens[refresh_token] = (client.id, user.username, event.origin_jti)
        result = self._tokens(pool, client, event, now)
        result["AuthenticationResult"]["RefreshToken"] = refresh_token
        return result

    def _refresh(
        self,
        region: str,
        pool: CognitoIdpUserPool,
        client: CognitoIdpUserPoolClient,
        parameters: Mapping[str, str],
    ) -> dict[str, Any]:
        _require_flow(client, "ALLOW_REFRESH_TOKEN_AUTH", "REFRESH_TOKEN_AUTH")
        token = parameters.get("REFRESH_TOKEN") or ""
        with self._lock:
            issued = self._refreshable.get(token)
        if issued is None or (issued.pool_id, issued.region) != (pool.id, region):
            raise NotAuthorizedError("Invalid Refresh Token")
        if issued.event.client_id != client.id:
            # A refresh token works only at the client it was issued to.
            raise NotAuthorizedError("Invalid Refresh Token")
        _check_secret_hash(client, issued.event.username, parameters)
        if pool.refresh_tokens.get(token) is None:
            raise NotAuthorizedError("Refresh Token has been revoked")
        now = self._clock()
        if now >= issued.expires_at:
            raise NotAuthorizedError("Refresh Token has expired")
        user = pool._get_user(issued.event.username)
        if user is None or user.id != issued.event.user_id:
            raise NotAuthorizedError("Invalid Refresh Token")  # deleted since
        if not user.enabled:
            raise NotAuthorizedError("User is disabled.")
        return self._tokens(pool, client, issued.event, now)

    def _tokens(
        self,
        pool: CognitoIdpUserPool,
        client: CognitoIdpUserPoolClient,
        event: SignInEvent,
        now: float,
    ) -> dict[str, Any]:
        access_seconds = _validity(client, "AccessToken")
        access, identity = mint_user_tokens(
            self._keys,
            event,
            access_seconds=access_seconds,
            id_seconds=_validity(client, "IdToken"),
            now=now,
        )
        # In moto's tables, so GetUser, GlobalSignOut and the like accept these tokens.
        pool.access_tokens[access] = (client.id, event.username)
        pool.id_tokens[identity] = (client.id, event.username)
        return {
            "ChallengeParameters": {},
            "AuthenticationResult": {
                "AccessToken": access,
                "ExpiresIn": access_seconds,
                "TokenType": "Bearer",
                "IdToken": identity,
            },
        }


def _find_client(
    account_id: str, client_id: str
) -> tuple[str, CognitoIdpUserPool, CognitoIdpUserPoolClient]:
    """The region, pool and client of ``client_id`` (``InitiateAuth`` names no pool)."""
    for region, backend in cognitoidp_backends[account_id].items():
        for pool in backend.user_pools.values():
            if client_id in pool.clients:
                return region, pool, pool.clients[client_id]
    raise ResourceNotFoundError(f"User pool client {client_id} does not exist.")


def _require_flow(client: CognitoIdpUserPoolClient, allowed: str, flow: str) -> None:
    if allowed not in client.extended_config.get("ExplicitAuthFlows", []):
        raise InvalidParameterException(f"{flow} flow not enabled for this client")


def _check_secret_hash(
    client: CognitoIdpUserPoolClient, username: str, parameters: Mapping[str, str]
) -> None:
    if not client.generate_secret:
        return
    sent = parameters.get("SECRET_HASH")
    if sent is None:
        raise NotAuthorizedError(
            f"Client {client.id} is configured with secret but SECRET_HASH was not received"
        )
    if not check_secret_hash(client.secret, client.id, username, sent):
        raise NotAuthorizedError(f"Unable to verify secret hash for client {client.id}")


def _validity(client: CognitoIdpUserPoolClient, kind: str) -> int:
    """Seconds a ``kind`` token of ``client`` lives (``AccessToken``, ``IdToken``, ...)."""
    config = client.extended_config
    value = config.get(_VALIDITY_FIELDS[kind])
    if not value:
        return _DEFAULT_VALIDITY[kind]
    unit = config.get("TokenValidityUnits", {}).get(kind, _DEFAULT_UNITS[kind])
    return int(value) * _UNIT_SECONDS[unit]


def _new_refresh_token() -> str:
    parts = (secrets.token_urlsafe(size) for size in (256, 12, 1024, 16))
    return ".".join((_REFRESH_HEADER, *parts))
