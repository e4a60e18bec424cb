"""The CUSTOM_JWT authorizer that the local Runtime and Gateway put in front of everything.

It does what AgentCore's inbound JWT authorizer does, with PyJWT doing the parsing
and the signature check:

- issuer and ``jwks_uri`` come from the discovery document;
- the JWKS comes from :mod:`helpers.emulator.inbound.keys` (cached per discovery URL,
  refetched on an unknown ``kid`` at most once per interval, kept while the issuer is down);
- a request must carry one ``Authorization`` header with one bearer value;
- a fetch runs in a thread of its own, one at a time; requests that need its keys
  wait for it (a coroutine awaits it, so an event loop never blocks on the issuer,
  which on the local stack is served by that same loop);
- RS256 only, the exact ``iss``, ``exp``/``nbf``/``iat`` with a small leeway;
- ``allowedClients`` against ``client_id``, ``allowedAudience`` against ``aud``
  (AgentCore's *Configure inbound JWT authorizer*), ``allowedScopes`` (one matching
  scope is enough), ``customClaims``. A Cognito ID token names its client in ``aud``
  and has no ``client_id``, so ``allowedClients`` refuses it, while an
  ``allowedAudience`` of the client id would let it in (and refuse every access token,
  which has no ``aud``).

A refusal raises :class:`Unauthorized` whose reason is safe to log: it never quotes
any part of what was sent as a credential.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import jwt
from starlette.datastructures import Headers

from helpers.emulator.inbound.keys import JwksCache
from helpers.model.project_types import CustomClaim, CustomJwtAuthorizer
from helpers.wire import refusal_reasons as why
from helpers.wire.refusal_reasons import NO_CREDENTIALS, reason

log = logging.getLogger("agentcore_local.authorizer")

# Clock skew tolerated on exp, nbf and iat; the expiry demo waits this long past exp.
DEFAULT_LEEWAY_SECONDS = 5
MAX_TOKEN_CHARS = 8192
# Tokens remembered as verified, per authorizer.
VERIFIED_CACHE_ENTRIES = 4096
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
# JWS algorithm names (RFC 7518): a refusal may name one of these, and nothing else.
_KNOWN_ALGORITHMS = frozenset(
    {
        "none",
        "HS256",
        "HS384",
        "HS512",
        "RS256",
        "RS384",
        "RS512",
        "ES256",
        "ES384",
        "ES512",
        "PS256",
        "PS384",
        "PS512",
        "EdDSA",
    }
)


class Unauthorized(Exception):
    """The request carries no acceptable token. ``reason`` names why, never the token."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MethodMismatch(Unauthorized):
    """A SigV4-signed request reached a JWT-protected resource (AWS answers 403)."""


@dataclass(frozen=True)
class ClaimRule:
    """One ``customClaims`` entry: a claim, its type, and how it must match."""

    claim: str
    value_type: str  # STRING | STRING_ARRAY
    operator: str  # EQUALS | CONTAINS | CONTAINS_ANY
    expected: tuple[str, ...]

    @classmethod
    def from_agentcore(cls, entry: CustomClaim) -> ClaimRule:
        match = entry["authorizingClaimMatchValue"]
        value = match["claimMatchValue"]
        expected: Sequence[str | None] = value.get("matchValueStringList") or [
            value.get("matchValueString")
        ]
        return cls(
            claim=entry["inboundTokenClaimName"],
            value_type=entry.get("inboundTokenClaimValueType", "STRING"),
            operator=match["claimMatchOperator"],
            expected=tuple(str(item) for item in expected if item is not None),
        )

    def matches(self, claims: dict[str, Any]) -> bool:
        """AgentCore's rule: a ``STRING`` claim EQUALS the value; a ``STRING_ARRAY`` claim
        CONTAINS the value, or CONTAINS_ANY of the values. A claim of another JSON type
        than the rule's (a list for a STRING, a string for a STRING_ARRAY) matches nothing;
        so does a pairing the deploy would have refused (``helpers.model.validation``)."""
        actual = claims.get(self.claim)
        if self.value_type == "STRING":
            return (
                isinstance(actual, str)
                and self.operator == "EQUALS"
                and ([actual] == list(self.expected))
            )
        if not isinstance(actual, list) or not all(isinstance(item, str) for item in actual):
            return False
        if self.operator == "CONTAINS":
            return len(self.expected) == 1 and self.expected[0] in actual
        if self.operator == "CONTAINS_ANY":
            return any(item in actual for item in self.expected)
        return False


