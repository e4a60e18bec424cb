"""The stack's lifecycle: idempotent up, status, SSM seeding, clean down."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import boto3
import pytest
import requests

from helpers.cli import main as cli_main
from helpers.local import stack
from helpers.settings import load_settings

pytestmark = pytest.mark.stack


def test_up_is_idempotent(local_stack: stack.StackStatus, workshop_home: Path) -> None:
    messages: list[str] = []
    again = stack.up(workshop_home, progress=messages.append)
    assert again.pid == local_stack.pid
    assert messages == [f"local stack already running (pid {local_stack.pid})"]


def test_status_json_lists_endpoints_and_health(
    local_stack: stack.StackStatus, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for key in ("aws_endpoint_url", "region", "discovery_url", "token_url", "ca_bundle"):
        assert report[key], key
    assert report["discovery_url"].startswith("https://127.0.0.1:")
    assert report["discovery_url"].endswith("/.well-known/openid-configuration")
    assert {name: part["healthy"] for name, part in report["parts"].items()} == dict.fromkeys(
        ("aws_api", "issuer", "runtime", "gateway", "control", "collector"), True
    )
    assert "runtimes" in report and "gateways" in report


def test_ssm_holds_the_workshop_parameters(local_stack: stack.StackStatus) -> None:
    settings = load_settings(boto3.client("ssm"))
    assert settings.cognito_discovery_url == local_stack.discovery_url
    assert settings.cognito_token_url == local_stack.token_url
    assert settings.client_id == local_stack.state["client_id"]
    assert settings.warranty_check_lambda_arn.startswith("arn:aws:lambda:us-east-1:")


def test_discovery_document_is_served_over_trusted_https(local_stack: stack.StackStatus) -> None:
    document = requests.get(local_stack.discovery_url, timeout=5).json()
    assert document["issuer"] == local_stack.discovery_url.removesuffix(
        "/.well-known/openid-configuration"
    )
    assert document["token_endpoint"] == local_stack.token_url
    assert requests.get(document["jwks_uri"], timeout=5).json()["keys"][0]["alg"] == "RS256"


def test_every_part_binds_loopback_only(local_stack: stack.StackStatus) -> None:
    for part in local_stack.parts:
        with socket.socket() as probe:
            # Reachable on loopback, and the URL we hand out names loopback.
            probe.connect(("127.0.0.1", part.port))
        assert "127.0.0.1" in part.url


def test_down_stops_everything_and_up_restores_the_same_ids(tmp_path: Path) -> None:
    first = stack.up(tmp_path)
    try:
        ports = first.state["ports"]
        assert stack.down(tmp_path) is True
        for port in ports.values():
            with socket.socket() as probe:
                assert probe.connect_ex(("127.0.0.1", port)) != 0, port
        assert stack.status(tmp_path).running is False
        assert stack.down(tmp_path) is False
        second = stack.up(tmp_path)
        assert second.state["pool_id"] == first.state["pool_id"]
        assert second.state["client_id"] == first.state["client_id"]
        assert second.discovery_url == first.discovery_url
    finally:
        stack.down(tmp_path)


def test_httpx_and_urllib_trust_the_stack_ca(local_stack: stack.StackStatus) -> None:
    import urllib.request

    import httpx

    health = f"{local_stack.state['issuer_base_url']}/health"
    assert httpx.get(health).status_code == 200
    with urllib.request.urlopen(health) as response:
        assert response.status == 200


def test_env_command_prints_shell_exports(
    local_stack: stack.StackStatus, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["env"]) == 0
    exports = capsys.readouterr().out.splitlines()
    assert f"export AWS_ENDPOINT_URL={local_stack.aws_endpoint_url}" in exports
    assert f"export REQUESTS_CA_BUNDLE={local_stack.ca_bundle}" in exports
