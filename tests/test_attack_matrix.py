"""The JWT attack matrix, against the Runtime and against the Gateway of the local stack.

Each forged, stolen, stale or misplaced credential must get a 401 before any of the
learner's code or any Lambda runs. To show that nothing ran, every case compares the
stack's counters (requests that reached an agent, Lambda invocations) before and after.
The README's Security section lists this matrix and the reason the stack gives for each.

Some forgeries are signed with the stack's real signing key (read from its state
folder): no attacker has it, but it lets one claim check at a time be tested alone.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.utils import base64url_decode, base64url_encode

from helpers.emulator.client import ControlClient
from helpers.emulator.core.state import StackLayout, StackState
from helpers.emulator.identity.keys import SigningKeyStore
from helpers.kit.calling import gateway_client
from helpers.kit.calling.invoke import new_session_id
from helpers.kit.errors import GatewayRefused
from helpers.kit.settings import WorkshopSettings
from helpers.kit.tokens import AccessToken, client_secret, fetch_token, get_token, tampered
from helpers.wire.invocation import SESSION_HEADER
from tests.support import (
    WARRANTY_END,
    WARRANTY_PROMPT,
    WARRANTY_TOOL,
    FinishedWorkshop,
    partner_client_id,
)

pytestmark = pytest.mark.stack

MCP_ACCEPT = "application/json, text/event-stream"
OVERSIZED_CHARS = 9000  # past the authorizer's 8 KB limit, within the HTTP server's 16 KB


@dataclass(frozen=True)
class Endpoint:
    """A protected endpoint and the request that would run the agent or the Lambda there."""

    url: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass(frozen=True)
class Materials:
    """What the forgeries are made from: a valid token, the real keys, other clients' tokens."""

    token: AccessToken
    keys: SigningKeyStore
    client_id: str
    secret: str
    partner_token: AccessToken
    other_pool_token: AccessToken

    def signed(self, changes: dict[str, Any], *, key: rsa.RSAPrivateKey | None = None) -> str:
        """The valid token's claims with ``changes`` (None removes a claim), signed RS256.

        The header names the stack's ``kid``; the signature is the stack's own key's,
        unless another ``key`` is given.
        """
        claims = {
            name: value
            for name, value in (self.token.claims() | changes).items()
            if value is not None
        }
        active = self.keys.active
        return jwt.encode(
            claims, key or active.private_key, algorithm="RS256", headers={"kid": active.kid}
        )


@dataclass(frozen=True)
class Attack:
    """What the attacker sends: Authorization headers (None: none) and query parameters.

    ``also`` is a second ``Authorization`` header sent after the first.
    """

    authorization: str | None
    params: dict[str, str] | None = None
    also: str | None = None


def _bearer(token: str) -> Attack:
    return Attack(f"Bearer {token}")


def _basic_credentials(m: Materials) -> Attack:
    """The client's real id and secret, sent as HTTP Basic instead of a token."""
    return Attack("Basic " + base64.b64encode(f"{m.client_id}:{m.secret}".encode()).decode())


def _alg_none(m: Materials) -> Attack:
    # alg "none" takes no key; PyJWT's types insist on one.
    unsigned = jwt.encode(
        m.token.claims(),
        None,  # type: ignore[arg-type]
        algorithm="none",
        headers={"kid": m.keys.active.kid},
    )
    return _bearer(unsigned)


def _hs256_keyed_with_public_key(m: Materials) -> Attack:
    """Algorithm confusion: HMAC keyed with the RSA public key, which anyone can download."""
    public_pem = m.keys.active.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "kid": m.keys.active.kid, "typ": "JWT"}
    signing_input = b".".join(
        base64url_encode(json.dumps(part).encode()) for part in (header, m.token.claims())
    )
    signature = hmac.new(public_pem, signing_input, hashlib.sha256).digest()
    return _bearer((signing_input + b"." + base64url_encode(signature)).decode())