@dataclass(frozen=True)
class JwtAuthorizerConfig:
    """``authorizerConfiguration.customJwtAuthorizer`` from ``agentcore.json``."""

    discovery_url: str
    allowed_audience: tuple[str, ...] = ()
    allowed_clients: tuple[str, ...] = ()
    allowed_scopes: tuple[str, ...] = ()
    custom_claims: tuple[ClaimRule, ...] = field(default_factory=tuple)

    @classmethod
    def from_agentcore(cls, custom_jwt_authorizer: CustomJwtAuthorizer) -> JwtAuthorizerConfig:
        return cls(
            discovery_url=custom_jwt_authorizer["discoveryUrl"],
            allowed_audience=tuple(custom_jwt_authorizer.get("allowedAudience", [])),
            allowed_clients=tuple(custom_jwt_authorizer.get("allowedClients", [])),
            allowed_scopes=tuple(custom_jwt_authorizer.get("allowedScopes", [])),
            custom_claims=tuple(
                ClaimRule.from_agentcore(entry)
                for entry in custom_jwt_authorizer.get("customClaims", [])
            ),
        )


class JwtAuthorizer:
    """Check bearer tokens against one ``customJwtAuthorizer`` configuration. Thread-safe.

    ``authorize`` blocks while keys are being fetched; ``authorize_async`` awaits instead.
    Keys come from ``keys`` (shared with other authorizers of the same issuer), or from a
    cache of its own made with ``cache_options`` (see :class:`JwksCache`).
    """

    def __init__(
        self,
        config: JwtAuthorizerConfig,
        *,
        keys: JwksCache | None = None,
        leeway: int = DEFAULT_LEEWAY_SECONDS,
        wall_clock: Callable[[], float] = time.time,
        verified_cache_entries: int = VERIFIED_CACHE_ENTRIES,
        **cache_options: Any,
    ) -> None:
        self.config = config
        self.keys = keys or JwksCache(config.discovery_url, **cache_options)
        self._leeway = leeway
        self._wall_clock = wall_clock
        self._verified = _VerifiedTokens(verified_cache_entries)

    def authorize(self, authorization: str | None) -> dict[str, Any]:
        """Verified claims of the bearer token in ``authorization``; else :class:`Unauthorized`."""
        token = _bearer_token(authorization)
        remembered = self._remembered(token)
        if remembered is not None:
            return remembered
        kid = self._kid(token)
        fetch = self.keys.fetch_to_wait_for(kid)
        if fetch is not None:
            fetch.result()
        return self._claims(token, kid)

    async def authorize_async(self, authorization: str | None) -> dict[str, Any]:
        """:meth:`authorize` for an event loop: it awaits a key fetch instead of blocking.

        The RS256 check itself runs on the loop: a thread hop on every request would cost
        more than the check.
        """
        token = _bearer_token(authorization)
        remembered = self._remembered(token)
        if remembered is not None:
            return remembered
        kid = self._kid(token)
        fetch = self.keys.fetch_to_wait_for(kid)
        if fetch is not None:
            await asyncio.wrap_future(fetch)
        return self._claims(token, kid)

    def _remembered(self, token: str) -> dict[str, Any] | None:
        """The claims of ``token`` if it was verified before and its key is still current.

        The very same token string passed every check of its header and payload then;
        what can have changed since is the key (retired, or due for a refetch: then the
        token goes the whole way) and the time (an expired token is refused here).
        """
        entry = self._verified.get(token)
        if entry is None or self.keys.fresh_key(entry.kid) is not entry.key:
            return None
        self._refuse_if_expired(entry.expires_at)
        return dict(entry.claims)

    def _kid(self, token: str) -> str:
        """The token's ``kid``, after the checks of its header that need no key."""
        header = _unverified_header(token)
        algorithm = header.get("alg")
        if algorithm != "RS256":
            # Name the algorithm only when it is one: the header is the caller's text.
            if isinstance(algorithm, str) and algorithm in _KNOWN_ALGORITHMS:
                raise Unauthorized(reason(why.ALGORITHM, algorithm=repr(algorithm)))
            raise Unauthorized(why.UNKNOWN_ALGORITHM)
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthorized(why.NO_KID)
        return kid

    def _claims(self, token: str, kid: str) -> dict[str, Any]:
        """The token's claims, verified now with the keys the cache holds, then remembered.

        Refusals are never remembered.
        """
        key = self.keys.lookup(kid)[0]
        claims = self._verify(token, kid)
        self._refuse_if_expired(float(claims["exp"]))
        if key is not None:
            self._verified.put(token, _Verified(claims, kid, key, float(claims["exp"])))
        return claims

    def _refuse_if_expired(self, expires_at: float) -> None:
        # PyJWT checks exp too, on its own clock; this one is the authorizer's.
        if self._wall_clock() >= expires_at + self._leeway:
            raise Unauthorized(why.EXPIRED)

    def _verify(self, token: str, kid: str) -> dict[str, Any]:
        """Check ``token`` with the keys cached now; this never fetches."""
        key, issuer, any_keys = self.keys.lookup(kid)
        if key is None:
            if not any_keys:
                raise Unauthorized(why.KEYS_UNAVAILABLE)
            raise Unauthorized(why.UNKNOWN_KID)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                issuer=issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "iss"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized(why.EXPIRED) from None
        except jwt.ImmatureSignatureError:
            raise Unauthorized(why.NOT_YET_VALID) from None
        except jwt.InvalidIssuerError:
            raise Unauthorized(why.WRONG_ISSUER) from None
        except jwt.InvalidSignatureError:
            raise Unauthorized(why.BAD_SIGNATURE) from None
        except jwt.PyJWTError as error:
            raise Unauthorized(reason(why.INVALID, error=type(error).__name__)) from None
        except (RecursionError, OverflowError, TypeError, ValueError) as error:
            # PyJWT's claim checks assume JSON of the registered types: a payload nested
            # past the parser's depth, an ``exp`` of 1e400 or of a list, end here.
            raise Unauthorized(reason(why.INVALID, error=type(error).__name__)) from None
        if not isinstance(claims, dict):
            raise Unauthorized(why.MALFORMED)
        self._check_claims(claims)
        return claims

    def _check_claims(self, claims: dict[str, Any]) -> None:
        config = self.config
        # Claims are the caller's JSON: a list or an object where a string belongs matches
        # nothing (compared with ==, never hashed).
        if config.allowed_clients:
            if "client_id" not in claims:
                raise Unauthorized(why.NO_CLIENT_ID)
            if claims["client_id"] not in config.allowed_clients:
                raise Unauthorized(why.CLIENT_NOT_ALLOWED)
        if config.allowed_audience:
            audience = claims.get("aud")
            audiences = audience if isinstance(audience, list) else [audience]
            if not any(allowed in audiences for allowed in config.allowed_audience):
                raise Unauthorized(why.AUDIENCE_NOT_ALLOWED)
        if config.allowed_scopes:
            scope = claims.get("scope")
            scopes = scope.split() if isinstance(scope, str) else []
            if not any(allowed in scopes for allowed in config.allowed_scopes):
                raise Unauthorized(why.SCOPE_NOT_ALLOWED)
        for rule in config.custom_claims:
            if not rule.matches(claims):
                raise Unauthorized(reason(why.CLAIM_MISMATCH, claim=repr(rule.claim)))


