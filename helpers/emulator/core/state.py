"""Where a stack keeps its files, and what a running stack tells its clients.

:class:`StackLayout` owns every path under a stack's home folder; nothing else
builds one. :class:`StackState` is the status file the daemon writes once every part
is listening: its pid, ports, region and account, the CA bundle clients trust, the
outputs of the prerequisites it created (pool and client ids, Lambda ARNs), and which
model answers its Bedrock's ``Converse``. Neither holds a secret.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.emulator.core.credentials import StackCredentials
from helpers.emulator.core.model_choice import ModelChoice

LOOPBACK = "127.0.0.1"
PARTS = ("aws_api", "issuer", "runtime", "gateway", "control", "collector")
# The parts that carry tokens speak HTTPS, with a certificate from the stack's own CA.
HTTPS_PARTS = frozenset({"issuer", "runtime", "gateway"})


@dataclass(frozen=True)
class StackLayout:
    """The files of one stack under ``home``, its working-state folder."""

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
    def credentials_file(self) -> Path:
        """The stack's secrets (see :mod:`helpers.emulator.core.credentials`), owner-only."""
        return self.state_dir / "credentials.json"

    @property
    def prerequisites_file(self) -> Path:
        """The prerequisites the stack creates at each start (a resolved copy of the spec)."""
        return self.state_dir / "prerequisites.json"

    @property
    def model_file(self) -> Path:
        """Which model answers Converse, as ``up`` was last told (see :mod:`.bedrock.choice`)."""
        return self.state_dir / "model.json"

    @property
    def deployed_file(self) -> Path:
        return self.state_dir / "deployed.json"

    @property
    def cli_config_dir(self) -> Path:
        """The real ``agentcore`` CLI's config folder in a shell pointed at this stack."""
        return self.state_dir / "agentcore-cli"

    @property
    def log_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "stack.log"

    def runtime_log(self, runtime: str) -> Path:
        return self.log_dir / f"runtime-{runtime}.log"

    @property
    def sockets_record(self) -> Path:
        """Names the running daemon's folder of agent sockets (in the temporary folder)."""
        return self.state_dir / "agent-sockets"

    def runtime_code_dir(self, runtime: str, version: str) -> Path:
        """Where a deploy keeps a copy of a runtime's code location, as AWS keeps the CodeZip."""
        return self.state_dir / "runtimes" / runtime / version

    @property
    def memory_file(self) -> Path:
        """AgentCore Memory's resources, events and records (the conversations' text)."""
        return self.home / "memory" / "memory.sqlite"

    @property
    def traces_file(self) -> Path:
        return self.home / "traces" / "spans.sqlite"


@dataclass(frozen=True)
class StackState:
    """A running stack as its status file describes it."""

    pid: int
    ports: Mapping[str, int]
    region: str
    account_id: str
    ca_bundle: Path
    outputs: Mapping[str, str] = field(default_factory=dict)
    model: ModelChoice = field(default_factory=ModelChoice)

    def url(self, part: str) -> str:
        scheme = "https" if part in HTTPS_PARTS else "http"
        return f"{scheme}://{LOOPBACK}:{self.ports[part]}"

    @property
    def aws_endpoint_url(self) -> str:
        return self.url("aws_api")

    @property
    def issuer_url(self) -> str:
        return self.url("issuer")

    @property
    def token_url(self) -> str:
        return f"{self.issuer_url}/oauth2/token"

    @property
    def control_url(self) -> str:
        return self.url("control")

    def discovery_url(self, pool_id: str) -> str:
        return f"{self.issuer_url}/{pool_id}/.well-known/openid-configuration"

    def client_environment(self, credentials: StackCredentials) -> dict[str, str]:
        """Variables that send boto3, the AWS CLI, curl, requests, httpx and urllib to the stack.

        The AWS credentials are the stack's own IAM key (every call is signed with it);
        the CA bundle holds the public roots plus the stack's own CA, so HTTPS to real
        hosts keeps working too. curl reads ``CURL_CA_BUNDLE`` before ``SSL_CERT_DIR``
        and ``SSL_CERT_FILE``, so setting it wins over whatever the machine presets.
        """
        return {
            "AWS_ENDPOINT_URL": self.aws_endpoint_url,
            # Bedrock Runtime's own variable, as a learner would set it for a local model.
            "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": self.aws_endpoint_url,
            "AWS_ACCESS_KEY_ID": credentials.aws_access_key_id,
            "AWS_SECRET_ACCESS_KEY": credentials.aws_secret_access_key,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "REQUESTS_CA_BUNDLE": str(self.ca_bundle),
            "SSL_CERT_FILE": str(self.ca_bundle),
            "CURL_CA_BUNDLE": str(self.ca_bundle),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "pid": self.pid,
            "ports": dict(self.ports),
            "region": self.region,
            "account_id": self.account_id,
            "ca_bundle": str(self.ca_bundle),
            "outputs": dict(self.outputs),
            "model": self.model.to_json(),
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> StackState:
        return cls(
            pid=int(document["pid"]),
            ports={part: int(port) for part, port in document["ports"].items()},
            region=str(document["region"]),
            account_id=str(document["account_id"]),
            ca_bundle=Path(document["ca_bundle"]),
            outputs=dict(document.get("outputs", {})),
            model=ModelChoice.from_json(document.get("model")),
        )

    def write(self, layout: StackLayout) -> None:
        """Replace the status file atomically: a reader never sees half of it."""
        temporary = layout.status_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.to_json(), indent=2))
        os.replace(temporary, layout.status_file)

    @classmethod
    def read(cls, layout: StackLayout) -> StackState | None:
        """The status file's state, or None when there is none (or it is unreadable)."""
        try:
            return cls.from_json(json.loads(layout.status_file.read_text()))
        except (OSError, ValueError, KeyError, TypeError):
            return None
