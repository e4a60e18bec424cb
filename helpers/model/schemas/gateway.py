"""A gateway and its targets, as the CLI states them (mcp.ts), and a tool schema file.

What each target type requires, what does not apply to it and which outbound auth it
takes are the CLI's tables, restated so that each problem is worded as the CLI words it.
A Lambda target's tool schema file (mcp-defs.ts) lists the tools the Gateway serves.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from helpers.basics.i18n import N_
from helpers.model.schema import (
    Boolean,
    Choice,
    Deferred,
    Fields,
    Issue,
    ListOf,
    MapOf,
    NotChecked,
    Text,
    at_least,
    at_most,
    defaults_to,
    holds,
    is_url,
    matches,
    optional,
    rules,
)
from helpers.model.schemas.authorizer import (
    ADD_JWT_CONFIG,
    AUTHORIZER_CONFIG,
    GATEWAY_AUTHORIZER_TYPES,
    GATEWAY_JWT_REQUIRED,
)
from helpers.model.schemas.common import TAGS, UNSUPPORTED_FIX, named, non_empty

TARGET_TYPES = (
    "lambda",
    "mcpServer",
    "openApiSchema",
    "smithyModel",
    "apiGateway",
    "lambdaFunctionArn",
    "httpRuntime",
    "connector",
    "passthrough",
)

GATEWAY_NAME = named(
    r"[0-9a-zA-Z](?:[0-9a-zA-Z-]*[0-9a-zA-Z])?",
    "Gateway name must be alphanumeric with optional hyphens (max 100 chars)",
    longest=100,
)
_NON_MCP_TARGET_TYPES = ("httpRuntime", "passthrough")
# What each target type needs and what does not apply to it (mcp.ts superRefine).
_REQUIRED_CONFIG = {
    "apiGateway": ("apiGateway", "apiGateway config is required for apiGateway target type"),
    "openApiSchema": ("schemaSource", "openApiSchema targets require a schemaSource."),
    "smithyModel": ("schemaSource", "smithyModel targets require a schemaSource."),
    "lambdaFunctionArn": (
        "lambdaFunctionArn",
        "lambdaFunctionArn config is required for lambdaFunctionArn target type",
    ),
    "httpRuntime": (
        "httpRuntime",
        "httpRuntime targets require an httpRuntime configuration (with a runtime reference).",
    ),
    "passthrough": (
        "passthrough",
        "passthrough targets require a passthrough configuration (with an endpoint).",
    ),
    "connector": ("connectorId", "connectorId is required for connector target type"),
}
_NOT_APPLICABLE = {
    "apiGateway": ("compute", "endpoint", "toolDefinitions", "lambdaFunctionArn"),
    "openApiSchema": ("compute", "endpoint", "toolDefinitions", "apiGateway"),
    "smithyModel": ("compute", "endpoint", "toolDefinitions", "apiGateway"),
    "lambdaFunctionArn": ("compute", "endpoint", "apiGateway", "outboundAuth", "toolDefinitions"),
    "mcpServer": ("apiGateway", "lambdaFunctionArn"),
    "httpRuntime": ("endpoint", "compute", "apiGateway", "lambdaFunctionArn", "toolDefinitions"),
    "passthrough": (
        "endpoint",
        "compute",
        "apiGateway",
        "lambdaFunctionArn",
        "httpRuntime",
        "toolDefinitions",
    ),
    "connector": (
        "compute",
        "endpoint",
        "toolDefinitions",
        "apiGateway",
        "lambdaFunctionArn",
        "schemaSource",
        "httpRuntime",
        "passthrough",
    ),
}
_SPECIAL_WORDING = {
    ("apiGateway", "toolDefinitions"): "toolDefinitions is not applicable for apiGateway target "
    "type (tools are auto-discovered)",
    ("lambdaFunctionArn", "toolDefinitions"): "toolDefinitions is not applicable for "
    "lambdaFunctionArn target type (tools are defined via toolSchemaFile)",
    ("httpRuntime", "endpoint"): "httpRuntime targets should use httpRuntime.runtimeEndpoint "
    "instead of endpoint.",
    ("passthrough", "endpoint"): "passthrough targets should use passthrough.endpoint instead "
    "of endpoint.",
    ("openApiSchema", "apiGateway"): "apiGateway config is not applicable for openApiSchema "
    "target type",
    ("smithyModel", "apiGateway"): "apiGateway config is not applicable for smithyModel target "
    "type",
}
# Outbound auth each target type accepts: (required, valid types) (TARGET_TYPE_AUTH_CONFIG).
_OUTBOUND_AUTH = {
    "openApiSchema": (True, ("OAUTH", "API_KEY")),
    "smithyModel": (False, ()),
    "apiGateway": (False, ("API_KEY", "NONE")),
    "mcpServer": (False, ("OAUTH", "NONE")),
    "lambda": (False, ("OAUTH", "NONE")),
    "lambdaFunctionArn": (False, ("OAUTH", "NONE")),
    "httpRuntime": (False, ("OAUTH", "NONE")),
    "connector": (False, ()),
    "passthrough": (True, ("GATEWAY_IAM_ROLE", "OAUTH", "JWT_PASSTHROUGH")),
}


def _applies(target: dict[str, Any], key: str) -> bool:
    """Whether the CLI sees ``key`` as set: JavaScript truthiness, and a non-empty list for
    the two lists it measures."""
    value = target.get(key)
    if key in ("toolDefinitions", "configurations"):
        return bool(value)
    return value not in (None, False, 0, "")


def _target_rules(target: dict[str, Any]) -> Iterator[Issue]:
    kind = target["targetType"]
    required = _REQUIRED_CONFIG.get(kind)
    if required and not _applies(target, required[0]):
        yield Issue((required[0],), required[1])
    if kind == "mcpServer" and not _applies(target, "compute") and not _applies(target, "endpoint"):
        yield Issue(
            (), "MCP Server targets require either an endpoint URL or compute configuration."
        )
    for key in _NOT_APPLICABLE.get(kind, ()):
        if _applies(target, key):
            message = _SPECIAL_WORDING.get((kind, key))
            yield Issue((key,), message or f"{key} is not applicable for {kind} target type")
    if kind == "lambda":
        if not _applies(target, "compute"):
            yield Issue(("compute",), "Lambda targets require compute configuration.")
        if not target.get("toolDefinitions"):
            yield Issue(
                ("toolDefinitions",), "Lambda targets require at least one tool definition."
            )
    if kind != "connector":
        for key in ("connectorId", "configurations"):
            if _applies(target, key):
                yield Issue((key,), f"{key} only applies to connector target type")
    auth_required, valid = _OUTBOUND_AUTH[kind]
    auth = target.get("outboundAuth", {})
    auth_type = auth.get("type", "NONE")
    if auth_required and auth_type == "NONE":
        yield Issue(
            ("outboundAuth",),
            f"{kind} targets require outbound auth ({' or '.join(valid)})",
        )
    if not valid and auth_type != "NONE":
        yield Issue(
            ("outboundAuth",), f"{kind} targets use IAM role auth; outboundAuth is not applicable"
        )
    if valid and auth_type != "NONE" and auth_type not in valid:
        yield Issue(("outboundAuth",), f"{kind} targets do not support {auth_type} outbound auth")
    if (
        auth
        and auth_type not in ("NONE", "GATEWAY_IAM_ROLE", "JWT_PASSTHROUGH")
        and not auth.get("credentialName")
    ):
        yield Issue(
            ("outboundAuth", "credentialName"),
            f"{auth_type} outbound auth requires a credentialName.",
        )
    if kind == "passthrough" and auth_type == "GATEWAY_IAM_ROLE" and not auth.get("service"):
        yield Issue(
            ("outboundAuth", "service"),
            "GATEWAY_IAM_ROLE outbound auth on passthrough targets requires a service name.",
        )
    if auth_type == "JWT_PASSTHROUGH" and kind != "passthrough":
        yield Issue(
            ("outboundAuth", "type"),
            "JWT_PASSTHROUGH outbound auth is only valid for passthrough targets.",
        )


TARGET = Fields(
    {
        "name": non_empty(),
        "targetType": Choice(*TARGET_TYPES),
        "toolDefinitions": optional(NotChecked(N_("Inline tool definitions"), UNSUPPORTED_FIX)),
        "compute": optional(NotChecked(N_("Target compute configurations"), UNSUPPORTED_FIX)),
        "endpoint": optional(Text(is_url("Invalid URL"))),
        "outboundAuth": optional(
            Fields(
                {
                    "type": defaults_to(
                        Choice("OAUTH", "API_KEY", "NONE", "GATEWAY_IAM_ROLE", "JWT_PASSTHROUGH"),
                        "NONE",
                    ),
                    "credentialName": optional(non_empty()),
                    "scopes": optional(ListOf(Text())),
                    "service": optional(Text(at_least(1), at_most(64))),
                    "region": optional(Text(at_least(1), at_most(32))),
                },
                strict=True,
            )
        ),
        "apiGateway": optional(NotChecked(N_("API Gateway targets"), UNSUPPORTED_FIX)),
        "schemaSource": optional(NotChecked(N_("Schema-based targets"), UNSUPPORTED_FIX)),
        "lambdaFunctionArn": optional(
            Fields(
                {
                    "lambdaArn": Text(at_least(1), at_most(170)),
                    "toolSchemaFile": non_empty(),
                },
                strict=True,
            )
        ),
        "httpRuntime": optional(
            Fields(
                {"runtime": non_empty(), "runtimeEndpoint": optional(non_empty())},
                strict=True,
            )
        ),
        "connectorId": optional(Choice("bedrock-knowledge-bases", "web-search")),
        "configurations": optional(NotChecked(N_("Connector configurations"), UNSUPPORTED_FIX)),
        "passthrough": optional(NotChecked(N_("Passthrough targets"), UNSUPPORTED_FIX)),
    },
    rules(_target_rules),
    strict=True,
)


def _gateway_rules(gateway: dict[str, Any]) -> Iterator[Issue]:
    for target in gateway["targets"]:
        if gateway.get("protocolType") != "None" and target["targetType"] in _NON_MCP_TARGET_TYPES:
            yield Issue(
                (),
                f'Target "{target["name"]}" is {target["targetType"]} but gateway does not have '
                'protocolType: "None". Add --protocol-type None when creating the gateway.',
            )


GATEWAY = Fields(
    {
        "name": GATEWAY_NAME,
        "resourceName": optional(GATEWAY_NAME),
        "protocolType": optional(Choice("MCP", "None")),
        "description": optional(Text()),
        "targets": ListOf(TARGET),
        "authorizerType": defaults_to(Choice(*GATEWAY_AUTHORIZER_TYPES), "NONE"),
        "authorizerConfiguration": optional(AUTHORIZER_CONFIG),
        "enableSemanticSearch": defaults_to(Boolean(), True),
        "exceptionLevel": defaults_to(Choice("NONE", "DEBUG"), "NONE"),
        "policyEngineConfiguration": optional(
            Fields(
                {"policyEngineName": non_empty(), "mode": Choice("LOG_ONLY", "ENFORCE")},
                strict=True,
            )
        ),
        "executionRoleArn": optional(
            Text(
                matches(r"arn:[^:]+:iam::\d{12}:role/.+", "Must be a valid IAM role ARN"),
                at_most(2048),
            )
        ),
        "tags": optional(TAGS),
    },
    holds(
        lambda gateway: (
            gateway["authorizerType"] != "CUSTOM_JWT"
            or bool(gateway.get("authorizerConfiguration", {}).get("customJwtAuthorizer"))
        ),
        GATEWAY_JWT_REQUIRED,
        path=("authorizerConfiguration",),
        fix=ADD_JWT_CONFIG,
    ),
    rules(_gateway_rules),
    strict=True,
)

# A Lambda target's tool schema file (mcp-defs.ts): what the Gateway lists as tools

SCHEMA_DEFINITION = Deferred()
SCHEMA_DEFINITION.target = Fields(
    {
        "type": Choice("string", "number", "object", "array", "boolean", "integer"),
        "description": optional(Text()),
        "items": optional(SCHEMA_DEFINITION),
        "properties": optional(MapOf(Text(), SCHEMA_DEFINITION)),
        "required": optional(ListOf(Text())),
    },
    strict=False,
)
TOOL_SCHEMA = ListOf(
    Fields(
        {
            "name": Text(at_least(1), at_most(128)),
            "description": non_empty(),
            "inputSchema": SCHEMA_DEFINITION,
            "outputSchema": optional(SCHEMA_DEFINITION),
        },
        # MCP lists a tool's arguments as one JSON object.
        holds(
            lambda tool: tool["inputSchema"]["type"] == "object",
            'inputSchema must have "type": "object"',
            path=("inputSchema", "type"),
            fix=N_('Describe the arguments as {"type": "object", "properties": {...}}.'),
        ),
        strict=True,
    ),
    at_least(1, "Tool schema file must contain at least one tool definition", kind="array"),
)
