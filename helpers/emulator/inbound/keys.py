"""The signing keys behind a discovery URL: fetched from the issuer, cached, refreshed.

What AgentCore's authorizer does before it can check a signature: read the discovery
document for ``issuer`` and ``jwks_uri``, fetch the JWKS, keep it (one cache per
discovery URL, shared by every authorizer that trusts it, so keys outlive a redeploy),
refetch it on an unknown ``kid`` at most once per interval however many unknown kids
arrive (a spray of made-up kids cannot turn the authorizer into a load generator against
the issuer), and keep the cached keys working while the issuer is down.
:mod:`helpers.emulator.inbound.authorizer` checks tokens against them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

log = logging.getLogger("agentcore_local.authorizer")

DEFAULT_REFETCH_INTERVAL_SECONDS = 10.0
# After a failed fetch: the issuer may be back any moment.
DEFAULT_RETRY_INTERVAL_SECONDS = 1.0
# Keys are re-read this often even without an unknown kid, so a retired key stops working.
DEFAULT_KEY_CACHE_TTL_SECONDS = 300.0


def _fetch_json(url: str) -> dict[str, Any]:
    """A discovery document or JWKS. A client per fetch, closed after it: a fetch is rare
    (once per interval at most), and the stack's CA (``SSL_CERT_FILE``) is read anew."""
    response = httpx.get(url, timeout=5, follow_redirects=True)
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


@dataclass(frozen=True)
class _KeySet:
    """What one fetch found: the issuer, its keys by ``kid``, and when it was fetched."""

    issuer: str | None
    keys: dict[str, jwt.PyJWK]
    fetched_at: float


_NO_KEYS = _KeySet(None, {}, float("-inf"))


class JwksCache:
    """The issuer and signing keys behind one discovery URL, fetched and kept. Thread-safe.

    Every authorizer that trusts the same discovery URL shares one cache (see
    :class:`KeyCaches`), so a redeploy, which makes new authorizers, keeps the keys
    while the issuer is down. A fetch runs in a thread of its own, one at a time; the
    tokens that need its keys wait for it. After a fetch that worked, the next one may
    start ``refetch_interval`` later; after one that failed, ``retry_interval`` later,
    so keys come back soon after the issuer does, and a spray of unknown kids still
    makes at most one fetch per interval.
    """

    def __init__(
        self,
        discovery_url: str,
        *,
        fetch_json: Callable[[str], dict[str, Any]] = _fetch_json,
        clock: Callable[[], float] = time.time,
        refetch_interval: float = DEFAULT_REFETCH_INTERVAL_SECONDS,
        retry_interval: float = DEFAULT_RETRY_INTERVAL_SECONDS,
        key_cache_ttl: float = DEFAULT_KEY_CACHE_TTL_SECONDS,
    ) -> None:
        self.discovery_url = discovery_url
        self._fetch_json = fetch_json
        self._clock = clock
        self._refetch_interval = refetch_interval
        self._retry_interval = retry_interval
        self._key_cache_ttl = key_cache_ttl
        # Replaced whole by a fetch that worked, so readers take it without the lock.
        self._current = _NO_KEYS
        # Guards the fields below. Never held during a fetch: an event loop verifying
        # tokens must not wait on the issuer, which may be served by that very loop.
        self._lock = threading.Lock()
        self._last_attempt = float("-inf")
        self._last_failed = False
        self._fetch: Future[None] | None = None  # the fetch in progress, if any

    def lookup(self, kid: str) -> tuple[jwt.PyJWK | None, str | None, bool]:
        """The key under ``kid`` (or None), the issuer, and whether any key is known."""
        current = self._current
        return current.keys.get(kid), current.issuer, bool(current.keys)

    def fresh_key(self, kid: str) -> jwt.PyJWK | None:
        """The key under ``kid`` if it was fetched within the TTL (no fetch needed), else None."""
        current = self._current
        if self._clock() - current.fetched_at < self._key_cache_ttl:
            return current.keys.get(kid)
        return None

    def fetch_to_wait_for(self, kid: str) -> Future[None] | None:
        """The key fetch a token signed by ``kid`` must wait for; None when the cache decides.

        A ``kid`` fetched within the TTL needs no fetch. Otherwise the token waits for the
        fetch in progress, or for a new one when the interval since the last attempt has
        passed. In between, an unknown ``kid`` is decided (refused) from the cache.
        """
        with self._lock:
            now = self._clock()
            current = self._current
            if kid in current.keys and now - current.fetched_at < self._key_cache_ttl:
                return None
            interval = self._retry_interval if self._last_failed else self._refetch_interval
            if self._fetch is None and now - self._last_attempt >= interval:
                self._fetch = Future()
                threading.Thread(
                    target=self._refresh, args=(self._fetch,), name="jwks-fetch", daemon=True
                ).start()
            return self._fetch

    def _refresh(self, done: Future[None]) -> None:
        """Re-read discovery and JWKS, then settle ``done``; on failure keep the keys we had."""
        fetched: tuple[str, dict[str, jwt.PyJWK]] | None = None
        try:
            discovery = self._fetch_json(self.discovery_url)
            jwks = self._fetch_json(discovery["jwks_uri"])
            keys = {
                entry["kid"]: jwt.PyJWK(entry)
                for entry in jwks.get("keys", [])
                if entry.get("kty") == "RSA" and "kid" in entry
            }
            fetched = discovery["issuer"], keys
        except (httpx.HTTPError, httpx.InvalidURL, ValueError, KeyError, jwt.PyJWTError) as error:
            log.warning("could not refresh keys from %s: %s", self.discovery_url, error)
        finally:
            with self._lock:
                self._last_attempt = self._clock()
                self._last_failed = fetched is None
                if fetched is not None:
                    self._current = _KeySet(*fetched, fetched_at=self._last_attempt)
                self._fetch = None
            done.set_result(None)


class KeyCaches:
    """One :class:`JwksCache` per discovery URL, for every authorizer of a stack."""

    def __init__(self, **cache_options: Any) -> None:
        self._options = cache_options
        self._lock = threading.Lock()
        self._caches: dict[str, JwksCache] = {}

    def for_url(self, discovery_url: str) -> JwksCache:
        with self._lock:
            cache = self._caches.get(discovery_url)
            if cache is None:
                cache = self._caches[discovery_url] = JwksCache(discovery_url, **self._options)
            return cache
