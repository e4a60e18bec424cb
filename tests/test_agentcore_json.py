"""The agentcore.json model reproduces, byte for byte, what the real CLI 0.30.0 wrote."""

from __future__ import annotations

import copy
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from helpers.kit.paths import AGENT_TEMPLATE_DIR
from helpers.model import commands
from helpers.model.config import (
    CONFIG_PATH,
    ConfigJSONError,
    parse_config,
    read_config,
    write_config,
)
from helpers.model.edits import (
    ConfigEditError,
    add_gateway,
    add_lambda_target,
    gateway_from_flags,
    remove_gateway,
    secure_runtime,
)
from helpers.model.names import gateway_url_env_var
from helpers.model.project_types import Gateway

FIXTURES = Path(__file__).parent / "fixtures" / "agentcore-cli"
START = FIXTURES / "01_start_state.agentcore.json"
AFTER_RUNTIME = FIXTURES / "02_after_runtime_authorizer.agentcore.json"
AFTER_GATEWAY = FIXTURES / "03_after_secure_gateway.agentcore.json"
DISCOVERY_URL = (
    "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_aBcDeFgHi"
    "/.well-known/openid-configuration"
)
CLIENT_ID = "1abc2def3ghi4jkl5mno6pqr"
LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:warranty-check"
SCHEMA_FILE = "app/CustomerSupport/tool/warranty_schema.json"


def load(path: Path, runtime_version: str = "PYTHON_3_14") -> dict[str, Any]:
    return json.loads(path.read_text().replace("PYTHON_3_14", runtime_version))


def written_bytes(tmp_path: Path, config: dict[str, Any]) -> bytes:
    write_config(tmp_path, config)
    return (tmp_path / CONFIG_PATH).read_bytes()


def secure(config: dict[str, Any]) -> dict[str, Any]:
    return secure_runtime(
        config, runtime="CustomerSupport", discovery_url=DISCOVERY_URL, allowed_clients=[CLIENT_ID]
    )


def gateway(name: str, **flags: Any) -> Gateway:
    return gateway_from_flags(name=name, **flags)


def replace_gateway(config: dict[str, Any]) -> dict[str, Any]:
    config = remove_gateway(config, name="my-gateway")
    config = add_gateway(
        config,
        gateway(
            "my-gateway-secure",
            authorizer_type="CUSTOM_JWT",
            discovery_url=DISCOVERY_URL,
            allowed_clients=[CLIENT_ID],
        ),
    )
    return add_lambda_target(
        config,
        gateway="my-gateway-secure",
        name="WarrantyCheck",
        lambda_arn=LAMBDA_ARN,
        tool_schema_file=SCHEMA_FILE,
    )


@pytest.mark.parametrize("reference", [START, AFTER_RUNTIME, AFTER_GATEWAY], ids=lambda p: p.name)
def test_read_then_write_gives_the_cli_bytes(tmp_path: Path, reference: Path) -> None:
    (tmp_path / "agentcore").mkdir()
    (tmp_path / CONFIG_PATH).write_bytes(reference.read_bytes())
    assert written_bytes(tmp_path, read_config(tmp_path)) == reference.read_bytes()


@pytest.mark.parametrize("runtime_version", ["PYTHON_3_14", "PYTHON_3_13"])
def test_workshop_edits_reproduce_the_cli_files(tmp_path: Path, runtime_version: str) -> None:
    start = load(START, runtime_version)
    after_runtime = secure(start)
    expected = AFTER_RUNTIME.read_text().replace("PYTHON_3_14", runtime_version).encode()
    assert written_bytes(tmp_path, after_runtime) == expected
    assert start == load(START, runtime_version), "an edit changed its input"
    # Then the gateway is replaced with the CLI's commands, as the workshop does.
    shutil.copytree(AGENT_TEMPLATE_DIR / "app", tmp_path / "app")
    for outcome in (
        commands.remove_gateway(tmp_path, "my-gateway"),
        commands.add_gateway(
            tmp_path,
            name="my-gateway-secure",
            authorizer_type="CUSTOM_JWT",
            discovery_url=DISCOVERY_URL,
            allowed_clients=[CLIENT_ID],
        ),
        commands.add_gateway_target(
            tmp_path,
            gateway="my-gateway-secure",
            name="WarrantyCheck",
            lambda_arn=LAMBDA_ARN,
            tool_schema_file=SCHEMA_FILE,
        ),
    ):
        assert outcome.ok, outcome.output
    expected = AFTER_GATEWAY.read_text().replace("PYTHON_3_14", runtime_version).encode()
    assert (tmp_path / CONFIG_PATH).read_bytes() == expected


