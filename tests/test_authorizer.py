"""The CUSTOM_JWT authorizer on its own: keys, claims and refusals, no servers needed."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any, TypedDict, Unpack

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256
from jwt.utils import base64url_encode

from helpers.emulator.identity.keys import SigningKeyStore
from helpers.emulator.identity.tokens import SignInEvent, mint_access_token, mint_user_tokens
from helpers.emulator.inbound.authorizer import (
    JwtAuthorizer,
    JwtAuthorizerConfig,
    MethodMismatch,
    Unauthorized,
)
from helpers.emulator.inbound.keys import (
    DEFAULT_KEY_CACHE_TTL_SECONDS,
    DEFAULT_RETRY_INTERVAL_SECONDS,
    KeyCaches,
)
from helpers.model.project_types import (
    ClaimMatchOperator,
    ClaimMatchValue,
    ClaimValueType,
    CustomClaim,
    CustomJwtAuthorizer,
)

DISCOVERY = "https://issuer.test/pool/.well-known/openid-configuration"
ISSUER = "https://issuer.test/pool"
JWKS_URI = ISSUER + "/.well-known/jwks.json"
CLIENT = "workshopclient"


class FakeIssuer:
    """Serves discovery and JWKS from a key store, counting JWKS fetches."""

    def __init__(self, keys: SigningKeyStore) -> None:
        self.keys = keys
        self.jwks_requests = 0
        self.down = False

    def fetch_json(self, url: str) -> dict[str, Any]:
        if self.down:
            raise httpx.ConnectError("issuer down")
        if url == DISCOVERY:
            return {"issuer": ISSUER, "jwks_uri": JWKS_URI}
        self.jwks_requests += 1
        return self.keys.jwks()


@pytest.fixture
def keys(tmp_path: Path) -> SigningKeyStore:
    return SigningKeyStore(tmp_path / "keys.json")


@pytest.fixture
def issuer(keys: SigningKeyStore) -> FakeIssuer:
    return FakeIssuer(keys)


class _Lists(TypedDict, total=False):
    """What a test sets of a customJwtAuthorizer besides its discovery URL."""

    allowedAudience: list[str]
    allowedClients: list[str]
    allowedScopes: list[str]
    customClaims: list[CustomClaim]


def _authorizer(issuer: FakeIssuer, **config: Unpack[_Lists]) -> JwtAuthorizer:
    settings: CustomJwtAuthorizer = {
        "discoveryUrl": DISCOVERY,
        "allowedClients": [CLIENT],
        **config,
    }
    return JwtAuthorizer(JwtAuthorizerConfig.from_agentcore(settings), fetch_json=issuer.fetch_json)


def _token(
    keys: SigningKeyStore,
    client: str = CLIENT,
    claims: dict[str, Any] | None = None,
    **overrides: Any,
) -> str:
    """A token of the issuer's key; ``claims`` (names that are not identifiers, such as
    ``cognito:groups``) and ``overrides`` replace claims, a None value removes one."""
    token = mint_access_token(
        keys, issuer=ISSUER, client_id=client, scopes=["api/invoke"], lifetime_seconds=3600
    )
    overrides = (claims or {}) | overrides
    if not overrides:
        return token
    claims = jwt.decode(token, options={"verify_signature": False}) | overrides
    claims = {name: value for name, value in claims.items() if value is not None}
    key = keys.active
    return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})


def test_valid_access_token_passes(keys: SigningKeyStore, issuer: FakeIssuer) -> None:
    claims = _authorizer(issuer).authorize("Bearer " + _token(keys))
    assert claims["client_id"] == CLIENT


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"exp": int(time.time()) - 120}, "expired"),
        ({"nbf": int(time.time()) + 600}, "not valid yet"),
        ({"iat": int(time.time()) + 600}, "not valid yet"),
        ({"iss": "https://elsewhere.test/pool"}, "issuer"),
        ({"client_id": "otherclient"}, "allowedClients"),
        ({"token_use": "id", "aud": CLIENT, "client_id": None}, "no client_id"),
        ({"exp": None}, "invalid token"),
    ],
)
def test_claim_refusals(
    keys: SigningKeyStore, issuer: FakeIssuer, overrides: dict[str, Any], reason: str
) -> None:
    with pytest.raises(Unauthorized, match=reason):
        _authorizer(issuer).authorize("Bearer " + _token(keys, **overrides))


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "no Authorization header"),
        ("", "no Authorization header"),
        ("Basic d29ya3Nob3A6c2VjcmV0", "not Bearer"),
        ("Bearer ", "empty bearer token"),
        ("Bearer not-a-jwt", "malformed"),
        ("Bearer " + "a" * 9000, "too large"),
    ],
)
def test_header_refusals(issuer: FakeIssuer, header: str | None, reason: str) -> None:
    with pytest.raises(Unauthorized, match=reason):
        _authorizer(issuer).authorize(header)


def test_sigv4_is_a_method_mismatch(issuer: FakeIssuer) -> None:
    with pytest.raises(MethodMismatch):
        _authorizer(issuer).authorize("AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/x")


def _hs256_signed_with_public_key(claims: dict[str, Any], keys: SigningKeyStore) -> str:
    """The classic algorithm-confusion forgery: HMAC keyed with the RSA public key's bytes."""
    public_pem = keys.active.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "kid": keys.active.kid, "typ": "JWT"}
    signing_input = b".".join(
        base64url_encode(json.dumps(part).encode()) for part in (header, claims)
    )
    signature = hmac.new(public_pem, signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + base64url_encode(signature)).decode()


