"""The stack's lifecycle: idempotent up, status, prerequisites, clean down."""

from __future__ import annotations

import json
import re
import shlex
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import httpx
import pytest
import requests

from helpers.basics.i18n import use_language
from helpers.emulator import stack
from helpers.emulator.cli import main as cli_main
from helpers.emulator.core import ports
from helpers.emulator.core.state import PARTS, StackState
from helpers.emulator.prerequisites.format import Prerequisites, PrerequisitesError
from helpers.kit.paths import PREREQUISITES_FILE
from helpers.kit.settings import WorkshopSettings
from tests.leaks import client_secrets
from tests.support import POOL, REPO_ROOT

pytestmark = pytest.mark.stack


def test_up_is_idempotent(local_stack: StackState, workshop_home: Path) -> None:
    messages: list[str] = []
    again = stack.up(workshop_home, progress=messages.append)
    assert again.state is not None and again.state.pid == local_stack.pid
    assert messages == [f"local stack already running (pid {local_stack.pid})"]


def test_status_json_lists_endpoints_and_health(
    local_stack: StackState, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for key in ("aws_endpoint_url", "region", "token_url", "ca_bundle"):
        assert report[key], key
    assert report["outputs"][f"{POOL}.DiscoveryUrl"].startswith("https://127.0.0.1:")
    assert {name: part["healthy"] for name, part in report["parts"].items()} == dict.fromkeys(
        PARTS, True
    )
    assert "runtimes" in report and "gateways" in report


def test_ssm_holds_the_workshop_parameters(
    local_stack: StackState, settings: WorkshopSettings
) -> None:
    assert settings.cognito_discovery_url == local_stack.outputs[f"{POOL}.DiscoveryUrl"]
    assert settings.cognito_discovery_url == local_stack.discovery_url(settings.pool_id)
    assert settings.cognito_token_url == local_stack.token_url
    assert settings.warranty_check_lambda_arn.startswith("arn:aws:lambda:us-east-1:")


def test_discovery_document_is_served_over_trusted_https(settings: WorkshopSettings) -> None:
    document = requests.get(settings.cognito_discovery_url, timeout=5).json()
    assert document["issuer"] == settings.cognito_discovery_url.removesuffix(
        "/.well-known/openid-configuration"
    )
    assert document["token_endpoint"] == settings.cognito_token_url
    assert requests.get(document["jwks_uri"], timeout=5).json()["keys"][0]["alg"] == "RS256"


def test_every_part_binds_loopback_only(local_stack: StackState) -> None:
    for part in PARTS:
        with socket.socket() as probe:
            # Reachable on loopback, and the URL we hand out names loopback.
            probe.connect(("127.0.0.1", local_stack.ports[part]))
        assert "127.0.0.1" in local_stack.url(part)


def test_down_stops_everything_and_up_restores_the_same_ids(tmp_path: Path) -> None:
    first = stack.up(tmp_path, prerequisites=PREREQUISITES_FILE).state
    assert first is not None
    secrets_before, credentials_before = client_secrets(tmp_path), stack.credentials(tmp_path)
    try:
        assert stack.down(tmp_path) is True
        for port in first.ports.values():
            with socket.socket() as probe:
                assert probe.connect_ex(("127.0.0.1", port)) != 0, port
        assert stack.status(tmp_path).running is False
        assert stack.down(tmp_path) is False
        second = stack.up(tmp_path).state  # the prerequisites it was given are kept
        assert second is not None
        assert second.outputs == first.outputs
        # The same secrets too: a client secret or an AWS key a learner copied still works.
        secrets_after = client_secrets(tmp_path)
        assert secrets_after == secrets_before and secrets_after
        assert stack.credentials(tmp_path) == credentials_before
    finally:
        stack.down(tmp_path)


def test_httpx_and_urllib_trust_the_stack_ca(local_stack: StackState) -> None:
    health = f"{local_stack.issuer_url}/health"
    assert httpx.get(health).status_code == 200
    with urllib.request.urlopen(health) as response:
        assert response.status == 200


def test_env_command_prints_shell_exports(
    local_stack: StackState, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NODE_OPTIONS", "--max-old-space-size=2048")
    assert cli_main(["env"]) == 0
    exports = capsys.readouterr().out.splitlines()
    assert f"export AWS_ENDPOINT_URL={local_stack.aws_endpoint_url}" in exports
    assert f"export REQUESTS_CA_BUNDLE={local_stack.ca_bundle}" in exports
    # Node and the real CLI: the stack's CA, the Runtime's preload beside the shell's own
    # options (given once, however often the line is run).
    assert f"export NODE_EXTRA_CA_CERTS={local_stack.ca_bundle}" in exports
    [node_options] = [line for line in exports if line.startswith("export NODE_OPTIONS=")]
    assert node_options.startswith("export NODE_OPTIONS='--max-old-space-size=2048 --require ")
    monkeypatch.setenv("NODE_OPTIONS", shlex.split(node_options.partition("=")[2])[0])
    assert cli_main(["env"]) == 0
    assert node_options in capsys.readouterr().out.splitlines()


def test_the_workshop_prerequisites_set_every_parameter_the_kit_reads() -> None:
    prerequisites = Prerequisites.load(PREREQUISITES_FILE)
    assert sorted(prerequisites.ssm_parameters) == sorted(WorkshopSettings.parameter_names())
    assert all(function.code.is_dir() for function in prerequisites.lambda_functions)


@pytest.mark.parametrize(
    ("document", "names"),
    [
        ({"user_pools": {}}, "user_pools must be a JSON array"),
        ({"user_pools": [{"name": ""}]}, "user_pools[0].name must be a non-empty string"),
        (
            {"user_pools": [{"name": "P", "app_clients": [{"name": "C", "oauth_flows": "x"}]}]},
            "user_pools[0].app_clients[0].oauth_flows must be a JSON array",
        ),
        ({"lambda_functions": [{"name": "f"}]}, "lambda_functions[0].code"),
        (
            {"user_pools": [{"name": "P", "groups": [{"name": "g", "members": ["nobody"]}]}]},
            "user_pools[0].groups[0].members[0] must be a user of the pool",
        ),
        (
            {"user_pools": [{"name": "P", "groups": [{"name": "g", "precedence": -1}]}]},
            "user_pools[0].groups[0].precedence must be a whole number, 0 or more",
        ),
        ({"ssm_parameters": {"/a": 3}}, "/a must be a non-empty string"),
    ],
)
def test_a_broken_prerequisites_file_names_the_field(
    tmp_path: Path, document: dict[str, object], names: str
) -> None:
    spec = tmp_path / "prerequisites.json"
    spec.write_text(json.dumps(document))
    with pytest.raises(PrerequisitesError, match=rf"{re.escape(str(spec))}: {re.escape(names)}"):
        stack.up(tmp_path / "home", prerequisites=spec)
    assert stack.read_state(tmp_path / "home") is None


def test_a_broken_prerequisites_file_is_explained_in_the_learners_language(
    tmp_path: Path,
) -> None:
    spec = tmp_path / "prerequisites.json"
    spec.write_text(json.dumps({"ssm_parameters": {"/a": 3}}))
    with use_language("zh-CN"), pytest.raises(PrerequisitesError) as broken:
        Prerequisites.load(spec)
    assert str(broken.value) == f"{spec}：/a 必须是一个非空字符串。"


def test_moto_loads_ec2_only_when_something_uses_it() -> None:
    """The stack defers moto.ec2 (over a second of every start), and nothing breaks."""
    probe = """
import sys
from helpers.emulator.aws.moto_internals import defer_ec2_import
defer_ec2_import()
import moto.ssm.models
assert "moto.ec2.models" not in sys.modules
from moto.ec2 import ec2_backends
assert type(ec2_backends["123456789012"]["us-east-1"]).__name__ == "EC2Backend"
assert "moto.ec2.models" in sys.modules
"""
    subprocess.run([sys.executable, "-c", probe], check=True, cwd=REPO_ROOT)


def test_each_user_has_a_port_block_of_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attendees of one host start their stacks at once: no two users' blocks overlap,
    every block stays below the OS's ephemeral ports, and a taken block falls back to
    ports the OS chose, kept for the next start."""
    blocks = [
        range(ports.default_port_base(uid), ports.default_port_base(uid) + 6)
        for uid in (0, *range(1000, 1400))
    ]
    assert ports.default_port_base(0) == ports.DEFAULT_PORT_BASE
    taken = [port for block in blocks for port in block]
    assert len(taken) == len(set(taken)) and max(taken) < 32768
    monkeypatch.delenv("AGENTCORE_LOCAL_PORT_BASE", raising=False)
    own = ports.default_port_base()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", own + 2))  # another program holds one port of the block
        chosen = ports.stack_ports(tmp_path / "ports.json")
    assert own + 2 not in chosen.values() and len(set(chosen.values())) == 6
    assert ports.stack_ports(tmp_path / "ports.json") == chosen