def test_secure_runtime_is_idempotent_and_keeps_custom_headers() -> None:
    config = load(START)
    custom = "X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant"
    config["runtimes"][0]["requestHeaderAllowlist"] = [custom]
    once = secure(config)
    assert secure(once) == once
    assert once["runtimes"][0]["requestHeaderAllowlist"] == [custom, "Authorization"]


def test_secure_runtime_puts_keys_at_the_schema_position() -> None:
    config = load(START)
    config["runtimes"][0]["tags"] = {"team": "support"}
    keys = list(secure(config)["runtimes"][0])
    assert keys[-4:] == [
        "requestHeaderAllowlist",
        "authorizerType",
        "authorizerConfiguration",
        "tags",
    ]


def test_remove_gateway_appends_to_existing_unassigned_targets() -> None:
    config = replace_gateway(secure(load(START)))
    config = remove_gateway(config, name="my-gateway-secure")
    assert [t["name"] for t in config["unassignedTargets"]] == ["WarrantyCheck", "WarrantyCheck"]
    assert config["agentCoreGateways"] == []


def test_remove_gateway_without_targets_writes_no_unassigned_targets() -> None:
    config = add_gateway(load(START), gateway("empty"))
    assert "unassignedTargets" not in remove_gateway(config, name="empty")


def test_add_gateway_without_authorizer_matches_the_cli_shape() -> None:
    config = remove_gateway(load(START), name="my-gateway")
    config = add_gateway(config, gateway("my-gateway"))
    config = add_lambda_target(
        config,
        gateway="my-gateway",
        name="WarrantyCheck",
        lambda_arn=LAMBDA_ARN,
        tool_schema_file=SCHEMA_FILE,
    )
    expected = load(START)
    assert config["agentCoreGateways"] == expected["agentCoreGateways"]
    assert list(config["agentCoreGateways"][0]) == list(expected["agentCoreGateways"][0])


def test_add_gateway_splits_the_lists_as_the_cli_does() -> None:
    built = gateway(
        "gw2",
        authorizer_type="CUSTOM_JWT",
        discovery_url=DISCOVERY_URL,
        allowed_scopes=["support/read"],
        allowed_clients=[" a1, ,b2 "],
        allowed_audience=[],
    )
    jwt = built["authorizerConfiguration"]["customJwtAuthorizer"]
    assert jwt == {
        "discoveryUrl": DISCOVERY_URL,
        "allowedClients": ["a1", "b2"],
        "allowedScopes": ["support/read"],
    }


def test_a_discovery_url_without_custom_jwt_is_ignored_like_the_cli_does() -> None:
    built = gateway("gw2", discovery_url=DISCOVERY_URL, allowed_clients=[CLIENT_ID])
    assert "authorizerConfiguration" not in built
    assert built["authorizerType"] == "NONE"


def test_add_lambda_target_leaves_unassigned_copy_alone() -> None:
    config = replace_gateway(secure(load(START)))
    assert config["unassignedTargets"] == load(START)["agentCoreGateways"][0]["targets"]


