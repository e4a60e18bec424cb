"""The validator agrees with the real ``agentcore validate`` and catches what it misses."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from helpers.kit.settings import WorkshopSettings
from helpers.model.config import CONFIG_PATH
from helpers.model.validation import (
    AT_LEAST_ONE,
    AUTH_CONFIG_NOT_ALLOWED,
    AUTH_CONFIG_REQUIRED,
    ValidationIssue,
    ValidationResult,
    validate_config,
    validate_project,
)

FIXTURES = Path(__file__).parent / "fixtures" / "agentcore-cli"
VALIDATE = FIXTURES / "validate"
SCHEMA_FILE = "app/CustomerSupport/tool/warranty_schema.json"
TOOLS = [
    {
        "name": "check_warranty_status",
        "description": "Check the warranty of a product by serial number.",
        "inputSchema": {"type": "object", "properties": {"serial_number": {"type": "string"}}},
    }
]
DELETE = object()

RT = "runtimes[0]"
JWT = f"{RT}.authorizerConfiguration.customJwtAuthorizer"
GW = "agentCoreGateways[0]"
GW_JWT = f"{GW}.authorizerConfiguration.customJwtAuthorizer"
TARGET = f"{GW}.targets[0]"
LAMBDA = f"{TARGET}.lambdaFunctionArn"
CLAIM = {
    "inboundTokenClaimName": "department",
    "inboundTokenClaimValueType": "STRING",
    "authorizingClaimMatchValue": {
        "claimMatchOperator": "EQUALS",
        "claimMatchValue": {"matchValueString": "support"},
    },
}
MATCH = f"{JWT}.customClaims[0].authorizingClaimMatchValue"
HEADER_RULE = 'Must be "Authorization" or start with "X-Amzn-Bedrock-AgentCore-Runtime-Custom-"'
LAMBDA_RULE = "Must be a Lambda function ARN (arn:aws:lambda:<region>:<account id>:function:<name>)"
RUNTIME_NAME_RULE = (
    "Must begin with a letter and contain only alphanumeric characters and underscores "
    "(max 48 chars)"
)


def make_project(root: Path, config: dict[str, Any] | str, tools: Any = TOOLS) -> Path:
    """A project folder like the CLI's: agentcore/agentcore.json plus the tool schema."""
    text = config if isinstance(config, str) else json.dumps(config, indent=2)
    (root / "agentcore").mkdir(parents=True)
    (root / CONFIG_PATH).write_text(text)
    schema = root / SCHEMA_FILE
    schema.parent.mkdir(parents=True)
    schema.write_text(tools if isinstance(tools, str) else json.dumps(tools))
    return root


def edited(base: str, edits: dict[str, Any]) -> dict[str, Any]:
    """The reference config with values set (or DELETEd) at JSON paths like ``a[0].b``."""
    config = json.loads((FIXTURES / base).read_text())
    for path, value in edits.items():
        keys: list[Any] = [int(k) if k.isdigit() else k for k in re.findall(r"[^.\[\]]+", path)]
        parent = config
        for key in keys[:-1]:
            parent = parent[key]
        if value is DELETE:
            del parent[keys[-1]]
        elif isinstance(parent, list) and keys[-1] == len(parent):
            parent.append(copy.deepcopy(value))
        else:
            parent[keys[-1]] = copy.deepcopy(value)
    return config


def found(issues: list[ValidationIssue]) -> list[tuple[str, str]]:
    return [(issue.path, issue.message) for issue in issues]


def enum_message(choices: tuple[str, ...], received: str) -> str:
    expected = " | ".join(f'"{choice}"' for choice in choices)
    return f'expected {expected}, received "{received}"'


def cli_results() -> list[list[str]]:
    rows = (VALIDATE / "RESULTS.tsv").read_text().splitlines()
    return [row.split("\t") for row in rows if row.strip()]