@dataclass(frozen=True)
class _Verified:
    """A token that passed every check, with the key that verified it and its expiry."""

    claims: dict[str, Any]
    kid: str
    key: jwt.PyJWK
    expires_at: float


class _VerifiedTokens:
    """A bounded map of verified tokens, oldest out first past its capacity. Thread-safe.

    Like Envoy's ``jwt_authn`` cache: a token seen again costs a dictionary look-up
    instead of an RSA verification. The look-up is all a hit costs: it takes no lock (a
    dict read is atomic in CPython; writes hold the lock) and moves nothing, so the
    oldest entry leaves first even if still in use, and is verified once more then.
    """

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._lock = threading.Lock()
        self._entries: dict[str, _Verified] = {}

    def get(self, token: str) -> _Verified | None:
        return self._entries.get(token)

    def put(self, token: str, entry: _Verified) -> None:
        with self._lock:
            self._entries.pop(token, None)
            self._entries[token] = entry
            while len(self._entries) > self._capacity:
                del self._entries[next(iter(self._entries))]


def _unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header of a compact JWS, decoding that segment alone.

    The alphabet check is one regular expression, not a loop per character, and the
    payload and signature are left for the verification, which decodes them anyway.
    """
    header, dot, rest = token.partition(".")
    if not dot or rest.count(".") != 1 or not _BASE64URL.fullmatch(header):
        raise Unauthorized(why.MALFORMED)
    try:
        decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except (ValueError, binascii.Error, RecursionError):
        raise Unauthorized(why.MALFORMED) from None
    if not isinstance(decoded, dict):
        raise Unauthorized(why.MALFORMED)
    return decoded


def authorization_of(headers: Headers) -> str | None:
    """The request's one ``Authorization`` value, or None; two headers are refused.

    A request with two lets a checker and a forwarder each pick another one: the
    agent would receive a value nobody verified.
    """
    values = headers.getlist("authorization")
    if len(values) > 1:
        raise Unauthorized(why.TWO_HEADERS)
    return values[0] if values else None


def _bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized(NO_CREDENTIALS)
    if authorization.startswith("AWS4-HMAC-SHA256"):
        raise MethodMismatch("SigV4 request to a CUSTOM_JWT resource")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        raise Unauthorized(why.NOT_BEARER)
    token = token.strip()
    if not token:
        raise Unauthorized(why.EMPTY_BEARER)
    if "," in token or " " in token:
        raise Unauthorized(why.TWO_VALUES)
    if len(token) > MAX_TOKEN_CHARS:
        raise Unauthorized(why.TOO_LARGE)
    return token