def jwt_gateway(url: str = DISCOVERY_URL, clients: Any = (CLIENT_ID,)) -> Gateway:
    return gateway("gw", authorizer_type="CUSTOM_JWT", discovery_url=url, allowed_clients=clients)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda c: secure_runtime(
                c, runtime="Nope", discovery_url=DISCOVERY_URL, allowed_clients=[CLIENT_ID]
            ),
            'No runtime named "Nope" in agentcore.json (runtimes: CustomerSupport). '
            "Use one of those names.",
        ),
        (
            lambda c: secure_runtime(
                c, runtime="CustomerSupport", discovery_url=DISCOVERY_URL, allowed_clients=[]
            ),
            "allowed_clients is empty: pass at least one Cognito app client id, or every token "
            "would be refused.",
        ),
        (
            lambda c: secure_runtime(
                c,
                runtime="CustomerSupport",
                discovery_url=DISCOVERY_URL,
                allowed_clients=CLIENT_ID,  # type: ignore[arg-type]  # the slip under test
            ),
            f'allowed_clients must be a list, like ["{CLIENT_ID}"], not a single string.',
        ),
        (
            lambda c: jwt_gateway(clients=CLIENT_ID),
            f'allowed_clients must be a list, like ["{CLIENT_ID}"], not a single string.',
        ),
        (lambda c: remove_gateway(c, name="nope"), 'Gateway "nope" not found.'),
        (lambda c: add_gateway(c, gateway("my-gateway")), 'Gateway "my-gateway" already exists.'),
        (
            lambda c: add_gateway(c, gateway("g" * 33)),
            f'Gateway name too long: "CustomerSupport-{"g" * 33}" (49 '
            "chars). AWS limits gateway names to 48 characters. Shorten the project name or "
            "gateway name.",
        ),
        (lambda c: gateway(""), "--name is required"),
        (
            lambda c: gateway("my_gateway"),
            "Gateway name must be alphanumeric with optional hyphens (max 100 chars)",
        ),
        (
            lambda c: gateway("gw", authorizer_type="JWT"),
            "Invalid authorizer type. Use NONE, AWS_IAM, CUSTOM_JWT",
        ),
        (
            lambda c: jwt_gateway(url=""),
            "--discovery-url is required for CUSTOM_JWT authorizer",
        ),
        (lambda c: jwt_gateway(url="cognito"), "Discovery URL must be a valid URL"),
        (
            lambda c: jwt_gateway(url=DISCOVERY_URL.replace("https", "http")),
            "Discovery URL must use HTTPS",
        ),
        (
            lambda c: jwt_gateway(url=DISCOVERY_URL.split("/.well-known")[0]),
            "Discovery URL must end with /.well-known/openid-configuration",
        ),
        (
            lambda c: jwt_gateway(clients=[" , "]),
            "At least one of --allowed-audience, --allowed-clients, --allowed-scopes, or "
            "--custom-claims must be provided for CUSTOM_JWT authorizer",
        ),
        (
            lambda c: add_lambda_target(
                c, gateway="nope", name="T", lambda_arn=LAMBDA_ARN, tool_schema_file=SCHEMA_FILE
            ),
            'Gateway "nope" not found.',
        ),
        (
            lambda c: add_lambda_target(
                c,
                gateway="my-gateway",
                name="WarrantyCheck",
                lambda_arn=LAMBDA_ARN,
                tool_schema_file=SCHEMA_FILE,
            ),
            'Target "WarrantyCheck" already exists in gateway "my-gateway".',
        ),
    ],
)
def test_edits_refuse_in_the_clis_words(edit: Any, message: str) -> None:
    config = load(START)
    before = copy.deepcopy(config)
    with pytest.raises(ConfigEditError) as caught:
        edit(config)
    assert str(caught.value) == message
    assert config == before


@pytest.mark.parametrize(
    ("name", "env_var"),
    [
        ("my-gateway-secure", "AGENTCORE_GATEWAY_MY_GATEWAY_SECURE_URL"),
        ("my-gateway", "AGENTCORE_GATEWAY_MY_GATEWAY_URL"),
        ("Gw2", "AGENTCORE_GATEWAY_GW2_URL"),
    ],
)
def test_gateway_url_env_var(name: str, env_var: str) -> None:
    assert gateway_url_env_var(name) == env_var


def test_read_config_names_the_missing_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"No agentcore/agentcore\.json in "):
        read_config(tmp_path)