@pytest.mark.parametrize(
    ("name", "exit_code", "output"), cli_results(), ids=[row[0] for row in cli_results()]
)
def test_same_verdict_as_the_real_cli(
    tmp_path: Path, name: str, exit_code: str, output: str
) -> None:
    result = validate_project(make_project(tmp_path, (VALIDATE / f"{name}.json").read_text()))
    assert result.ok == (exit_code == "0")
    if result.ok:
        assert result.format() == output.strip() == "Valid"
        return
    cli_issue = re.fullmatch(r"agentcore/agentcore\.json:\s+- (\S+): (.*?)\s*", output)
    if cli_issue:
        assert found(result.issues) == [cli_issue.groups()]
        return
    # The CLI says "Invalid JSON ... at position N"; ours also gives line and column.
    position = re.search(r"at position (\d+)", output)
    assert position, output
    [issue] = result.issues
    assert issue.path == ""
    assert f"at line 18, column 7 (character {position.group(1)})" in issue.message
    assert issue.fix == "Check the end of line 17 for a missing comma."


@pytest.mark.parametrize(
    "reference",
    [
        "01_start_state.agentcore.json",
        "02_after_runtime_authorizer.agentcore.json",
        "03_after_secure_gateway.agentcore.json",
    ],
)
def test_cli_written_files_are_valid(tmp_path: Path, reference: str) -> None:
    result = validate_project(make_project(tmp_path, (FIXTURES / reference).read_text()))
    assert result.issues == []


