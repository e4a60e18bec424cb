"""The validator: how it reports and what it adds to the CLI's rules.

Which problems it finds, at which paths and in which words, is held against the real
CLI in ``tests/test_cli_contract.py``. This file covers what that cannot: the fixes
written under each problem, the report's layout, the workshop's own checks in detail,
and the zod rules the schema building blocks follow.
"""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest

from helpers.kit.paths import AGENT_TEMPLATE_DIR
from helpers.kit.settings import WorkshopSettings
from helpers.model.config import CONFIG_PATH
from helpers.model.deployed_state import GatewayIds, MemoryIds, RuntimeIds, record_deploy
from helpers.model.issues import ValidationIssue
from helpers.model.schema import (
    Choice,
    Fields,
    ListOf,
    MapOf,
    Number,
    OneOf,
    Text,
    at_least,
    defaults_to,
    format_path,
    holds,
    is_valid_url,
    js_length,
    matches,
    optional,
    unique,
)
from helpers.model.schemas.gateway import TOOL_SCHEMA
from helpers.model.schemas.project import PROJECT
from helpers.model.validation import (
    AWS_TARGETS_PATH,
    DEPLOYED_STATE_PATH,
    ValidationResult,
    validate_config,
    validate_project,
)
from tests.cli_corpus import BASES, CASES, DELETE, TOOLS_FILE, _set, build

RT = "runtimes[0]"
JWT = f"{RT}.authorizerConfiguration.customJwtAuthorizer"
LAMBDA = "agentCoreGateways[0].targets[0].lambdaFunctionArn"


def config_of(edits: dict[str, Any] | None = None, base: str = "gateway") -> dict[str, Any]:
    config: dict[str, Any] = json.loads(BASES[base].read_text())
    for path, value in (edits or {}).items():
        _set(config, path, value)
    return config


def project_with(tmp_path: Path, config: dict[str, Any], tools: Any = None) -> Path:
    project = build(
        next(case for case in CASES if case.name == "valid-after-secure-gateway"), tmp_path
    )
    (project / CONFIG_PATH).write_text(json.dumps(config, indent=2))
    if tools is not None:
        (project / TOOLS_FILE).write_text(tools if isinstance(tools, str) else json.dumps(tools))
    return project


def issues_of(config: dict[str, Any], **kwargs: Any) -> list[tuple[str, str, bool]]:
    return [(i.path, i.message, i.kit_only) for i in validate_config(config, **kwargs)]


def test_the_shipped_project_is_valid(tmp_path: Path) -> None:
    project = Path(shutil.copytree(AGENT_TEMPLATE_DIR, tmp_path / "project"))
    assert validate_project(project, WorkshopSettings.value_sources()).issues == []


def test_every_problem_has_a_fix_naming_what_to_change(tmp_path: Path) -> None:
    config = config_of(
        {
            "name": 5,
            "agentCoreGateway": [],
            f"{RT}.build": "Zip",
            f"{JWT}.allowedClients": "abc",
            "agentCoreGateways[0].exceptionLevel": "ALL",
            "agentCoreGateways[0].targets[0].lambdaFunctionArn.lambdaArn": "",
            "tags.team": "a!",
        },
    )
    fixes = {(issue.path, issue.fix) for issue in validate_config(config)}
    assert fixes >= {
        ("name", 'Change name to a string, for example "text".'),
        (
            f"{RT}.build",
            f"Set {RT}.build to one of CodeZip, Container (values are case-sensitive).",
        ),
        (
            f"{JWT}.allowedClients",
            'Change allowedClients to an array, for example ["..."].',
        ),
        ("root", 'Rename "agentCoreGateway" to "agentCoreGateways" (check the spelling).'),
        (
            "agentCoreGateways[0].exceptionLevel",
            "Set agentCoreGateways[0].exceptionLevel to one of NONE, DEBUG (values are "
            "case-sensitive).",
        ),
        (f"{LAMBDA}.lambdaArn", "Give lambdaArn at least 1 character."),
    }
    assert all(issue.fix.endswith(".") for issue in validate_config(config))