def test_only_rs256_is_accepted(keys: SigningKeyStore, issuer: FakeIssuer) -> None:
    claims = jwt.decode(_token(keys), options={"verify_signature": False})
    # alg "none" takes no key; PyJWT's types insist on one.
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": keys.active.kid})  # type: ignore[arg-type]
    for forged in (unsigned, _hs256_signed_with_public_key(claims, keys)):
        with pytest.raises(Unauthorized, match="RS256 only"):
            _authorizer(issuer).authorize("Bearer " + forged)


def test_scope_audience_and_custom_claims(keys: SigningKeyStore, issuer: FakeIssuer) -> None:
    token = "Bearer " + _token(keys, aud="support-api", groups=["support", "beta"])
    assert _authorizer(issuer, allowedScopes=["api/invoke", "api/admin"]).authorize(token)
    with pytest.raises(Unauthorized, match="allowedScopes"):
        _authorizer(issuer, allowedScopes=["api/admin"]).authorize(token)
    assert _authorizer(issuer, allowedClients=[], allowedAudience=["support-api"]).authorize(token)
    with pytest.raises(Unauthorized, match="allowedAudience"):
        _authorizer(issuer, allowedClients=[], allowedAudience=["other"]).authorize(token)

    def rule(
        claim: str, value_type: ClaimValueType, operator: ClaimMatchOperator, value: str | list[str]
    ) -> CustomClaim:
        match: ClaimMatchValue = (
            {"matchValueStringList": value}
            if isinstance(value, list)
            else {"matchValueString": value}
        )
        return {
            "inboundTokenClaimName": claim,
            "inboundTokenClaimValueType": value_type,
            "authorizingClaimMatchValue": {
                "claimMatchOperator": operator,
                "claimMatchValue": match,
            },
        }

    # AgentCore's pairings: EQUALS a STRING, CONTAINS one string, CONTAINS_ANY of a list.
    def admits(*rules: CustomClaim) -> bool:
        try:
            return bool(_authorizer(issuer, customClaims=list(rules)).authorize(token))
        except Unauthorized as refusal:
            assert "custom claim" in str(refusal)
            return False

    assert admits(rule("groups", "STRING_ARRAY", "CONTAINS", "support"))
    assert admits(rule("groups", "STRING_ARRAY", "CONTAINS_ANY", ["x", "beta"]))
    assert admits(rule("token_use", "STRING", "EQUALS", "access"))
    assert not admits(rule("groups", "STRING_ARRAY", "CONTAINS", "admin"))
    assert not admits(rule("groups", "STRING_ARRAY", "CONTAINS_ANY", ["x", "y"]))
    assert not admits(rule("token_use", "STRING", "EQUALS", "id"))
    # A claim of the other JSON type matches nothing: a list is not a STRING, nor the reverse.
    assert not admits(rule("groups", "STRING", "EQUALS", "support"))
    assert not admits(rule("token_use", "STRING_ARRAY", "CONTAINS", "access"))
    assert not admits(rule("missing", "STRING_ARRAY", "CONTAINS_ANY", ["support"]))