RULES: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = [
    # Top level
    ("name type", {"name": 5}, [("name", "expected string, received number")]),
    ("name missing", {"name": DELETE}, [("name", "expected string, received undefined")]),
    ("version type", {"version": "1"}, [("version", "expected integer, received string")]),
    ("version bool", {"version": True}, [("version", "expected integer, received boolean")]),
    ("memories type", {"memories": {}}, [("memories", "expected array, received object")]),
    ("runtimes type", {"runtimes": "x"}, [("runtimes", "expected array, received string")]),
    ("runtime type", {RT: "x"}, [(RT, "expected object, received string")]),
    # Runtime fields
    ("runtime hyphen", {f"{RT}.name": "Customer-Support"}, [(f"{RT}.name", RUNTIME_NAME_RULE)]),
    ("runtime too long", {f"{RT}.name": "A" * 49}, [(f"{RT}.name", RUNTIME_NAME_RULE)]),
    (
        "build enum",
        {f"{RT}.build": "Zip"},
        [(f"{RT}.build", enum_message(("CodeZip", "Container"), "Zip"))],
    ),
    (
        "build missing",
        {f"{RT}.build": DELETE},
        [(f"{RT}.build", "expected string, received undefined")],
    ),
    (
        "entrypoint type",
        {f"{RT}.entrypoint": ["main.py"]},
        [(f"{RT}.entrypoint", "expected string, received array")],
    ),
    (
        "codeLocation empty",
        {f"{RT}.codeLocation": ""},
        [(f"{RT}.codeLocation", "codeLocation must not be empty")],
    ),
    (
        "runtimeVersion enum",
        {f"{RT}.runtimeVersion": "PYTHON_3_9"},
        [
            (
                f"{RT}.runtimeVersion",
                enum_message(tuple(f"PYTHON_3_{m}" for m in range(10, 15)), "PYTHON_3_9"),
            )
        ],
    ),
    (
        "networkMode enum",
        {f"{RT}.networkMode": "PRIVATE"},
        [(f"{RT}.networkMode", enum_message(("PUBLIC", "VPC"), "PRIVATE"))],
    ),
    (
        "protocol enum",
        {f"{RT}.protocol": "HTTPS"},
        [(f"{RT}.protocol", enum_message(("HTTP", "MCP", "A2A", "AGUI"), "HTTPS"))],
    ),
    # Header allowlist
    (
        "allowlist type",
        {f"{RT}.requestHeaderAllowlist": "Authorization"},
        [(f"{RT}.requestHeaderAllowlist", "expected array, received string")],
    ),
    (
        "allowlist entry type",
        {f"{RT}.requestHeaderAllowlist[0]": 7},
        [(f"{RT}.requestHeaderAllowlist[0]", "expected string, received number")],
    ),
    (
        "allowlist over 20",
        {
            f"{RT}.requestHeaderAllowlist": ["Authorization"]
            + [f"X-Amzn-Bedrock-AgentCore-Runtime-Custom-H{i}" for i in range(20)]
        },
        [(f"{RT}.requestHeaderAllowlist", "Maximum 20 headers allowed")],
    ),
    (
        "allowlist prefix",
        {f"{RT}.requestHeaderAllowlist[1]": "X-Tenant"},
        [(f"{RT}.requestHeaderAllowlist[1]", HEADER_RULE)],
    ),
    (
        "Authorization with AWS_IAM",
        {f"{RT}.authorizerType": "AWS_IAM", f"{RT}.authorizerConfiguration": DELETE},
        [
            (
                f"{RT}.requestHeaderAllowlist[0]",
                "Authorization may be listed only when authorizerType is CUSTOM_JWT",
            )
        ],
    ),
    (
        "Authorization with default authorizer",
        {f"{RT}.authorizerType": DELETE, f"{RT}.authorizerConfiguration": DELETE},
        [
            (
                f"{RT}.requestHeaderAllowlist[0]",
                "Authorization may be listed only when authorizerType is CUSTOM_JWT",
            )
        ],
    ),
    # Runtime authorizer
    (
        "runtime authorizer enum",
        {f"{RT}.authorizerType": "NONE"},
        [(f"{RT}.authorizerType", enum_message(("AWS_IAM", "CUSTOM_JWT"), "NONE"))],
    ),
    (
        "config without CUSTOM_JWT",
        {f"{RT}.authorizerType": "AWS_IAM", f"{RT}.requestHeaderAllowlist": DELETE},
        [(f"{RT}.authorizerConfiguration", AUTH_CONFIG_NOT_ALLOWED)],
    ),
    (
        "config without customJwtAuthorizer",
        {f"{RT}.authorizerConfiguration": {}},
        [(f"{RT}.authorizerConfiguration", AUTH_CONFIG_REQUIRED)],
    ),
    (
        "config type",
        {f"{RT}.authorizerConfiguration": "x"},
        [(f"{RT}.authorizerConfiguration", "expected object, received string")],
    ),
    ("customJwtAuthorizer type", {JWT: "x"}, [(JWT, "expected object, received string")]),
    # customJwtAuthorizer
    (
        "discoveryUrl missing",
        {f"{JWT}.discoveryUrl": DELETE},
        [(f"{JWT}.discoveryUrl", "expected string, received undefined")],
    ),
    (
        "discoveryUrl no scheme",
        {f"{JWT}.discoveryUrl": "cognito-idp.example.com/p/.well-known/openid-configuration"},
        [(f"{JWT}.discoveryUrl", "Must be a valid URL")],
    ),
    (
        "discoveryUrl with space",
        {f"{JWT}.discoveryUrl": "https://cognito idp/p/.well-known/openid-configuration"},
        [(f"{JWT}.discoveryUrl", "Must be a valid URL")],
    ),
    (
        "discoveryUrl http and no suffix",
        {f"{JWT}.discoveryUrl": "http://cognito-idp.example.com/pool"},
        [
            (f"{JWT}.discoveryUrl", "OIDC discovery URL must use HTTPS"),
            (
                f"{JWT}.discoveryUrl",
                "OIDC discovery URL must end with '/.well-known/openid-configuration'",
            ),
        ],
    ),
    (
        "allowedClients type",
        {f"{JWT}.allowedClients": "abc"},
        [(f"{JWT}.allowedClients", "expected array, received string"), (JWT, AT_LEAST_ONE)],
    ),
    (
        "allowedClients entry type",
        {f"{JWT}.allowedClients[0]": 5},
        [(f"{JWT}.allowedClients[0]", "expected non-empty string, received 5")],
    ),
    (
        "allowedAudience empty entry",
        {f"{JWT}.allowedAudience": [""]},
        [(f"{JWT}.allowedAudience[0]", 'expected non-empty string, received ""')],
    ),
    (
        "only empty lists",
        {f"{JWT}.allowedClients": [], f"{JWT}.allowedScopes": [], f"{JWT}.customClaims": []},
        [(JWT, AT_LEAST_ONE)],
    ),
    # customClaims
    (
        "claim type",
        {f"{JWT}.customClaims": [5]},
        [(f"{JWT}.customClaims[0]", "expected object, received number")],
    ),
    (
        "claim reserved name",
        {
            f"{JWT}.customClaims": [CLAIM],
            f"{JWT}.customClaims[0].inboundTokenClaimName": "client_id",
        },
        [
            (
                f"{JWT}.customClaims[0].inboundTokenClaimName",
                "Claim name cannot be a reserved name (client_id)",
            )
        ],
    ),
    (
        "claim name missing",
        {f"{JWT}.customClaims": [CLAIM], f"{JWT}.customClaims[0].inboundTokenClaimName": DELETE},
        [(f"{JWT}.customClaims[0].inboundTokenClaimName", "expected string, received undefined")],
    ),
    (
        "claim value type enum",
        {
            f"{JWT}.customClaims": [CLAIM],
            f"{JWT}.customClaims[0].inboundTokenClaimValueType": "NUMBER",
        },
        [
            (
                f"{JWT}.customClaims[0].inboundTokenClaimValueType",
                enum_message(("STRING", "STRING_ARRAY"), "NUMBER"),
            )
        ],
    ),
    (
        "claim match missing",
        {f"{JWT}.customClaims": [CLAIM], MATCH: DELETE},
        [(MATCH, "expected object, received undefined")],
    ),
    (
        "claim operator enum",
        {f"{JWT}.customClaims": [CLAIM], f"{MATCH}.claimMatchOperator": "STARTS_WITH"},
        [
            (
                f"{MATCH}.claimMatchOperator",
                enum_message(("EQUALS", "CONTAINS", "CONTAINS_ANY"), "STARTS_WITH"),
            )
        ],
    ),
    (
        "claim value neither",
        {f"{JWT}.customClaims": [CLAIM], f"{MATCH}.claimMatchValue": {}},
        [
            (
                f"{MATCH}.claimMatchValue",
                "Either matchValueString or matchValueStringList must be provided",
            )
        ],
    ),
    (
        "claim value both",
        {
            f"{JWT}.customClaims": [CLAIM],
            f"{MATCH}.claimMatchValue.matchValueStringList": ["a", "b"],
        },
        [
            (
                f"{MATCH}.claimMatchValue",
                "Only one of matchValueString or matchValueStringList may be provided",
            )
        ],
    ),
    (
        "claim string type",
        {f"{JWT}.customClaims": [CLAIM], f"{MATCH}.claimMatchValue.matchValueString": 5},
        [(f"{MATCH}.claimMatchValue.matchValueString", "expected string, received number")],
    ),
    (
        "claim list entry type",
        {
            f"{JWT}.customClaims": [CLAIM],
            f"{MATCH}.claimMatchValue": {"matchValueStringList": [1]},
        },
        [
            (
                f"{MATCH}.claimMatchValue.matchValueStringList[0]",
                "expected non-empty string, received 1",
            )
        ],
    ),
    # Gateway
    (
        "gateway name",
        {f"{GW}.name": "my_gateway"},
        [
            (
                f"{GW}.name",
                "Gateway name must be alphanumeric with optional hyphens (max 100 chars)",
            )
        ],
    ),
    (
        "gateway authorizer enum",
        {f"{GW}.authorizerType": "OAUTH"},
        [(f"{GW}.authorizerType", enum_message(("NONE", "AWS_IAM", "CUSTOM_JWT"), "OAUTH"))],
    ),
    (
        "gateway JWT without config",
        {f"{GW}.authorizerConfiguration": DELETE},
        [(f"{GW}.authorizerConfiguration", AUTH_CONFIG_REQUIRED)],
    ),
    (
        "gateway config while NONE",
        {f"{GW}.authorizerType": "NONE"},
        [(f"{GW}.authorizerConfiguration", AUTH_CONFIG_NOT_ALLOWED)],
    ),
    (
        "gateway discovery over http",
        {f"{GW_JWT}.discoveryUrl": "http://issuer.example.com/.well-known/openid-configuration"},
        [(f"{GW_JWT}.discoveryUrl", "OIDC discovery URL must use HTTPS")],
    ),
    (
        "gateway clients empty",
        {f"{GW_JWT}.allowedClients": []},
        [(GW_JWT, AT_LEAST_ONE)],
    ),
    (
        "semantic search type",
        {f"{GW}.enableSemanticSearch": "yes"},
        [(f"{GW}.enableSemanticSearch", "expected boolean, received string")],
    ),
    (
        "exception level enum",
        {f"{GW}.exceptionLevel": "ALL"},
        [(f"{GW}.exceptionLevel", enum_message(("NONE", "DEBUG"), "ALL"))],
    ),
    (
        "protocolType enum",
        {f"{GW}.protocolType": "HTTP"},
        [(f"{GW}.protocolType", enum_message(("MCP", "None"), "HTTP"))],
    ),
    (
        "description type",
        {f"{GW}.description": 1},
        [(f"{GW}.description", "expected string, received number")],
    ),
    (
        "targets missing",
        {f"{GW}.targets": DELETE},
        [(f"{GW}.targets", "expected array, received undefined")],
    ),
    # Unique names
    (
        "duplicate runtime",
        {
            "runtimes[1]": json.loads((FIXTURES / "01_start_state.agentcore.json").read_text())[
                "runtimes"
            ][0]
        },
        [("runtimes[1].name", "Duplicate agent name: CustomerSupport")],
    ),
    (
        "duplicate gateway",
        {"agentCoreGateways[1]": {"name": "my-gateway-secure", "targets": []}},
        [("agentCoreGateways[1].name", "Duplicate gateway name: my-gateway-secure")],
    ),
    (
        "duplicate target",
        {f"{GW}.targets[1]": {"name": "WarrantyCheck", "targetType": "mcpServer"}},
        [(f"{GW}.targets[1].name", "Duplicate target name: WarrantyCheck")],
    ),
    (
        "duplicate unassigned target",
        {"unassignedTargets[1]": {"name": "WarrantyCheck", "targetType": "mcpServer"}},
        [("unassignedTargets[1].name", "Duplicate unassigned target name: WarrantyCheck")],
    ),
    # Lambda targets
    (
        "target type enum",
        {f"{TARGET}.targetType": "lambdaArn"},
        [
            (
                f"{TARGET}.targetType",
                enum_message(
                    (
                        "lambda",
                        "mcpServer",
                        "openApiSchema",
                        "smithyModel",
                        "apiGateway",
                        "lambdaFunctionArn",
                        "httpRuntime",
                        "connector",
                        "passthrough",
                    ),
                    "lambdaArn",
                ),
            )
        ],
    ),
    (
        "lambda config missing",
        {LAMBDA: DELETE},
        [(LAMBDA, "lambdaFunctionArn config is required for lambdaFunctionArn target type")],
    ),
    ("lambda config type", {LAMBDA: "arn"}, [(LAMBDA, "expected object, received string")]),
    (
        "lambda arn short account",
        {f"{LAMBDA}.lambdaArn": "arn:aws:lambda:us-east-1:1234:function:warranty-check"},
        [(f"{LAMBDA}.lambdaArn", LAMBDA_RULE)],
    ),
    (
        "lambda arn other service",
        {f"{LAMBDA}.lambdaArn": "arn:aws:s3:::warranty-check"},
        [(f"{LAMBDA}.lambdaArn", LAMBDA_RULE)],
    ),
    (
        "tool schema path missing",
        {f"{LAMBDA}.toolSchemaFile": DELETE},
        [(f"{LAMBDA}.toolSchemaFile", "expected string, received undefined")],
    ),
    (
        "tool schema file absent",
        {f"{LAMBDA}.toolSchemaFile": "app/CustomerSupport/tool/nope.json"},
        [
            (
                f"{LAMBDA}.toolSchemaFile",
                "Tool schema file not found: app/CustomerSupport/tool/nope.json",
            )
        ],
    ),
    # Placeholders, which the real CLI lets through
    (
        "placeholder client",
        {f"{JWT}.allowedClients[0]": "<COGNITO_CLIENT_ID value>"},
        [(f"{JWT}.allowedClients[0]", "Unreplaced placeholder <COGNITO_CLIENT_ID value>")],
    ),
    (
        "placeholder discovery URL",
        {f"{JWT}.discoveryUrl": "<COGNITO_DISCOVERY_URL value>"},
        [(f"{JWT}.discoveryUrl", "Unreplaced placeholder <COGNITO_DISCOVERY_URL value>")],
    ),
    (
        "placeholder inside URL",
        {
            f"{GW_JWT}.discoveryUrl": "https://cognito-idp.us-east-1.amazonaws.com/"
            "<COGNITO_POOL_ID value>/.well-known/openid-configuration"
        },
        [(f"{GW_JWT}.discoveryUrl", "Unreplaced placeholder <COGNITO_POOL_ID value>")],
    ),
    (
        "placeholder ARN",
        {f"{LAMBDA}.lambdaArn": "<WARRANTY_CHECK_LAMBDA_ARN value>"},
        [(f"{LAMBDA}.lambdaArn", "Unreplaced placeholder <WARRANTY_CHECK_LAMBDA_ARN value>")],
    ),
    (
        "placeholder enum",
        {f"{RT}.runtimeVersion": "<RUNTIME_VERSION>"},
        [(f"{RT}.runtimeVersion", "Unreplaced placeholder <RUNTIME_VERSION>")],
    ),
]


