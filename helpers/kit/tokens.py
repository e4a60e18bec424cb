"""Machine-to-machine access tokens: fetch, cache, refresh, and show without leaking.

The workshop reads the app client's secret with ``describe-user-pool-client`` and
exchanges it at Cognito's token URL (OAuth2 client credentials). Tokens are
cached per client and refreshed well before they expire: AWS already refuses a
token in the last minute or so of its life, and a learner's cell may run long.

A token is a bearer credential, so :class:`AccessToken` never shows its value:
``repr``, ``str`` and every error message use the redacted form instead.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import httpx
import jwt

from helpers.basics.i18n import N_, _
from helpers.kit import http
from helpers.kit.errors import TokenError
from helpers.kit.settings import WorkshopSettings

REFRESH_MARGIN_SECONDS = 300
_REDACTED_PREFIX_CHARS = 7  # "eyJraWQ" is the JSON header '{"kid', never secret


def redact(token: str) -> str:
    """``eyJraWQ…(redacted, 812 chars)``: enough to tell tokens apart, nothing to replay."""
    return _(
        "{start}…(redacted, {length} chars)",
        start=token[:_REDACTED_PREFIX_CHARS],
        length=len(token),
    )


@dataclass(frozen=True)
class AccessToken:
    """An access token and what the notebooks show about it."""

    value: str = field(repr=False)
    expires_at: float

    def __repr__(self) -> str:
        return _(
            "{kind}({token}, expires in {seconds:.0f} s)",
            kind=type(self).__name__,
            token=self.redacted,
            seconds=self.seconds_left(),
        )

    __str__ = __repr__

    @property
    def redacted(self) -> str:
        return redact(self.value)

    def seconds_left(self, now: float | None = None) -> float:
        return self.expires_at - (now if now is not None else time.time())

    def claims(self) -> dict[str, Any]:
        """The decoded payload, for display. Not verified: verifying is the authorizer's job."""
        return jwt.decode(self.value, options={"verify_signature": False})

    def authorization_header(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.value}"}


class IdToken(AccessToken):
    """An ID token: who signed in, for the app itself. Shown and kept like an access token,
    and refused by an API that checks ``allowedClients`` (it has ``aud``, no ``client_id``)."""


def tampered(token: AccessToken) -> AccessToken:
    """The same token with one claim changed and the original signature kept.

    What an attacker who edits ``client_id`` or ``exp`` gets: the signature no longer
    matches the payload, so any authorizer that checks it refuses the token.
    """
    header, payload, signature = token.value.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["exp"] = claims["exp"] + 86400  # "let me in for another day"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return AccessToken(value=f"{header}.{forged}.{signature}", expires_at=token.expires_at)


def describe_claims(token: AccessToken) -> dict[str, Any]:
    """The claims with the time stamps spelt out, as the notebooks print them."""
    readable = dict(token.claims())
    for name in ("exp", "iat", "auth_time", "nbf"):
        if name in readable:
            moment = datetime.fromtimestamp(readable[name], tz=UTC)
            readable[name] = f"{readable[name]} ({moment:%Y-%m-%d %H:%M:%S} UTC)"
    return readable


def client_secret(pool_id: str, client_id: str, cognito: Any | None = None) -> str:
    """The app client's secret, as the workshop reads it (``describe-user-pool-client``)."""
    cognito = cognito or boto3.client("cognito-idp")
    description = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    secret: str | None = description["UserPoolClient"].get("ClientSecret")
    if not secret:
        raise TokenError(
            _(
                "App client {client_id} has no secret; client credentials need a confidential "
                "client.",
                client_id=client_id,
            )
        )
    return secret