@pytest.mark.parametrize(
    "claims",
    [
        {"scope": "api/read", "scp": ["api/invoke"]},  # Okta's and Entra's claim name
        {"scope": "api/read", "scopes": "api/invoke"},
        {"scope": ["api/invoke"]},  # a list where Cognito writes one string
        {"scope": "api/invoke-all"},  # a longer scope is another scope
        {"scope": "xapi/invoke"},
        {"scope": "API/INVOKE"},  # scopes are case-sensitive
        {"scope": None},
    ],
    ids=["scp", "scopes", "list", "longer", "prefixed", "case", "none"],
)
def test_allowed_scopes_reads_only_the_scope_claim_word_by_word(
    keys: SigningKeyStore, issuer: FakeIssuer, claims: dict[str, Any]
) -> None:
    token = "Bearer " + _token(keys, **claims)
    with pytest.raises(Unauthorized, match="allowedScopes"):
        _authorizer(issuer, allowedScopes=["api/invoke"]).authorize(token)


def _group_rule(group: str) -> CustomClaim:
    """Notebook 06's rule: the caller's Cognito groups must contain ``group``."""
    return {
        "inboundTokenClaimName": "cognito:groups",
        "inboundTokenClaimValueType": "STRING_ARRAY",
        "authorizingClaimMatchValue": {
            "claimMatchOperator": "CONTAINS",
            "claimMatchValue": {"matchValueString": group},
        },
    }


def test_a_group_written_into_a_signed_token_or_signed_by_another_key_is_refused(
    keys: SigningKeyStore, issuer: FakeIssuer, tmp_path: Path
) -> None:
    rule = _authorizer(issuer, customClaims=[_group_rule("support-staff")])
    member = _token(keys, claims={"cognito:groups": ["support-staff"]})
    assert rule.authorize(f"Bearer {member}")["cognito:groups"] == ["support-staff"]
    outsider = _token(keys, claims={"cognito:groups": ["customers"]})
    with pytest.raises(Unauthorized, match="custom claim"):
        rule.authorize(f"Bearer {outsider}")
    # The outsider's token with the group written into its payload: the signature fails.
    header, _payload, signature = outsider.split(".")
    claims = jwt.decode(outsider, options={"verify_signature": False})
    forged_payload = base64url_encode(
        json.dumps(claims | {"cognito:groups": ["support-staff"]}).encode()
    ).decode()
    with pytest.raises(Unauthorized, match="signature"):
        rule.authorize(f"Bearer {header}.{forged_payload}.{signature}")
    # Signed by a key of the attacker's, under the issuer's key id: the signature fails too.
    stranger = SigningKeyStore(tmp_path / "stranger.json").active
    forged = jwt.encode(
        claims | {"cognito:groups": ["support-staff"]},
        stranger.private_key,
        algorithm="RS256",
        headers={"kid": keys.active.kid},
    )
    with pytest.raises(Unauthorized, match="signature"):
        rule.authorize(f"Bearer {forged}")