def test_a_union_problem_is_printed_at_root_but_the_fix_names_the_field() -> None:
    [issue] = validate_config(config_of({f"{RT}.runtimeVersion": "PYTHON_3_9"}))
    assert issue.path == "root"  # what the CLI prints
    assert issue.fix.startswith(f"Set {RT}.runtimeVersion to one of PYTHON_3_10, ")
    assert "NODE_22" in issue.fix


def test_an_unknown_key_without_a_near_name_is_to_be_removed() -> None:
    [issue] = validate_config(config_of({"agentCoreGateways[0].zzz": 1}))
    assert issue.fix == 'Remove "zzz" from agentCoreGateways[0]: the CLI knows no such key there.'


def test_placeholder_fix_names_the_ssm_parameter() -> None:
    config = config_of(
        {
            f"{JWT}.allowedClients[0]": "<COGNITO_CLIENT_ID value>",
            "agentCoreGateways[0].description": "<SOMETHING ELSE>",
        }
    )
    client, other = validate_config(config, value_sources=WorkshopSettings.value_sources())
    assert client.fix == (
        "Replace <COGNITO_CLIENT_ID value> with the value of SSM parameter "
        "/app/customersupport/agentcore/client_id."
    )
    assert other.fix == "Replace <SOMETHING ELSE> with the real SOMETHING ELSE."
    assert (client.kit_only, other.kit_only) == (True, True)


def test_authorization_fix_explains_why() -> None:
    config = config_of(
        {f"{RT}.authorizerType": "AWS_IAM", f"{RT}.authorizerConfiguration": DELETE}, "runtime"
    )
    [issue] = validate_config(config)
    assert issue.kit_only
    assert "only once its JWT authorizer has checked the token" in issue.fix


def test_the_workshop_checks_come_after_the_clis() -> None:
    config = config_of(
        {
            f"{JWT}.allowedClients[0]": "<COGNITO_CLIENT_ID value>",
            f"{RT}.requestHeaderAllowlist": ["Authorization", "Accept", "x-amz-date"],
        },
    )
    assert [(path, kit_only) for path, _, kit_only in issues_of(config)] == [
        (f"{RT}.requestHeaderAllowlist[2]", False),
        (f"{RT}.requestHeaderAllowlist[1]", True),
        (f"{JWT}.allowedClients[0]", True),
    ]


@pytest.mark.parametrize(
    ("tools", "message"),
    [
        ("[{", f"Tool schema file is not valid JSON: {TOOLS_FILE}"),
        ("{}", f'{TOOLS_FILE}: root: expected "array"'),
        ([], f"{TOOLS_FILE}: root: Tool schema file must contain at least one tool definition"),
        ([1], f'{TOOLS_FILE}: [0]: expected "object"'),
        (
            [{"name": "t", "description": "", "inputSchema": {"type": "object"}}],
            f"{TOOLS_FILE}: [0].description: Too small: expected string to have >=1 characters",
        ),
        (
            [{"name": "t", "description": "d", "inputSchema": {"type": "string"}}],
            f'{TOOLS_FILE}: [0].inputSchema.type: inputSchema must have "type": "object"',
        ),
        (
            [{"name": "t", "description": "d", "inputSchema": {"type": "object"}, "x": 1}],
            f'{TOOLS_FILE}: [0]: unknown keys (remove): "x"',
        ),
        (
            [
                {
                    "name": "t",
                    "description": "d",
                    "inputSchema": {"type": "object", "properties": {"a": {"type": "text"}}},
                }
            ],
            f'{TOOLS_FILE}: [0].inputSchema.properties.a.type: expected "string" | "number" | '
            '"object" | "array" | "boolean" | "integer"',
        ),
    ],
)
def test_a_tool_schema_file_must_hold_the_tools(tmp_path: Path, tools: Any, message: str) -> None:
    config = config_of(base="start")
    project = project_with(tmp_path, config, tools)
    assert issues_of(config, project_dir=project) == [(f"{LAMBDA}.toolSchemaFile", message, True)]