@functools.cache
def _another_key() -> rsa.RSAPrivateKey:
    """The attacker's own RSA key (made once: a new 2048-bit key takes a while)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _unknown_kid(m: Materials) -> Attack:
    forged = jwt.encode(
        m.token.claims(), _another_key(), algorithm="RS256", headers={"kid": "attacker-kid"}
    )
    return _bearer(forged)


def _truncated_signature(m: Materials) -> Attack:
    """The first half of the signature's bytes, re-encoded (cut as text, it may not decode)."""
    header, payload, signature = m.token.value.split(".")
    raw = base64url_decode(signature)
    return _bearer(f"{header}.{payload}.{base64url_encode(raw[: len(raw) // 2]).decode()}")


def _from_now(seconds: int) -> int:
    return int(time.time()) + seconds


# The matrix: name → (how the attack is built, the reason the stack must give for refusing).
ATTACKS: dict[str, tuple[Callable[[Materials], Attack], str]] = {
    "no Authorization header": (lambda m: Attack(None), "no Authorization header"),
    "Basic scheme": (_basic_credentials, "Authorization scheme is not Bearer"),
    # "Bearer " arrives as "Bearer": HTTP strips the trailing space of a header value.
    "empty bearer": (lambda m: Attack("Bearer"), "empty bearer token"),
    "garbage": (lambda m: _bearer("not-a-jwt"), "malformed token"),
    "alg none": (_alg_none, "algorithm 'none' is not accepted"),
    "HS256 keyed with the public key": (
        _hs256_keyed_with_public_key,
        "algorithm 'HS256' is not accepted",
    ),
    "RS256 by another key, known kid": (
        lambda m: _bearer(m.signed({}, key=_another_key())),
        "signature does not verify",
    ),
    "unknown kid": (_unknown_kid, "unknown signing key"),
    "expired": (
        lambda m: _bearer(m.signed({"iat": _from_now(-7200), "exp": _from_now(-3600)})),
        "token expired",
    ),
    "nbf in the future": (lambda m: _bearer(m.signed({"nbf": _from_now(600)})), "not valid yet"),
    "iat in the future": (
        lambda m: _bearer(m.signed({"iat": _from_now(600), "exp": _from_now(4200)})),
        "not valid yet",
    ),
    "wrong issuer": (
        lambda m: _bearer(
            m.signed({"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_attacker"})
        ),
        "issuer does not match",
    ),
    "token from another pool": (
        lambda m: _bearer(m.other_pool_token.value),
        "issuer does not match",
    ),
    "client not in allowedClients": (
        lambda m: _bearer(m.partner_token.value),
        "client_id is not in allowedClients",
    ),
    "ID token (aud, token_use id)": (
        lambda m: _bearer(m.signed({"token_use": "id", "aud": m.client_id, "client_id": None})),
        "token has no client_id",
    ),
    "no client_id": (
        lambda m: _bearer(m.signed({"client_id": None})),
        "token has no client_id",
    ),
    "changed payload, original signature": (
        lambda m: _bearer(tampered(m.token).value),
        "signature does not verify",
    ),
    "truncated signature": (_truncated_signature, "signature does not verify"),
    "oversized header (> 8 KB)": (
        lambda m: _bearer(m.signed({"padding": "A" * OVERSIZED_CHARS})),
        "bearer token too large",
    ),
    "token in the query string": (
        lambda m: Attack(None, {"access_token": m.token.value}),
        "no Authorization header",
    ),
    # A checker reading the first header and a forwarder the last would let an unchecked
    # value reach the agent; both forms carry the valid token first.
    "a second Authorization header": (
        lambda m: Attack(f"Bearer {m.token.value}", also=f"Bearer {m.partner_token.value}"),
        "more than one Authorization header",
    ),
    "two tokens in one header": (
        lambda m: _bearer(f"{m.token.value}, Bearer {m.partner_token.value}"),
        "Authorization holds more than one value",
    ),
}