@pytest.mark.parametrize(
    ("audience", "admitted"),
    [
        ("support-api", True),
        (["other", "support-api"], True),  # RFC 7519: one of several audiences is enough
        ("other support-api", False),  # one string is one audience, not a list
        ([["support-api"]], False),
        ({"support-api": True}, False),
        (None, False),
    ],
    ids=["string", "list", "spaces", "nested", "object", "none"],
)
def test_allowed_audience_takes_a_string_or_a_list_of_strings(
    keys: SigningKeyStore, issuer: FakeIssuer, audience: Any, admitted: bool
) -> None:
    token = "Bearer " + _token(keys, aud=audience)
    by_audience = _authorizer(issuer, allowedClients=[], allowedAudience=["support-api"])
    if admitted:
        assert by_audience.authorize(token)
    else:
        with pytest.raises(Unauthorized, match="allowedAudience"):
            by_audience.authorize(token)


def test_allowed_clients_checks_client_id_and_allowed_audience_checks_aud(
    keys: SigningKeyStore, issuer: FakeIssuer
) -> None:
    """AgentCore's rule for both lists, met by Cognito's two kinds of user token."""
    event = SignInEvent(
        issuer=ISSUER,
        client_id=CLIENT,
        user_id="6b0f1d7e-user",
        username="alice",
        email="alice@example.com",
        email_verified=True,
        auth_time=int(time.time()),
        origin_jti="origin",
        event_id="event",
    )
    access, identity = mint_user_tokens(
        keys, event, access_seconds=600, id_seconds=600, now=time.time()
    )
    by_client = _authorizer(issuer)
    assert by_client.authorize(f"Bearer {access}")["username"] == "alice"
    with pytest.raises(Unauthorized, match="no client_id"):
        by_client.authorize(f"Bearer {identity}")
    # Checked against aud instead, the client id lets the ID token in, and no access token:
    # why a Cognito-secured API lists its clients in allowedClients.
    by_audience = _authorizer(issuer, allowedClients=[], allowedAudience=[CLIENT])
    assert by_audience.authorize(f"Bearer {identity}")["token_use"] == "id"
    with pytest.raises(Unauthorized, match="allowedAudience"):
        by_audience.authorize(f"Bearer {access}")


def test_rotation_and_refetch_limit(keys: SigningKeyStore, issuer: FakeIssuer) -> None:
    authorizer = _authorizer(issuer)
    authorizer.authorize("Bearer " + _token(keys))
    assert issuer.jwks_requests == 1
    other_store_kid = "made-up-kid"
    spray = jwt.encode({"a": 1}, keys.active.private_key, "RS256", headers={"kid": other_store_kid})
    for _ in range(20):
        with pytest.raises(Unauthorized, match="unknown signing key"):
            authorizer.authorize("Bearer " + spray)
    assert issuer.jwks_requests == 1  # within the refetch interval: no new fetch


def test_new_key_is_picked_up_and_cached_keys_survive_an_outage(
    keys: SigningKeyStore, issuer: FakeIssuer
) -> None:
    now = [1000.0]
    authorizer = JwtAuthorizer(
        JwtAuthorizerConfig(discovery_url=DISCOVERY, allowed_clients=(CLIENT,)),
        fetch_json=issuer.fetch_json,
        clock=lambda: now[0],
        leeway=10**10,  # the fake clock is far from real time
    )
    old_token = "Bearer " + _token(keys)
    authorizer.authorize(old_token)
    keys.rotate()
    now[0] += 11
    assert authorizer.authorize("Bearer " + _token(keys))
    issuer.down = True
    now[0] += 11
    assert authorizer.authorize(old_token)  # cached keys still verify


