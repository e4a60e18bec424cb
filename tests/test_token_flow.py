"""The local issuer's OAuth2 client-credentials flow, and the helpers that use it."""

from __future__ import annotations

import time

import boto3
import jwt
import pytest
import requests

from helpers.emulator.core.state import StackState
from helpers.kit.errors import TokenError
from helpers.kit.settings import WorkshopSettings
from helpers.kit.tokens import (
    AccessToken,
    TokenCache,
    client_secret,
    describe_claims,
    fetch_token,
    get_token,
    redact,
)
from tests.support import partner_client_id

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def secret(settings: WorkshopSettings) -> str:
    return client_secret(settings.pool_id, settings.client_id)


def _verified_claims(token: str, settings: WorkshopSettings) -> dict:
    discovery = requests.get(settings.cognito_discovery_url, timeout=5).json()
    signing_key = jwt.PyJWKClient(discovery["jwks_uri"]).get_signing_key_from_jwt(token)
    return jwt.decode(token, signing_key.key, algorithms=["RS256"], issuer=discovery["issuer"])


def test_token_has_cognito_access_token_claims_and_verifies_against_jwks(
    settings: WorkshopSettings,
) -> None:
    token = get_token(settings, force_refresh=True)
    claims = _verified_claims(token.value, settings)
    assert claims["client_id"] == claims["sub"] == settings.client_id
    assert claims["token_use"] == "access"
    assert claims["scope"] == settings.cognito_auth_scope
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["iss"].endswith("/" + settings.pool_id)
    assert "aud" not in claims
    assert {"auth_time", "jti", "version"} <= claims.keys()
    assert jwt.get_unverified_header(token.value)["alg"] == "RS256"


def test_form_credentials_are_accepted_too(settings: WorkshopSettings, secret: str) -> None:
    response = requests.post(
        settings.cognito_token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": settings.client_id,
            "client_secret": secret,
        },
        timeout=5,
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["token_type"] == "Bearer"


@pytest.mark.parametrize(
    ("case", "status", "error"),
    [
        ("wrong secret", 401, "invalid_client"),
        ("unknown client", 401, "invalid_client"),
        ("wrong scope", 400, "invalid_scope"),
        ("wrong grant", 400, "unsupported_grant_type"),
        ("password grant", 400, "unsupported_grant_type"),
        ("no grant", 400, "invalid_request"),
        ("no credentials", 401, "invalid_client"),
    ],
)
def test_token_endpoint_refusals_follow_rfc_6749(
    settings: WorkshopSettings, secret: str, case: str, status: int, error: str
) -> None:
    form = {"grant_type": "client_credentials"}
    auth: tuple[str, str] | None = (settings.client_id, secret)
    if case == "wrong secret":
        auth = (settings.client_id, "not-the-secret")
    elif case == "unknown client":
        auth = ("nosuchclient0000000000000", secret)
    elif case == "wrong scope":
        form["scope"] = "customersupport-agentcore/admin"
    elif case == "wrong grant":
        form["grant_type"] = "urn:example:nonsense"
    elif case == "password grant":
        form["grant_type"] = "password"
    elif case == "no grant":
        del form["grant_type"]
    elif case == "no credentials":
        auth = None
    response = requests.post(settings.cognito_token_url, data=form, auth=auth, timeout=5)
    assert response.status_code == status
    assert response.json()["error"] == error
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Basic")


def test_client_without_the_flow_is_unauthorized(settings: WorkshopSettings) -> None:
    cognito = boto3.client("cognito-idp")
    created = cognito.create_user_pool_client(
        UserPoolId=settings.pool_id, ClientName="NoFlowClient", GenerateSecret=True
    )["UserPoolClient"]
    with pytest.raises(TokenError) as refusal:
        fetch_token(settings.cognito_token_url, created["ClientId"], created["ClientSecret"])
    assert refusal.value.error == "unauthorized_client"
    assert created["ClientSecret"] not in str(refusal.value)


def test_second_client_gets_its_own_valid_token(
    local_stack: StackState, settings: WorkshopSettings
) -> None:
    """The partner team's client: a token of its own, with its own scope and not the
    workshop's, which it may not ask for (notebook 06's scope check)."""
    partner = partner_client_id(local_stack)
    assert settings.partner_client_id == partner  # from SSM, as the notebook reads it
    claims = _verified_claims(get_token(settings, partner).value, settings)
    assert claims["client_id"] == partner != settings.client_id
    assert claims["scope"] == "customersupport-agentcore/read"
    secret = client_secret(settings.pool_id, partner)
    with pytest.raises(TokenError) as refusal:
        fetch_token(settings.cognito_token_url, partner, secret, scope=settings.cognito_auth_scope)
    assert refusal.value.error == "invalid_scope"


def test_already_expired_token_on_request(settings: WorkshopSettings, secret: str) -> None:
    url, client = settings.cognito_token_url, settings.client_id
    token = fetch_token(url, client, secret, expired_seconds_ago=120)
    claims = token.claims()
    assert claims["exp"] - claims["iat"] == 3600, "a full lifetime, issued long ago"
    assert 115 <= time.time() - claims["exp"] <= 125
    assert token.seconds_left() < -115
    with pytest.raises(TokenError, match="local_expired_seconds_ago"):
        fetch_token(url, client, secret, expired_seconds_ago=0)


def test_cache_reuses_then_refreshes_before_expiry(settings: WorkshopSettings, secret: str) -> None:
    reads: list[int] = []

    def read_secret() -> str:
        reads.append(1)
        return secret

    cache = TokenCache(refresh_margin=300)
    first = cache.get(settings.cognito_token_url, settings.client_id, read_secret)
    assert cache.get(settings.cognito_token_url, settings.client_id, read_secret) is first
    assert len(reads) == 1
    cache.refresh_margin = 3600  # every token is now "too close" to expiry
    second = cache.get(settings.cognito_token_url, settings.client_id, read_secret)
    assert second is not first and second.value != first.value
    assert len(reads) == 2


def test_token_never_shows_its_value(settings: WorkshopSettings) -> None:
    token = get_token(settings)
    for shown in (repr(token), str(token), f"{token}", token.redacted, repr([token])):
        assert token.value not in shown
        assert token.value[:20] not in shown
    assert token.redacted.startswith("eyJ") and token.redacted.endswith(
        f"(redacted, {len(token.value)} chars)"
    )
    assert "(20" in describe_claims(token)["exp"]  # the year, spelt out


def test_redact_and_expiry_arithmetic() -> None:
    assert redact("eyJraWQiOiJhYmMifQ.payload.signature") == "eyJraWQ…(redacted, 36 chars)"
    token = AccessToken(value="x" * 40, expires_at=time.time() + 100)
    assert 95 < token.seconds_left() <= 100
    assert "x" * 8 not in repr(token)


def test_unreachable_token_endpoint_gives_a_clear_error() -> None:
    with pytest.raises(TokenError, match="Could not reach the token endpoint"):
        fetch_token("https://127.0.0.1:9/oauth2/token", "client", "secret", timeout=1)