def test_files_are_checked_only_with_a_project_dir() -> None:
    config = config_of({f"{LAMBDA}.toolSchemaFile": "nope.json"})
    assert validate_config(config) == []


def test_project_files_are_checked_only_once_agentcore_json_passes(tmp_path: Path) -> None:
    broken = config_of({"version": 0})
    project = project_with(tmp_path, broken)
    (project / "agentcore" / "aws-targets.json").unlink()
    assert [issue.line for issue in validate_project(project).issues] == [
        "version: Too small: expected number to be >=1"
    ]
    (project / CONFIG_PATH).write_text(json.dumps(config_of(), indent=2))
    [missing] = validate_project(project).issues
    assert (missing.file, missing.line) == (
        "agentcore/aws-targets.json",
        "Required file not found: aws-targets.json",
    )
    assert "holding [] as `agentcore create` writes it" in missing.fix


def test_broken_json_is_one_problem_with_its_spot_and_fix(tmp_path: Path) -> None:
    project = project_with(tmp_path, config_of())
    text = (project / CONFIG_PATH).read_text()
    (project / CONFIG_PATH).write_text(text.replace('"PUBLIC",', '"PUBLIC"', 1))
    [issue] = validate_project(project).issues
    assert issue.line.startswith(
        "Invalid JSON in agentcore.json: Expected ',' or '}' after property value"
    )
    assert issue.line.endswith("(line 18 column 7)")
    assert issue.fix == "Check the end of line 17 for a missing comma."


def test_format_lists_each_file_with_its_problems_and_fixes() -> None:
    result = ValidationResult(
        [
            ValidationIssue("runtimes[0].build", "expected string", "Set build."),
            ValidationIssue(
                "",
                "Required file not found: aws-targets.json",
                "Create it.",
                file="agentcore/aws-targets.json",
            ),
            ValidationIssue("name", "unreplaced", "Replace it.", kit_only=True),
        ]
    )
    assert not result.ok
    assert result.format() == (
        "agentcore/agentcore.json:\n"
        "  - runtimes[0].build: expected string\n"
        "    fix: Set build.\n"
        "  - name: unreplaced\n"
        "    fix: Replace it.\n"
        "agentcore/aws-targets.json:\n"
        "  - Required file not found: aws-targets.json\n"
        "    fix: Create it."
    )
    assert ValidationResult([]).format() == "Valid"


def test_a_folder_without_a_project_says_so(tmp_path: Path) -> None:
    [issue] = validate_project(tmp_path).issues
    assert issue.line == 'No agentcore project found. Run "agentcore create" first.'
    assert str(tmp_path / CONFIG_PATH) in issue.fix


# The building blocks follow zod 4's rules, which decide what the CLI reports.

SCHEMA = Fields(
    {
        "name": Text(at_least(1), matches(r"[a-z]+", "lower case only")),
        "kind": Choice("a", "b"),
        "size": optional(Number(at_least(1, kind="number"), integer=True)),
        "tags": defaults_to(MapOf(Text(matches(r"[a-z]+", "bad key")), Text()), {}),
        "items": defaults_to(
            ListOf(
                Fields({"name": Text()}, strict=True),
                unique(lambda item: item["name"], lambda name: f"Duplicate: {name}"),
            ),
            [],
        ),
    },
    holds(lambda value: value["kind"] != "b", "kind b needs more", path=("kind",)),
    strict=True,
)


def found(value: Any) -> list[str]:
    return [
        f"{format_path(issue.shown_path)}: {issue.message}" for issue in SCHEMA.parse(value).issues
    ]