@pytest.mark.parametrize(("edits", "expected"), [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_rule(tmp_path: Path, edits: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    config = edited("03_after_secure_gateway.agentcore.json", edits)
    issues = validate_config(config, make_project(tmp_path, config))
    assert found(issues) == expected
    assert all(issue.fix and issue.fix.endswith(".") for issue in issues)


@pytest.mark.parametrize(
    "edits",
    [
        {f"{JWT}.allowedClients": DELETE, f"{JWT}.allowedScopes": ["support/read"]},
        {f"{JWT}.allowedClients": DELETE, f"{JWT}.allowedAudience": ["api"]},
        {f"{JWT}.allowedClients": DELETE, f"{JWT}.customClaims": [CLAIM]},
        {
            f"{RT}.authorizerType": "AWS_IAM",
            f"{RT}.requestHeaderAllowlist": DELETE,
            f"{RT}.authorizerConfiguration": DELETE,
        },
        {f"{RT}.requestHeaderAllowlist[1]": "X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant"},
        {f"{LAMBDA}.lambdaArn": "arn:aws-cn:lambda:cn-north-1:123456789012:function:f:PROD"},
        {f"{LAMBDA}.lambdaArn": "arn:aws:lambda:us-gov-west-1:123456789012:function:f:$LATEST"},
        {f"{GW}.authorizerType": "AWS_IAM", f"{GW}.authorizerConfiguration": DELETE},
        {f"{GW}.authorizerType": DELETE, f"{GW}.authorizerConfiguration": DELETE},
        {f"{GW}.targets[1]": {"name": "Docs", "targetType": "mcpServer"}},
        {"somethingNew": {"x": 1}, f"{RT}.envVars": [{"name": "A", "value": "b"}]},
        {f"{GW}.description": "a < b and b > c"},
    ],
)
def test_valid_variants(tmp_path: Path, edits: dict[str, Any]) -> None:
    config = edited("03_after_secure_gateway.agentcore.json", edits)
    assert validate_config(config, make_project(tmp_path, config)) == []


@pytest.mark.parametrize(
    ("tools", "message"),
    [
        ("[{", f"{SCHEMA_FILE} is not valid JSON at line 1, column 3"),
        ("{}", f"{SCHEMA_FILE} must be a non-empty JSON array of tool definitions"),
        ([], f"{SCHEMA_FILE} must be a non-empty JSON array of tool definitions"),
        ([1], f"{SCHEMA_FILE}: tool [0] is not an object"),
        ([{**TOOLS[0], "name": ""}], f'{SCHEMA_FILE}: tool [0] needs a string "name"'),
        (
            [{**TOOLS[0], "description": None}],
            f'{SCHEMA_FILE}: tool [0] needs a string "description"',
        ),
        (
            [{**TOOLS[0], "inputSchema": []}],
            f'{SCHEMA_FILE}: tool [0] needs an "inputSchema" object',
        ),
        (
            [TOOLS[0], {**TOOLS[0], "inputSchema": {"type": "string"}}],
            f'{SCHEMA_FILE}: tool [1] needs "type": "object" in its inputSchema',
        ),
    ],
)
def test_tool_schema_file_must_be_a_tool_list(tmp_path: Path, tools: Any, message: str) -> None:
    config = edited("01_start_state.agentcore.json", {})
    issues = validate_config(config, make_project(tmp_path, config, tools))
    assert found(issues) == [(f"{LAMBDA}.toolSchemaFile", message)]


def test_file_checks_need_a_project_dir() -> None:
    config = edited("03_after_secure_gateway.agentcore.json", {f"{LAMBDA}.toolSchemaFile": "x"})
    assert validate_config(config) == []


def test_placeholder_fix_names_the_ssm_parameter() -> None:
    config = edited(
        "03_after_secure_gateway.agentcore.json",
        {
            f"{JWT}.allowedClients[0]": "<COGNITO_CLIENT_ID value>",
            f"{GW}.description": "<SOMETHING ELSE>",
        },
    )
    client, other = validate_config(config, value_sources=WorkshopSettings.value_sources())
    assert client.fix == (
        "Replace <COGNITO_CLIENT_ID value> with the value of SSM parameter "
        "/app/customersupport/agentcore/client_id."
    )
    assert other.fix == "Replace <SOMETHING ELSE> with the real SOMETHING ELSE."
    assert validate_config(config)[0].fix == (
        "Replace <COGNITO_CLIENT_ID value> with the real COGNITO_CLIENT_ID value."
    )


def test_authorization_fix_explains_why() -> None:
    config = edited(
        "02_after_runtime_authorizer.agentcore.json",
        {f"{RT}.authorizerType": "AWS_IAM", f"{RT}.authorizerConfiguration": DELETE},
    )
    [issue] = validate_config(config)
    assert "only once its JWT authorizer has checked the token" in issue.fix


def test_format_lists_each_issue_with_its_fix() -> None:
    result = ValidationResult(
        [
            ValidationIssue("runtimes[0].build", "expected string", "Set build."),
            ValidationIssue("", "broken", "Repair it."),
        ]
    )
    assert not result.ok
    assert result.format() == (
        "agentcore/agentcore.json:\n"
        "  - runtimes[0].build: expected string\n"
        "    fix: Set build.\n"
        "  - broken\n"
        "    fix: Repair it."
    )
    assert ValidationResult([]).format() == "Valid"


def test_missing_config_is_one_issue(tmp_path: Path) -> None:
    result = validate_project(tmp_path)
    assert found(result.issues) == [("", f"agentcore/agentcore.json not found in {tmp_path}")]
