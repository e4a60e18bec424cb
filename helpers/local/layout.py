"""File names inside a stack's state folder, shared by the daemon and its controller."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StackLayout:
    """Where one stack keeps its state; ``home`` is the workshop's working-state folder."""

    home: Path

    @property
    def state_dir(self) -> Path:
        return self.home / "stack"

    @property
    def tls_dir(self) -> Path:
        # Per install rather than per stack: trusting a CA once is enough.
        return self.home / "tls"

    @property
    def ports_file(self) -> Path:
        return self.state_dir / "ports.json"

    @property
    def signing_keys_file(self) -> Path:
        return self.state_dir / "signing-keys.json"

    @property
    def status_file(self) -> Path:
        return self.state_dir / "stack.json"

    @property
    def log_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "stack.log"