def test_checks_that_are_not_fatal_all_run_and_so_do_the_rules_after_them() -> None:
    assert found({"name": "", "kind": "b"}) == [
        "name: Too small: expected string to have >=1 characters",
        "name: lower case only",
        "kind: kind b needs more",
    ]


def test_a_wrong_type_inside_a_value_skips_the_rules_around_it() -> None:
    assert found({"name": 5, "kind": "b"}) == ['name: expected "string"']
    assert found({"name": "x", "kind": "b", "items": [{"name": 1}, {"name": 1}]}) == [
        'items[0].name: expected "string"',
        'items[1].name: expected "string"',
    ]
    assert found({"name": "x", "kind": "a", "size": 1.5}) == ['size: expected "int"']


def test_unknown_keys_and_bad_record_keys_are_fatal_too() -> None:
    assert found({"name": "x", "kind": "b", "extra": 1, "more": 2}) == [
        'root: unknown keys (remove): "extra", "more"'
    ]
    assert found({"name": "x", "kind": "b", "tags": {"Bad": "v"}}) == [
        "tags.Bad: Invalid key in record"
    ]


def test_a_missing_key_reads_as_its_type_and_duplicates_follow_the_items() -> None:
    assert found({"kind": "c"}) == ['name: expected "string"', 'kind: expected "a" | "b"']
    assert found({"name": "x", "kind": "a", "items": [{"name": "n"}, {"name": "n"}]}) == [
        "items[1]: Duplicate: n"
    ]


def test_the_value_comes_back_as_the_cli_writes_it() -> None:
    parsed = SCHEMA.parse({"items": [], "kind": "a", "name": "x", "size": 2.0})
    assert list(parsed.value) == ["name", "kind", "size", "tags", "items"]
    assert parsed.value["size"] == 2 and isinstance(parsed.value["size"], int)
    stripped = Fields({"a": Text()}, strict=False).parse({"a": "x", "b": 1})
    assert (stripped.value, stripped.issues) == ({"a": "x"}, [])


def test_a_failed_union_is_printed_at_root_whatever_its_place() -> None:
    union = Fields({"v": OneOf(Choice("P1", "P2"), Choice("N1"))}, strict=True)
    [issue] = union.parse({"v": "x"}).issues
    assert (format_path(issue.shown_path), issue.path) == ("root", ("v",))
    assert issue.message == 'expected "P1" | "P2"'
    assert union.parse({"v": "N1"}).issues == []


def test_string_lengths_count_as_javascript_counts() -> None:
    assert js_length("abc") == 3
    assert js_length("😀") == 2  # one character, two UTF-16 code units


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        ("https://cognito-idp.us-east-1.amazonaws.com/p/.well-known/openid-configuration", True),
        ("  https://example.com  ", True),
        ("http://localhost:8443/x", True),
        ("urn:isbn:123", True),
        ("cognito", False),
        ("cognito-idp.example.com/p", False),
        ("https://cognito idp/p", False),
        ("https://", False),
        ("https://example.com:99999/", False),
    ],
)
def test_urls_are_judged_as_node_judges_them(url: str, valid: bool) -> None:
    assert is_valid_url(url) is valid


def test_the_project_schema_accepts_what_the_cli_wrote() -> None:
    for base in BASES.values():
        assert PROJECT.parse(json.loads(base.read_text())).issues == []
    tools = json.loads((AGENT_TEMPLATE_DIR / TOOLS_FILE).read_text())
    assert TOOL_SCHEMA.parse(tools).issues == []


# --- what a deploy records for the real CLI (helpers.model.deployed_state) ---------------

ACCOUNT, REGION = "123456789012", "us-east-1"
RUNTIME_ID = "CustomerSupport_CustomerSupport-AbC123dEf4"
RUNTIME_ARN = f"arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:runtime/{RUNTIME_ID}"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{RUNTIME_ID}-role"


def _gateway(name: str) -> GatewayIds:
    gateway_id = f"{name}-abc123def4"
    return GatewayIds(
        gateway_id,
        f"arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:gateway/{gateway_id}",
        f"https://127.0.0.1:8443/{gateway_id}/mcp",
    )