def _verifications(authorizer: JwtAuthorizer, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tokens ``authorizer`` checks in full from now on (signature and claims)."""
    verified: list[str] = []
    real_verify = authorizer._verify

    def counting_verify(token: str, kid: str) -> dict[str, Any]:
        verified.append(token)
        return real_verify(token, kid)

    monkeypatch.setattr(authorizer, "_verify", counting_verify)
    return verified


def test_a_token_seen_again_is_not_verified_again(
    keys: SigningKeyStore, issuer: FakeIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    authorizer = _authorizer(issuer)
    verified = _verifications(authorizer, monkeypatch)
    token = _token(keys)
    first = authorizer.authorize("Bearer " + token)
    assert authorizer.authorize("Bearer " + token) == first
    assert verified == [token]
    header, payload, signature = token.split(".")
    with pytest.raises(Unauthorized, match="signature does not verify"):
        authorizer.authorize(f"Bearer {header}.{payload}.{signature[:-4]}AAAA")
    assert len(verified) == 2  # a different string is a different token: checked in full


def test_the_verified_token_cache_keeps_its_bound_oldest_out_first(
    keys: SigningKeyStore, issuer: FakeIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    authorizer = JwtAuthorizer(
        JwtAuthorizerConfig.from_agentcore({"discoveryUrl": DISCOVERY, "allowedClients": [CLIENT]}),
        fetch_json=issuer.fetch_json,
        verified_cache_entries=2,
    )
    verified = _verifications(authorizer, monkeypatch)
    first, second, third = (_token(keys, jti=str(n)) for n in range(3))
    for token in (first, second, first, third, second, first):
        authorizer.authorize("Bearer " + token)
    # first and second are kept; third pushes out first (the oldest, though just used);
    # second is still kept; first is verified once more.
    assert verified == [first, second, third, first]


def test_a_remembered_token_is_refused_once_it_expires(
    keys: SigningKeyStore, issuer: FakeIssuer
) -> None:
    wall = [time.time()]
    authorizer = JwtAuthorizer(
        JwtAuthorizerConfig(discovery_url=DISCOVERY, allowed_clients=(CLIENT,)),
        fetch_json=issuer.fetch_json,
        wall_clock=lambda: wall[0],
        leeway=5,
    )
    token = "Bearer " + _token(keys)  # lives an hour
    authorizer.authorize(token)
    wall[0] += 3600 + 5
    with pytest.raises(Unauthorized, match="token expired"):
        authorizer.authorize(token)


def test_a_remembered_token_is_refused_once_its_key_leaves_the_jwks(
    keys: SigningKeyStore, issuer: FakeIssuer
) -> None:
    now = [1000.0]
    authorizer = JwtAuthorizer(
        JwtAuthorizerConfig(discovery_url=DISCOVERY, allowed_clients=(CLIENT,)),
        fetch_json=issuer.fetch_json,
        clock=lambda: now[0],
    )
    old_kid = keys.active.kid
    token = "Bearer " + _token(keys)
    authorizer.authorize(token)
    keys.rotate()
    keys.retire(old_kid)
    now[0] += DEFAULT_KEY_CACHE_TTL_SECONDS  # the cached keys are re-read
    with pytest.raises(Unauthorized, match="unknown signing key"):
        authorizer.authorize(token)


def test_authorizers_of_one_issuer_share_keys_that_outlive_a_redeploy(
    keys: SigningKeyStore, issuer: FakeIssuer
) -> None:
    caches = KeyCaches(fetch_json=issuer.fetch_json)
    config = JwtAuthorizerConfig(discovery_url=DISCOVERY, allowed_clients=(CLIENT,))
    runtime, gateway = (JwtAuthorizer(config, keys=caches.for_url(DISCOVERY)) for _ in "ab")
    token = "Bearer " + _token(keys)
    runtime.authorize(token)
    gateway.authorize(token)
    assert issuer.jwks_requests == 1
    issuer.down = True
    redeployed = JwtAuthorizer(config, keys=caches.for_url(DISCOVERY))
    assert redeployed.authorize(token)


def test_a_failed_fetch_is_retried_soon(keys: SigningKeyStore, issuer: FakeIssuer) -> None:
    now = [1000.0]
    authorizer = JwtAuthorizer(
        JwtAuthorizerConfig(discovery_url=DISCOVERY, allowed_clients=(CLIENT,)),
        fetch_json=issuer.fetch_json,
        clock=lambda: now[0],
    )
    token = "Bearer " + _token(keys)
    issuer.down = True
    with pytest.raises(Unauthorized, match="signing keys unavailable"):
        authorizer.authorize(token)
    issuer.down = False
    with pytest.raises(Unauthorized, match="signing keys unavailable"):
        authorizer.authorize(token)  # within the retry interval: decided from the cache
    now[0] += DEFAULT_RETRY_INTERVAL_SECONDS
    assert authorizer.authorize(token)


def _raw_token(header: Any, claims: Any, keys: SigningKeyStore) -> str:
    """A compact JWS of any JSON ``header`` and ``claims``, signed with the active key."""
    signing_input = b".".join(
        base64url_encode(part if isinstance(part, bytes) else json.dumps(part).encode())
        for part in (header, claims)
    )
    signature = keys.active.private_key.sign(signing_input, PKCS1v15(), SHA256())
    return (signing_input + b"." + base64url_encode(signature)).decode()


def _odd_headers(kid: str) -> list[Any]:
    return [
        {"alg": ["RS256"], "kid": kid},
        {"alg": {"RS256": True}, "kid": kid},
        {"alg": 256, "kid": kid},
        {"alg": None, "kid": kid},
        {"alg": "RS256", "kid": [kid]},
        {"alg": "RS256", "kid": {"id": kid}},
        {"alg": "RS256", "kid": kid, "crit": "exp"},
        {"alg": "RS256", "kid": kid, "crit": [{"b64": False}]},
        {"alg": "RS256", "kid": kid, "b64": False, "crit": ["b64"]},
        ["RS256", kid],
        b"[" * 3000 + b"]" * 3000,
        b'{"alg": "RS256", "kid": 1' + b"0" * 5000 + b"}",
    ]


def _odd_claims(claims: dict[str, Any]) -> list[Any]:
    """``claims`` with one field of another JSON type each, or not an object at all."""
    return [
        claims | {"exp": 1e400},
        claims | {"exp": "tomorrow"},
        claims | {"exp": [claims["exp"]]},
        claims | {"iat": {"at": 1}},
        claims | {"nbf": 1e400},
        claims | {"iss": [ISSUER]},
        claims | {"client_id": [CLIENT]},
        claims | {"client_id": {"id": CLIENT}},
        claims | {"aud": [{"id": "support-api"}, ["x"]]},
        claims | {"aud": {"id": "support-api"}},
        claims | {"scope": {"api/invoke": True}},
        claims | {"scope": ["api/invoke"]},
        claims | {"groups": [{"name": "support"}]},
        claims | {"groups": {"support": True}},
        claims | {"groups": json.loads("[" * 900 + "]" * 900)},
        b"[" * 2800 + b"]" * 2800,
        b'{"exp": 1' + b"0" * 5000 + b"}",
        ["not", "an", "object"],
    ]


def test_no_token_shape_makes_the_authorizer_fail_other_than_by_refusing(
    keys: SigningKeyStore, issuer: FakeIssuer
) -> None:
    """A caller's header and claims are any JSON at all: each odd shape is refused, none
    raises anything else (which a door would answer with a 500 and a traceback)."""
    claim_rule: CustomClaim = {
        "inboundTokenClaimName": "groups",
        "inboundTokenClaimValueType": "STRING_ARRAY",
        "authorizingClaimMatchValue": {
            "claimMatchOperator": "CONTAINS_ANY",
            "claimMatchValue": {"matchValueStringList": ["support"]},
        },
    }
    every_check = _authorizer(
        issuer,
        allowedAudience=["support-api"],
        allowedScopes=["api/invoke"],
        customClaims=[claim_rule],
    )
    claims = jwt.decode(_token(keys), options={"verify_signature": False})
    claims |= {"aud": "support-api", "groups": ["support"]}
    header = {"alg": "RS256", "kid": keys.active.kid}
    # The scheme is case-insensitive (RFC 9110, section 11.1), as AgentCore takes it.
    assert every_check.authorize("bearer " + _raw_token(header, claims, keys))
    tokens = [_raw_token(odd, claims, keys) for odd in _odd_headers(keys.active.kid)]
    tokens += [_raw_token(header, odd, keys) for odd in _odd_claims(claims)]
    for token in tokens:
        with pytest.raises(Unauthorized):
            every_check.authorize("Bearer " + token[:8000])
