"""An OIDC issuer shaped like Amazon Cognito, for the OAuth2 client-credentials flow.

Endpoints (paths as on Cognito, host and port local):

- ``GET /<pool_id>/.well-known/openid-configuration``: the discovery document,
- ``GET /<pool_id>/.well-known/jwks.json``: the public keys,
- ``POST /oauth2/token``: client credentials in, an RS256 access token out,
  with Cognito's access-token claims (``client_id``, ``token_use``, ``scope``, no ``aud``).

Errors follow RFC 6749 section 5.2. The token endpoint checks the client's secret,
its allowed flows and its scopes against the Cognito management API on every call.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import time
from collections.abc import Callable
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from helpers.emulator.identity.directory import AppClient, CognitoDirectory
from helpers.emulator.identity.keys import SigningKeyStore
from helpers.emulator.identity.tokens import issuer_url, mint_access_token

log = logging.getLogger("agentcore_local.issuer")

CLIENT_CREDENTIALS = "client_credentials"
KNOWN_GRANT_TYPES = {"authorization_code", "refresh_token", CLIENT_CREDENTIALS}
# Not part of Cognito: lets the expiry demos ask for a token that expired this many
# seconds ago (issued a full lifetime before that), instead of waiting an hour for one.
LOCAL_EXPIRED_AGO_FIELD = "local_expired_seconds_ago"
MAX_EXPIRED_AGO_SECONDS = 86_400
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    """An RFC 6749 error response."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def response(self) -> JSONResponse:
        headers = dict(_NO_STORE)
        if self.status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="agentcore-local", error="invalid_client"'
        body = {"error": self.error, "error_description": self.description}
        return JSONResponse(body, status_code=self.status, headers=headers)


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str | None]:
    """Client id and secret from HTTP Basic or from the form (never both, RFC 6749 2.3.1)."""
    header = request.headers.get("authorization")
    in_form = "client_id" in form or "client_secret" in form
    if header:
        if in_form and "client_secret" in form:
            raise OAuthError("invalid_request", "Send client credentials once: header or form.")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            raise OAuthError("invalid_client", "Use HTTP Basic client authentication.", 401)
        try:
            client_id, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", "Malformed HTTP Basic credentials.", 401) from None
        return unquote(client_id), unquote(secret)
    if not form.get("client_id"):
        raise OAuthError("invalid_client", "Client authentication is required.", 401)
    return form["client_id"], form.get("client_secret")


def _granted_scopes(client: AppClient, requested: str | None) -> list[str]:
    if requested is None or not requested.strip():
        return list(client.allowed_scopes)
    scopes = requested.split()
    unknown = [scope for scope in scopes if scope not in client.allowed_scopes]
    if unknown:
        raise OAuthError("invalid_scope", f"Scope not allowed for this client: {' '.join(unknown)}")
    return scopes


def _expired_ago(form: dict[str, str]) -> int:
    """How long ago the requested token expired: 0 (a fresh token) unless asked."""
    asked = form.get(LOCAL_EXPIRED_AGO_FIELD)
    if asked is None:
        return 0
    if not asked.isdigit() or not 1 <= int(asked) <= MAX_EXPIRED_AGO_SECONDS:
        raise OAuthError(
            "invalid_request",
            f"{LOCAL_EXPIRED_AGO_FIELD} must be a whole number of seconds from 1 to "
            f"{MAX_EXPIRED_AGO_SECONDS}.",
        )
    return int(asked)


def create_issuer_app(
    *,
    base_url: str,
    keys: SigningKeyStore,
    directory: CognitoDirectory,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """The issuer as an ASGI app; ``base_url`` is its public HTTPS origin."""

    def issuer_for(pool_id: str) -> str:
        return issuer_url(base_url, pool_id)

    def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "keys": len(keys.jwks()["keys"])})

    def discovery(request: Request) -> JSONResponse:
        pool_id = request.path_params["pool_id"]
        if not directory.pool_exists(pool_id):
            return JSONResponse({"message": f"User pool {pool_id} does not exist."}, 404)
        issuer = issuer_for(pool_id)
        return JSONResponse(
            {
                "issuer": issuer,
                "jwks_uri": f"{issuer}/.well-known/jwks.json",
                "token_endpoint": f"{base_url}/oauth2/token",
                "authorization_endpoint": f"{base_url}/oauth2/authorize",
                "userinfo_endpoint": f"{base_url}/oauth2/userInfo",
                "grant_types_supported": [CLIENT_CREDENTIALS],
                "response_types_supported": ["code", "token"],
                "scopes_supported": ["openid", "email", "phone", "profile"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
            }
        )

    def jwks(request: Request) -> JSONResponse:
        if not directory.pool_exists(request.path_params["pool_id"]):
            return JSONResponse({"message": "User pool does not exist."}, 404)
        return JSONResponse(keys.jwks(), headers={"Cache-Control": "max-age=60"})

    async def token(request: Request) -> JSONResponse:
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith("application/x-www-form-urlencoded"):
            return OAuthError(
                "invalid_request", "Send the token request as application/x-www-form-urlencoded."
            ).response()
        form = {key: str(value) for key, value in (await request.form()).items()}
        try:
            return await _issue(request, form)
        except OAuthError as refusal:
            log.info("token refused: %s (%s)", refusal.error, refusal.description)
            return refusal.response()

    async def _issue(request: Request, form: dict[str, str]) -> JSONResponse:
        grant_type = form.get("grant_type")
        if not grant_type:
            raise OAuthError("invalid_request", "grant_type is required.")
        if grant_type not in KNOWN_GRANT_TYPES:
            raise OAuthError("unsupported_grant_type", f"Unknown grant_type {grant_type!r}.")
        client_id, secret = _client_credentials(request, form)
        # boto3 blocks; keep the event loop free for other requests meanwhile.
        client = await run_in_threadpool(directory.find_client, client_id)
        if client is None or client.secret is None or secret is None:
            raise OAuthError("invalid_client", "Unknown client or missing client secret.", 401)
        if not hmac.compare_digest(client.secret.encode(), secret.encode()):
            raise OAuthError("invalid_client", "Client authentication failed.", 401)
        if grant_type != CLIENT_CREDENTIALS:
            raise OAuthError(
                "unsupported_grant_type",
                "The local issuer implements only the client_credentials grant.",
            )
        if not client.oauth_flows_enabled or CLIENT_CREDENTIALS not in client.allowed_flows:
            raise OAuthError(
                "unauthorized_client", "This client is not allowed the client_credentials flow."
            )
        scopes = _granted_scopes(client, form.get("scope"))
        lifetime, expired_ago = client.access_token_seconds, _expired_ago(form)
        issued_ago = lifetime + expired_ago if expired_ago else 0
        access_token = mint_access_token(
            keys,
            issuer=issuer_for(client.pool_id),
            client_id=client.client_id,
            scopes=scopes,
            lifetime_seconds=lifetime,
            now=clock() - issued_ago,
        )
        expires_in = lifetime - issued_ago
        log.debug("token issued: client %s, scopes %s, %d s", client.client_id, scopes, expires_in)
        return JSONResponse(
            {"access_token": access_token, "expires_in": expires_in, "token_type": "Bearer"},
            headers=_NO_STORE,
        )

    return Starlette(
        routes=[
            Route("/health", health),
            Route("/{pool_id}/.well-known/openid-configuration", discovery),
            Route("/{pool_id}/.well-known/jwks.json", jwks),
            Route("/oauth2/token", token, methods=["POST"]),
        ]
    )