def _memory(name: str) -> MemoryIds:
    return MemoryIds(
        f"{name}-AbC123dEf4",
        f"arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:memory/{name}-AbC123dEf4",
    )


def _record(project: Path, **deployed: Any) -> str | None:
    resources = {"runtimes": {}, "gateways": {}, "memories": {}, **deployed}
    config = json.loads((project / CONFIG_PATH).read_text())
    return record_deploy(project, config, account=ACCOUNT, region=REGION, **resources)


def _recorded(project: Path) -> Any:
    return json.loads((project / DEPLOYED_STATE_PATH).read_text())


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """The workshop's start state, with a second gateway that speaks MCP."""
    project = Path(shutil.copytree(AGENT_TEMPLATE_DIR, tmp_path / "project"))
    config = json.loads((project / CONFIG_PATH).read_text())
    mcp = {**config["agentCoreGateways"][0], "name": "mcp-gateway", "protocolType": "MCP"}
    config["agentCoreGateways"].append(mcp)
    (project / CONFIG_PATH).write_text(json.dumps(config, indent=2))
    return project


def test_a_deploy_records_the_default_target_and_every_resource_as_the_cli_does(
    shipped: Path,
) -> None:
    (shipped / CONFIG_PATH).chmod(0o640)
    (shipped / "agentcore").chmod(0o750)
    (shipped / AWS_TARGETS_PATH).unlink()  # made afresh, as the state file is
    target = _record(
        shipped,
        runtimes={"CustomerSupport": RuntimeIds(RUNTIME_ARN, ROLE_ARN)},
        gateways={"my-gateway": _gateway("my-gateway"), "mcp-gateway": _gateway("mcp-gateway")},
        memories={"CustomerSupportMemory": _memory("CustomerSupportMemory")},
    )

    assert target == "default"
    # As the CLI writes its files: JSON.stringify(value, null, 2), no final newline.
    assert (shipped / AWS_TARGETS_PATH).read_text() == (
        '[\n  {\n    "name": "default",\n    "account": "123456789012",\n'
        '    "region": "us-east-1"\n  }\n]'
    )
    text = (shipped / DEPLOYED_STATE_PATH).read_text()
    state = json.loads(text)
    assert text == json.dumps(state, indent=2)
    resources = state["targets"]["default"]["resources"]
    # In the order of the CLI's buildDeployedState; protocolType "None" outside mcp.
    assert list(resources) == ["runtimes", "memories", "stackName", "mcp", "gateways"]
    assert resources["runtimes"] == {
        "CustomerSupport": {
            "runtimeId": RUNTIME_ID,
            "runtimeArn": RUNTIME_ARN,
            "roleArn": ROLE_ARN,
        }
    }
    memory = _memory("CustomerSupportMemory")
    assert resources["memories"] == {
        "CustomerSupportMemory": {"memoryId": memory.id, "memoryArn": memory.arn}
    }
    assert resources["stackName"] == "AgentCore-CustomerSupport-default"
    gateway = _gateway("my-gateway")
    assert resources["gateways"] == {
        "my-gateway": {
            "gatewayId": gateway.id,
            "gatewayArn": gateway.arn,
            "gatewayUrl": gateway.url,
        }
    }
    assert list(resources["mcp"]["gateways"]) == ["mcp-gateway"]
    assert validate_project(shipped).ok
    # New files take the project's modes: agentcore.json's, and agentcore/'s for .cli/.
    for written in (AWS_TARGETS_PATH, DEPLOYED_STATE_PATH):
        assert stat.S_IMODE((shipped / written).stat().st_mode) == 0o640
    assert stat.S_IMODE((shipped / DEPLOYED_STATE_PATH).parent.stat().st_mode) == 0o750
    assert not [path for path in shipped.rglob("*.tmp")]