def fetch_token(
    token_url: str,
    client_id: str,
    secret: str,
    *,
    scope: str | None = None,
    expired_seconds_ago: int | None = None,
    timeout: float = 10.0,
) -> AccessToken:
    """Exchange client credentials for an access token (HTTP Basic client authentication).

    ``expired_seconds_ago`` asks the local issuer for a token that has already expired
    (the expiry demos); Cognito ignores it and issues a fresh one.
    """
    form = {"grant_type": "client_credentials"}
    if scope:
        form["scope"] = scope
    if expired_seconds_ago is not None:
        form["local_expired_seconds_ago"] = str(expired_seconds_ago)
    requested_at = time.time()
    try:
        response = http.client().post(
            token_url, data=form, auth=(client_id, secret), timeout=timeout
        )
    # InvalidURL is no HTTPError: a token URL httpx cannot even parse is unreachable too.
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        raise TokenError(
            _(
                "Could not reach the token endpoint {url}: {error}. "
                "On the local stack check `agentcore-local status`.",
                url=token_url,
                error=type(error).__name__,
            )
        ) from None
    if response.status_code >= 500:
        raise TokenError(
            _(
                "The token endpoint {url} is unavailable (HTTP {status}). "
                "On the local stack check `agentcore-local status`.",
                url=token_url,
                status=response.status_code,
            ),
            status=response.status_code,
        )
    if response.status_code != 200:
        raise _refusal(response)
    body = response.json()
    return AccessToken(value=body["access_token"], expires_at=requested_at + body["expires_in"])


def _refusal(response: httpx.Response) -> TokenError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    error = body.get("error", "unknown_error")
    description = body.get("error_description", response.reason_phrase)
    hints = {
        "invalid_client": N_("check the client id, and read the secret again from Cognito"),
        "invalid_scope": N_("ask only for scopes the app client allows"),
        "unauthorized_client": N_("allow the client_credentials flow on the app client"),
        "unsupported_grant_type": N_("use grant_type=client_credentials"),
    }
    refused = _(
        "The token endpoint refused: {error} ({description}).", error=error, description=description
    )
    if error in hints:
        refused += " " + _("Fix: {fix}.", fix=_(hints[error]))
    return TokenError(refused, error=error, status=response.status_code)


class TokenCache:
    """One token per (token URL, client, scope), refreshed before it gets close to expiry."""

    def __init__(self, refresh_margin: float = REFRESH_MARGIN_SECONDS) -> None:
        self.refresh_margin = refresh_margin
        self._tokens: dict[tuple[str, str, str | None], AccessToken] = {}
        self._lock = threading.Lock()

    def get(
        self,
        token_url: str,
        client_id: str,
        read_secret: Callable[[], str],
        scope: str | None = None,
        *,
        force_refresh: bool = False,
    ) -> AccessToken:
        """The cached token, or a fresh one; the secret is read only when one is fetched."""
        key = (token_url, client_id, scope)
        with self._lock:
            cached = self._tokens.get(key)
            if cached and not force_refresh and cached.seconds_left() > self.refresh_margin:
                return cached
            fresh = fetch_token(token_url, client_id, read_secret(), scope=scope)
            self._tokens[key] = fresh
            return fresh

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


_default_cache = TokenCache()


def forget_tokens() -> None:
    """Forget the tokens :func:`get_token` keeps, as for a process now using another stack.

    Local stacks made afresh keep their pool and client ids (moto derives them from
    names) but sign with new keys, so a token kept from the last one would be refused.
    """
    _default_cache.clear()


def get_token(
    settings: WorkshopSettings,
    client_id: str | None = None,
    *,
    force_refresh: bool = False,
    cognito: Any | None = None,
) -> AccessToken:
    """A valid access token for ``client_id`` (default: the workshop's client), cached.

    The workshop's client asks for the workshop's scope, as the text's ``curl`` does;
    another client (the partner team's) asks for none and gets every scope it is allowed,
    as that team's own app would: it need not know ours.
    """
    client_id = client_id or settings.client_id
    scope = settings.cognito_auth_scope if client_id == settings.client_id else None
    return _default_cache.get(
        settings.cognito_token_url,
        client_id,
        lambda: client_secret(settings.pool_id, client_id, cognito),
        scope,
        force_refresh=force_refresh,
    )