@pytest.fixture(scope="module")
def endpoints(finished_workshop: FinishedWorkshop) -> dict[str, Endpoint]:
    """The finished workshop's Runtime and Gateway, each with the request that would run
    code there: a warranty question (agent, then Gateway and Lambda) and a warranty
    ``tools/call``.
    """
    return {
        "Runtime": Endpoint(
            finished_workshop.runtime_url,
            {"prompt": WARRANTY_PROMPT},
            {SESSION_HEADER: new_session_id()},
        ),
        "Gateway": Endpoint(
            finished_workshop.gateway_url,
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "tools/call",
                "params": {"name": WARRANTY_TOOL, "arguments": {"product_id": "PROD-001"}},
            },
            {"Accept": MCP_ACCEPT},
        ),
    }


@pytest.fixture(scope="module")
def other_pool_token(settings: WorkshopSettings) -> Iterator[AccessToken]:
    """A genuine token from a second user pool of the same issuer, deleted afterwards."""
    cognito = boto3.client("cognito-idp")
    pool_id = cognito.create_user_pool(PoolName="AttackerPool")["UserPool"]["Id"]
    try:
        cognito.create_resource_server(
            UserPoolId=pool_id,
            Identifier="attacker",
            Name="Attacker",
            Scopes=[{"ScopeName": "invoke", "ScopeDescription": "anything"}],
        )
        client = cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="AttackerClient",
            GenerateSecret=True,
            AllowedOAuthFlows=["client_credentials"],
            AllowedOAuthScopes=["attacker/invoke"],
            AllowedOAuthFlowsUserPoolClient=True,
        )["UserPoolClient"]
        yield fetch_token(settings.cognito_token_url, client["ClientId"], client["ClientSecret"])
    finally:
        cognito.delete_user_pool(UserPoolId=pool_id)


@pytest.fixture(scope="module")
def materials(
    local_stack: StackState,
    workshop_home: Path,
    settings: WorkshopSettings,
    other_pool_token: AccessToken,
) -> Materials:
    return Materials(
        token=get_token(settings),
        keys=SigningKeyStore(StackLayout(workshop_home).signing_keys_file),
        client_id=settings.client_id,
        secret=client_secret(settings.pool_id, settings.client_id),
        partner_token=get_token(settings, partner_client_id(local_stack)),
        other_pool_token=other_pool_token,
    )


def _send(endpoint: Endpoint, attack: Attack) -> httpx.Response:
    headers = list(endpoint.headers.items())
    headers += [("Authorization", value) for value in (attack.authorization, attack.also) if value]
    return httpx.post(
        endpoint.url, json=endpoint.body, params=attack.params, headers=headers, timeout=30
    )


@pytest.mark.parametrize("target", ["Runtime", "Gateway"])
def test_a_valid_token_runs_the_code(
    target: str,
    endpoints: dict[str, Endpoint],
    materials: Materials,
    control: ControlClient,
) -> None:
    """The control case: the same request with the real token does run code, and counts."""
    before = control.stats()
    response = _send(endpoints[target], _bearer(materials.token.value))
    assert response.status_code == 200, response.text
    assert WARRANTY_END in response.text
    assert control.stats() != before


@pytest.mark.parametrize("target", ["Runtime", "Gateway"])
@pytest.mark.parametrize(("build", "reason"), ATTACKS.values(), ids=ATTACKS.keys())
def test_attack_is_refused_before_any_code_runs(
    target: str,
    build: Callable[[Materials], Attack],
    reason: str,
    endpoints: dict[str, Endpoint],
    materials: Materials,
    control: ControlClient,
) -> None:
    before = control.stats()
    response = _send(endpoints[target], build(materials))
    assert response.status_code == 401, response.text
    assert response.headers["x-amzn-errortype"] == "UnauthorizedException"
    assert reason in response.json()["message"]
    assert control.stats() == before, "the agent or the Lambda ran"


def test_gateway_client_reports_a_refusal_as_gateway_refused(
    endpoints: dict[str, Endpoint], materials: Materials
) -> None:
    """What a learner sees when the Gateway refuses: a GatewayRefused with the status."""
    with pytest.raises(GatewayRefused) as refused:
        gateway_client.list_tools(endpoints["Gateway"].url, tampered(materials.token))
    assert refused.value.status == 401