def test_a_deploy_keeps_the_learners_targets_and_drops_what_is_gone(shipped: Path) -> None:
    theirs = [
        {
            "name": "workshop",
            "description": "mine",
            "account": "111122223333",
            "region": "eu-west-1",
        },
        {"name": "other", "account": "111122223333", "region": "eu-west-1"},
    ]
    (shipped / AWS_TARGETS_PATH).write_text(json.dumps(theirs))
    (shipped / DEPLOYED_STATE_PATH).parent.mkdir()
    kept = {"resources": {"stackName": "AgentCore-CustomerSupport-other"}}
    (shipped / DEPLOYED_STATE_PATH).write_text(json.dumps({"targets": {"other": kept}}))
    (shipped / AWS_TARGETS_PATH).chmod(0o600)
    runtime = {"CustomerSupport": RuntimeIds(RUNTIME_ARN, ROLE_ARN)}

    assert _record(shipped, runtimes=runtime, gateways={"my-gateway": _gateway("my-gateway")}) == (
        "workshop"
    )
    assert json.loads((shipped / AWS_TARGETS_PATH).read_text()) == theirs  # untouched
    assert stat.S_IMODE((shipped / AWS_TARGETS_PATH).stat().st_mode) == 0o600
    state = _recorded(shipped)
    assert state["targets"]["other"] == kept
    assert "my-gateway" in state["targets"]["workshop"]["resources"]["gateways"]
    assert validate_project(shipped).ok

    # The gateway removed: it leaves the deployed state, and so does an empty group.
    assert _record(shipped, runtimes=runtime) == "workshop"
    resources = _recorded(shipped)["targets"]["workshop"]["resources"]
    assert list(resources) == ["runtimes", "stackName"]
    assert resources["runtimes"]["CustomerSupport"]["runtimeArn"] == RUNTIME_ARN


def test_a_target_named_default_is_the_one_deployed_to(shipped: Path) -> None:
    theirs = [
        {"name": "staging", "account": "111122223333", "region": "eu-west-1"},
        {"name": "default", "account": ACCOUNT, "region": REGION},
    ]
    (shipped / AWS_TARGETS_PATH).write_text(json.dumps(theirs))
    assert _record(shipped, runtimes={"CustomerSupport": RuntimeIds(RUNTIME_ARN, ROLE_ARN)}) == (
        "default"
    )
    assert list(_recorded(shipped)["targets"]) == ["default"]


def test_a_deploy_of_no_resource_tears_the_target_down_as_the_cli_does(shipped: Path) -> None:
    _record(shipped, runtimes={"CustomerSupport": RuntimeIds(RUNTIME_ARN, ROLE_ARN)})
    config = json.loads((shipped / CONFIG_PATH).read_text())
    for kind in ("runtimes", "memories", "agentCoreGateways"):
        config[kind] = []
    (shipped / CONFIG_PATH).write_text(json.dumps(config, indent=2))

    assert _record(shipped) == "default"
    assert (shipped / AWS_TARGETS_PATH).read_text() == "[]"
    assert (shipped / DEPLOYED_STATE_PATH).read_text() == '{\n  "targets": {}\n}'
    assert validate_project(shipped).ok
    assert _record(shipped) is None  # nothing deployed, nothing to tear down
    assert (shipped / AWS_TARGETS_PATH).read_text() == "[]"


def test_a_record_the_cli_would_refuse_is_never_written(shipped: Path) -> None:
    with pytest.raises(ValueError, match=r"\[0\]\.account: AWS account ID must be exactly 12"):
        record_deploy(
            shipped,
            json.loads((shipped / CONFIG_PATH).read_text()),
            account="local",
            region=REGION,
            runtimes={},
            gateways={},
            memories={"CustomerSupportMemory": _memory("CustomerSupportMemory")},
        )
    assert (shipped / AWS_TARGETS_PATH).read_text() == "[]"
    assert not (shipped / DEPLOYED_STATE_PATH).exists()
