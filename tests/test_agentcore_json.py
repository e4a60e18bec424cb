"""The agentcore.json model reproduces, byte for byte, what the real CLI 0.30.0 wrote."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest

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
    remove_gateway,
    secure_runtime,
)
from helpers.model.names import gateway_url_env_var

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


def replace_gateway(config: dict[str, Any]) -> dict[str, Any]:
    config = remove_gateway(config, name="my-gateway")
    config = add_gateway(
        config,
        name="my-gateway-secure",
        runtimes=["CustomerSupport"],
        authorizer_type="CUSTOM_JWT",
        discovery_url=DISCOVERY_URL,
        allowed_clients=[CLIENT_ID],
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
    expected = AFTER_GATEWAY.read_text().replace("PYTHON_3_14", runtime_version).encode()
    assert written_bytes(tmp_path, replace_gateway(after_runtime)) == expected
    assert start == load(START, runtime_version), "an edit changed its input"


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
    config = add_gateway(load(START), name="empty", runtimes=["CustomerSupport"])
    assert "unassignedTargets" not in remove_gateway(config, name="empty")


def test_add_gateway_without_authorizer_matches_the_cli_shape() -> None:
    config = remove_gateway(load(START), name="my-gateway")
    config = add_gateway(config, name="my-gateway", runtimes=["CustomerSupport"])
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


def test_add_gateway_writes_only_the_non_empty_jwt_lists_in_schema_order() -> None:
    config = add_gateway(
        load(START),
        name="gw2",
        runtimes=[],
        authorizer_type="CUSTOM_JWT",
        discovery_url=DISCOVERY_URL,
        allowed_scopes=["support/read"],
        allowed_clients=[],
        allowed_audience=["aud"],
    )
    jwt = config["agentCoreGateways"][1]["authorizerConfiguration"]["customJwtAuthorizer"]
    assert jwt == {
        "discoveryUrl": DISCOVERY_URL,
        "allowedAudience": ["aud"],
        "allowedScopes": ["support/read"],
    }
    assert list(jwt) == ["discoveryUrl", "allowedAudience", "allowedScopes"]


def test_add_lambda_target_leaves_unassigned_copy_alone() -> None:
    config = replace_gateway(secure(load(START)))
    assert config["unassignedTargets"] == load(START)["agentCoreGateways"][0]["targets"]


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (
            lambda c: secure_runtime(
                c, runtime="Nope", discovery_url=DISCOVERY_URL, allowed_clients=[CLIENT_ID]
            ),
            'No runtime named "Nope" in agentcore.json (runtimes: CustomerSupport)',
        ),
        (
            lambda c: secure_runtime(
                c, runtime="CustomerSupport", discovery_url=DISCOVERY_URL, allowed_clients=[]
            ),
            "allowed_clients is empty",
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
            lambda c: add_gateway(c, name="gw", runtimes="CustomerSupport"),  # type: ignore[arg-type]
            'runtimes must be a list, like ["CustomerSupport"]',
        ),
        (
            lambda c: remove_gateway(c, name="nope"),
            'No gateway named "nope" in agentcore.json (agentCoreGateways: my-gateway)',
        ),
        (
            lambda c: add_gateway(c, name="my-gateway", runtimes=["CustomerSupport"]),
            'Gateway "my-gateway" already exists',
        ),
        (lambda c: add_gateway(c, name="gw", runtimes=["Other"]), 'No runtime named "Other"'),
        (
            lambda c: add_gateway(c, name="gw", runtimes=[], authorizer_type="JWT"),
            'authorizer_type "JWT" is not one of NONE, AWS_IAM, CUSTOM_JWT',
        ),
        (
            lambda c: add_gateway(
                c, name="gw", runtimes=[], authorizer_type="CUSTOM_JWT", allowed_clients=[CLIENT_ID]
            ),
            "needs discovery_url",
        ),
        (
            lambda c: add_gateway(
                c,
                name="gw",
                runtimes=[],
                authorizer_type="CUSTOM_JWT",
                discovery_url=DISCOVERY_URL,
                allowed_clients=[],
            ),
            "needs allowed_clients, allowed_audience or allowed_scopes",
        ),
        (
            lambda c: add_gateway(c, name="gw", runtimes=[], discovery_url=DISCOVERY_URL),
            "only apply to a CUSTOM_JWT gateway, not NONE",
        ),
        (
            lambda c: add_lambda_target(
                c, gateway="nope", name="T", lambda_arn=LAMBDA_ARN, tool_schema_file=SCHEMA_FILE
            ),
            'No gateway named "nope"',
        ),
        (
            lambda c: add_lambda_target(
                c,
                gateway="my-gateway",
                name="WarrantyCheck",
                lambda_arn=LAMBDA_ARN,
                tool_schema_file=SCHEMA_FILE,
            ),
            'Target "WarrantyCheck" already exists on gateway "my-gateway"',
        ),
    ],
)
def test_edits_refuse_with_a_message_naming_the_problem(edit: Any, needle: str) -> None:
    config = load(START)
    before = copy.deepcopy(config)
    with pytest.raises(ConfigEditError) as caught:
        edit(config)
    assert needle in str(caught.value)
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
    assert (err.file, err.line, err.column, err.position) == (
        "agentcore/agentcore.json",
        18,
        7,
        479,
    )
    assert str(err) == (
        "agentcore/agentcore.json is not valid JSON: Expecting ',' delimiter at line 18, "
        "column 7 (character 479). Check the end of line 17 for a missing comma."
    )
    assert '"networkMode": "PUBLIC"' in text.splitlines()[16]


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ('{\n  "a": 1,\n}', "Remove the comma at the end of line 2"),
        ('{"a": [1, 2,\n]}', "Remove the comma at the end of line 1"),
        ("{'a': 1}", "JSON does not accept single quotes"),
        ("{\"a\": 'x'}", "JSON does not accept single quotes"),
        ("{\n  a: 1}", 'Put the key at line 2, column 3 in double quotes, like "name".'),
        ('{"a": 1', "a closing } or ] is missing"),
        ("  \n", "The file is empty"),
        ('{"a" 1}', "Look at line 1 and the line before it"),
    ],
)
def test_broken_json_gets_a_targeted_hint(text: str, hint: str) -> None:
    with pytest.raises(ConfigJSONError) as caught:
        parse_config(text)
    err = caught.value
    # Python 3.13 moved some error positions (a trailing comma is reported at the
    # comma), so compare with the running parser rather than fixed numbers.
    with pytest.raises(json.JSONDecodeError) as parser:
        json.loads(text)
    assert (err.line, err.column, err.position) == (
        parser.value.lineno,
        parser.value.colno,
        parser.value.pos,
    )
    assert hint in err.hint
    assert str(err) == f"{err.detail} {err.hint}"


def test_top_level_must_be_an_object() -> None:
    with pytest.raises(ConfigJSONError, match="must hold one JSON object") as caught:
        parse_config("\n  [1]")
    assert (caught.value.line, caught.value.column, caught.value.position) == (2, 3, 3)
