"""The stack's own secrets: what a client must present to use it, readable by its owner only.

Loopback is not a trust boundary: another user of the machine, or any web page the
owner visits, can reach the stack's ports. So each door asks for a credential made
for this stack and kept in a file only its owner can read:

- ``control_token``: the bearer token of the control API (deploy, faults, keys, clock);
- ``aws_access_key_id`` / ``aws_secret_access_key``: the IAM user the local AWS API
  checks every SigV4 signature against (moto's own IAM authentication);
- ``otlp_token``: what the span collector wants in ``Authorization``;
- ``moto_seed``: seeds moto's random numbers while the stack creates its prerequisites,
  so the IAM key and the app clients' secrets come out the same at every start.

The file is made the first time a stack starts, then kept.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from helpers.basics.errors import ActionableError
from helpers.basics.i18n import _


@dataclass(frozen=True)
class StackCredentials:
    control_token: str
    otlp_token: str
    moto_seed: int
    aws_access_key_id: str = ""
    aws_secret_access_key: str = ""

    @classmethod
    def new(cls) -> StackCredentials:
        return cls(
            control_token=secrets.token_urlsafe(32),
            otlp_token=secrets.token_urlsafe(32),
            moto_seed=secrets.randbits(64),
        )

    @classmethod
    def read(cls, path: Path) -> StackCredentials:
        try:
            return cls(**json.loads(path.read_text()))
        except FileNotFoundError:
            raise ActionableError(
                _(
                    "No stack credentials in {path}: start the stack with `agentcore-local up`.",
                    path=path,
                )
            ) from None
        except PermissionError:
            raise ActionableError(
                _("{path} belongs to another user: only the stack's owner may use it.", path=path)
            ) from None

    def write(self, path: Path) -> None:
        """Replace the file atomically, created readable and writable by its owner only."""
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = path.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(asdict(self), handle)
        os.replace(temporary, path)
