"""The issuer's RSA signing keys, made per stack and kept in its state folder.

moto ships one fixed Cognito key whose private half is public, so a token signed
with it proves nothing. The local issuer therefore makes its own RSA-2048 key the
first time a stack starts. Several keys can be published at once (the JWKS holds
all of them) while only the newest signs, which is how key rotation works.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

KEY_SIZE_BITS = 2048


@dataclass(frozen=True)
class SigningKey:
    """One RSA key pair and the ``kid`` it is published under."""

    kid: str
    private_key: rsa.RSAPrivateKey

    def public_jwk(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {
            "alg": "RS256",
            "e": jwk["e"],
            "kid": self.kid,
            "kty": "RSA",
            "n": jwk["n"],
            "use": "sig",
        }

    def private_pem(self) -> str:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()


def new_signing_key() -> SigningKey:
    """A fresh key with a random ``kid`` (Cognito's kids are opaque strings too)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE_BITS)
    return SigningKey(kid=secrets.token_urlsafe(24), private_key=key)


def _rsa_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"a stored signing key is {type(key).__name__}, not RSA")
    return key


class SigningKeyStore:
    """The keys of one stack, persisted (mode 0600) so a restart keeps tokens valid.

    The last key in the list signs; every key in the list is published in the JWKS.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._keys = self._load() if path.exists() else []
        if not self._keys:
            self._keys = [new_signing_key()]
            self._save()

    @property
    def active(self) -> SigningKey:
        with self._lock:
            return self._keys[-1]

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            return {"keys": [key.public_jwk() for key in self._keys]}

    def rotate(self) -> SigningKey:
        """Add a new signing key; older keys stay published until retired."""
        with self._lock:
            self._keys.append(new_signing_key())
            self._save()
            return self._keys[-1]

    def retire(self, kid: str) -> None:
        """Stop publishing ``kid``: tokens it signed no longer verify anywhere."""
        with self._lock:
            remaining = [key for key in self._keys if key.kid != kid]
            if len(remaining) == len(self._keys):
                raise KeyError(f"no signing key with kid {kid!r}")
            if not remaining:
                raise ValueError("cannot retire the only signing key; rotate first")
            self._keys = remaining
            self._save()

    def _load(self) -> list[SigningKey]:
        return [
            SigningKey(kid=entry["kid"], private_key=_rsa_key(entry["pem"]))
            for entry in json.loads(self._path.read_text())
        ]

    def _save(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps([{"kid": k.kid, "pem": k.private_pem()} for k in self._keys])
        temporary = self._path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(payload)
        os.replace(temporary, self._path)