def test_write_config_keeps_the_file_mode_and_leaves_no_temp_file(tmp_path: Path) -> None:
    write_config(tmp_path, {"name": "a"})
    path = tmp_path / CONFIG_PATH
    path.chmod(0o640)
    write_config(tmp_path, {"name": "b", "café": "ü"})
    assert path.read_text(encoding="utf-8") == '{\n  "name": "b",\n  "café": "ü"\n}'
    assert path.stat().st_mode & 0o777 == 0o640
    assert os.listdir(path.parent) == ["agentcore.json"]


def test_write_config_failure_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, {"name": "old"})

    def refuse(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        write_config(tmp_path, {"name": "new"})
    assert read_config(tmp_path) == {"name": "old"}
    assert os.listdir(tmp_path / "agentcore") == ["agentcore.json"]


def test_missing_comma_fixture_points_at_the_line_to_fix() -> None:
    text = (FIXTURES / "validate" / "missing_comma.json").read_text()
    with pytest.raises(ConfigJSONError) as caught:
        parse_config(text)
    err = caught.value
    # The CLI reported "at position 479": the parser stops at the next key, on line 18;
    # the comma belongs at the end of line 17, the networkMode line.
    assert (err.file, err.line, err.column, err.position) == ("agentcore.json", 18, 7, 479)
    assert str(err) == (
        "Invalid JSON in agentcore.json: Expected ',' or '}' after property value in JSON at "
        "position 479 (line 18 column 7) Check the end of line 17 for a missing comma."
    )
    assert '"networkMode": "PUBLIC"' in text.splitlines()[16]


@pytest.mark.parametrize(
    ("text", "reason", "hint"),
    [
        (
            '{\n  "a": 1,\n}',
            "Expected double-quoted property name in JSON at position 12 (line 3 column 1)",
            "Remove the comma at the end of line 2",
        ),
        (
            '{"a": [1, 2,\n]}',
            'Unexpected token \']\', "{"a": [1, 2,\n]}" is not valid JSON',
            "Remove the comma at the end of line 1",
        ),
        (
            "{'a': 1}",
            "Expected property name or '}' in JSON at position 1 (line 1 column 2)",
            "JSON does not accept single quotes",
        ),
        (
            "{\"a\": 'x'}",
            "Unexpected token ''', \"{\"a\": 'x'}\" is not valid JSON",
            "JSON does not accept single quotes",
        ),
        (
            "{\n  a: 1}",
            "Expected property name or '}' in JSON at position 4 (line 2 column 3)",
            'Put the key at line 2, column 3 in double quotes, like "name".',
        ),
        (
            '{"a": 1',
            "Expected ',' or '}' after property value in JSON at position 7 (line 1 column 8)",
            "a closing } or ] is missing",
        ),
        ("  \n", "Unexpected end of JSON input", "The file is empty"),
        (
            '{"a" 1}',
            "Expected ':' after property name in JSON at position 5 (line 1 column 6)",
            "Look at line 1 and the line before it",
        ),
        (
            "[1 2]",
            "Expected ',' or ']' after array element in JSON at position 3 (line 1 column 4)",
            "Check the end of line 1 for a missing comma.",
        ),
        (
            '{"a": 1}}',
            "Unexpected non-whitespace character after JSON at position 8 (line 1 column 9)",
            "Delete what follows the closing brace",
        ),
        (
            '{"a": "b',
            "Unterminated string in JSON at position 8 (line 1 column 9)",
            "Close the string that starts at line 1, column 7",
        ),
    ],
)
def test_broken_json_is_reported_as_node_reports_it(text: str, reason: str, hint: str) -> None:
    with pytest.raises(ConfigJSONError) as caught:
        parse_config(text)
    err = caught.value
    assert err.reason == reason
    assert err.detail == f"Invalid JSON in agentcore.json: {reason}"
    assert hint in err.hint
    assert str(err) == f"{err.detail} {err.hint}"


def test_top_level_must_be_an_object() -> None:
    with pytest.raises(ConfigJSONError, match="must hold one JSON object") as caught:
        parse_config("\n  [1]")
    assert (caught.value.line, caught.value.column, caught.value.position) == (2, 3, 3)
