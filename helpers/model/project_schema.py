"""The rules of the real CLI's files, as ``agentcore`` 0.30.0 states them.

``agentcore validate`` checks three files of a project, in this order, and stops at the
first that fails: ``agentcore/agentcore.json`` (:data:`PROJECT`),
``agentcore/aws-targets.json`` (:data:`AWS_TARGETS`) and, once a deploy wrote it,
``agentcore/.cli/deployed-state.json`` (:func:`deployed_state`). The schemas below
restate the CLI's, built from :mod:`helpers.model.schema` so that a problem is found
where the CLI finds it and worded as the CLI words it.

The part of the project a workshop touches is modelled in full: the project's own keys
and tags, runtimes, memories, gateways and their targets, authorizers. The resource kinds
it does not use (credentials, evaluators, harnesses, ...) are refused by a workshop
check (:class:`~helpers.model.schema.NotChecked`) rather than waved through unchecked,
so the kit never calls valid a file the CLI would refuse.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from helpers.basics.i18n import N_, _
from helpers.model import headers
from helpers.model.names import WELL_KNOWN_SUFFIX
from helpers.model.schema import (
    Anything,
    Boolean,
    Choice,
    Deferred,
    Fields,
    Issue,
    ListOf,
    MapOf,
    NotChecked,
    Number,
    OneOf,
    Schema,
    Text,
    at_least,
    at_most,
    defaults_to,
    holds,
    is_tag_text,
    is_url,
    matches,
    optional,
    rules,
    unique,
)

AUTH_CONFIG_REQUIRED = (
    "authorizerConfiguration with customJwtAuthorizer is required when authorizerType is CUSTOM_JWT"
)
AUTH_CONFIG_NOT_ALLOWED = (
    "authorizerConfiguration is only allowed when authorizerType is CUSTOM_JWT"
)
GATEWAY_JWT_REQUIRED = (
    "customJwtAuthorizer configuration is required when authorizerType is CUSTOM_JWT"
)
AT_LEAST_ONE = (
    "At least one of allowedAudience, allowedClients, allowedScopes, or customClaims "
    "must be provided"
)
NOT_IN_AWS_TARGETS = "Deployed state contains target names not present in aws-targets"
UNSUPPORTED_FIX = N_(
    "Remove it: the workshop kit and the local stack model runtimes, memories and gateways "
    "only "
    "(validate a project that uses it with the real `agentcore validate`)."
)
RESERVED_PROJECT_NAMES = frozenset(
    [
        "anthropic",
        "autogen",
        "autogenagentchat",
        "autogenext",
        "bedrock",
        "bedrockagentcore",
        "googleadk",
        "googlegenerativeai",
        "langchain",
        "langchainanthropic",
        "langchainaws",
        "langchaingooglegenai",
        "langchainmcpadapters",
        "langchainopenai",
        "langgraph",
        "mcp",
        "openai",
        "openaiagents",
        "strands",
        "strandsagents",
        "strandsagentstools",
        "agui",
        "aguistrands",
        "aguilanggraph",
        "aguiadk",
        "aguiprotocol",
        "vercelai",
        "aisdk",
        "httpx",
        "pytest",
        "pytestasyncio",
        "pythondotenv",
        "hatchling",
        "setuptools",
        "wheel",
        "awsopentelemetrydistro",
        "boto3",
        "botocore",
        "test",
        "tests",
        "src",
        "lib",
        "dist",
        "build",
        "env",
        "venv",
        "site",
        "pip",
        "uv",
    ]
)
REGIONS = (
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "us-gov-west-1",
)
PYTHON_VERSIONS = tuple(f"PYTHON_3_{minor}" for minor in range(10, 15))
NODE_VERSIONS = ("NODE_18", "NODE_20", "NODE_22")
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
GATEWAY_AUTHORIZER_TYPES = ("NONE", "AWS_IAM", "CUSTOM_JWT")
RUNTIME_AUTHORIZER_TYPES = ("AWS_IAM", "CUSTOM_JWT")


def non_empty(message: str | None = None) -> Text:
    return Text(at_least(1, message))


def named(pattern: str, message: str, *, required: str | None = None, longest: int) -> Text:
    """A name: required, at most ``longest`` characters, matching ``pattern``."""
    return Text(at_least(1, required), at_most(longest), matches(pattern, message))


# Tags (primitives/tags.ts)

TAG_KEY = Text(
    at_least(1, "Tag key is required"),
    at_most(128, "Tag key must be 128 characters or less"),
    holds(is_tag_text, "Tag key contains invalid characters"),
    holds(
        lambda key: bool(key.strip()), "Tag key must contain at least one non-whitespace character"
    ),
    holds(lambda key: not key.startswith("aws:"), 'Tag keys starting with "aws:" are reserved'),
)
TAGS = MapOf(
    TAG_KEY,
    Text(
        at_most(256, "Tag value must be 256 characters or less"),
        holds(is_tag_text, "Tag value contains invalid characters"),
    ),
    holds(lambda tags: len(tags) <= 50, "Maximum 50 tags per resource"),
)

# Authorizers (auth.ts)

CLAIM_MATCH_VALUE = Fields(
    {
        "matchValueString": optional(
            Text(
                at_least(1),
                at_most(255),
                matches(r"[A-Za-z0-9_.-]+", "Match value must match [A-Za-z0-9_.-]+"),
            )
        ),
        "matchValueStringList": optional(
            ListOf(
                Text(
                    at_least(1),
                    at_most(255),
                    matches(r"[A-Za-z0-9_.-]+", "Each match value must match [A-Za-z0-9_.-]+"),
                ),
                at_least(1, kind="array"),
                at_most(255, kind="array"),
            )
        ),
    },
    holds(
        lambda value: "matchValueString" in value or "matchValueStringList" in value,
        "Either matchValueString or matchValueStringList must be provided",
        fix=N_(
            'Give exactly one of "matchValueString": "..." (EQUALS, CONTAINS) or '
            '"matchValueStringList": ["..."] (CONTAINS_ANY).'
        ),
    ),
    holds(
        lambda value: not ("matchValueString" in value and "matchValueStringList" in value),
        "Only one of matchValueString or matchValueStringList may be provided",
        fix=N_(
            'Keep "matchValueString" for EQUALS and CONTAINS, or "matchValueStringList" for '
            "CONTAINS_ANY, not both."
        ),
    ),
    strict=False,
)
CUSTOM_CLAIM = Fields(
    {
        "inboundTokenClaimName": Text(
            at_least(1),
            at_most(255),
            matches(r"[A-Za-z0-9_.:-]+", "Claim name must match [A-Za-z0-9_.-:]+"),
            holds(
                lambda name: name != "client_id",
                "Claim name cannot be a reserved name (client_id)",
                fix=N_("Match the client id with allowedClients instead of a custom claim."),
            ),
        ),
        "inboundTokenClaimValueType": Choice("STRING", "STRING_ARRAY"),
        "authorizingClaimMatchValue": Fields(
            {
                "claimMatchOperator": Choice("EQUALS", "CONTAINS", "CONTAINS_ANY"),
                "claimMatchValue": CLAIM_MATCH_VALUE,
            },
            strict=False,
        ),
    },
    strict=True,
)


def _some_list(jwt: dict[str, Any]) -> bool:
    return any(
        jwt.get(key)
        for key in ("allowedAudience", "allowedClients", "allowedScopes", "customClaims")
    )


CUSTOM_JWT = Fields(
    {
        "discoveryUrl": Text(
            is_url("Must be a valid URL"),
            holds(
                lambda url: url.startswith("https://"),
                "OIDC discovery URL must use HTTPS",
                fix=N_(
                    "Start the URL with https://: the discovery document names the token "
                    "signing keys, so it must not travel over plain HTTP."
                ),
            ),
            holds(
                lambda url: url.endswith(WELL_KNOWN_SUFFIX),
                f"OIDC discovery URL must end with '{WELL_KNOWN_SUFFIX}'",
                # The suffix is spelt out: a translator sees the whole sentence.
                fix=N_(
                    "Append /.well-known/openid-configuration to the issuer URL (the discovery "
                    "URL, not the issuer or the JWKS URL, goes here)."
                ),
            ),
        ),
        "allowedAudience": optional(ListOf(non_empty())),
        "allowedClients": optional(ListOf(non_empty())),
        "allowedScopes": optional(
            ListOf(
                Text(
                    at_least(1),
                    at_most(255),
                    matches(
                        r"[\x21\x23-\x5B\x5D-\x7E]+",
                        "Scope must be printable ASCII with no spaces or quotes",
                        fix=N_(
                            'Give each scope as its own entry, like ["customersupport/invoke"], '
                            "without spaces or quotes."
                        ),
                    ),
                )
            )
        ),
        "customClaims": optional(ListOf(CUSTOM_CLAIM, at_least(1, kind="array"))),
        "privateEndpoint": optional(NotChecked(N_("Private endpoints"), UNSUPPORTED_FIX)),
        "privateEndpointOverrides": optional(NotChecked(N_("Private endpoints"), UNSUPPORTED_FIX)),
    },
    holds(
        _some_list,
        AT_LEAST_ONE,
        fix=N_(
            'Add the Cognito app client id to allowedClients, like "allowedClients": '
            '["<client id>"].'
        ),
    ),
    strict=True,
)
AUTHORIZER_CONFIG = Fields({"customJwtAuthorizer": optional(CUSTOM_JWT)}, strict=False)

# Runtimes (agent-env.ts)

ENV_VAR_NAME = Text(
    at_least(1),
    at_most(255),
    matches(
        r"[A-Za-z_][A-Za-z0-9_]*",
        "Must start with a letter or underscore, contain only letters, digits, and underscores",
    ),
)
RESERVED_BUILD_ARGS = (
    "ECR_REGISTRY",
    "IMAGE_URI",
    "DOCKERFILE_PATH",
    "BUILD_ARG_FLAGS",
    "PATH",
    "HOME",
    "IFS",
    "LD_PRELOAD",
    "LD_LIBRARY_PATH",
    "DOCKER_HOST",
    "DOCKER_CONFIG",
    "DOCKER_TLS_VERIFY",
    "DOCKER_CERT_PATH",
)
_ID = r"(?:[0-9a-f]{8}|[0-9a-f]{17})"


def _dockerfile_ok(path: str) -> bool:
    return (
        re.fullmatch(r"[A-Za-z0-9._/-]+", path) is not None
        and not path.startswith("/")
        and all(part not in ("", "..") for part in path.split("/"))
    )


_ADD_JWT_CONFIG = N_(
    'Add "authorizerConfiguration": {"customJwtAuthorizer": {"discoveryUrl": ..., '
    '"allowedClients": [...]}} with the Cognito discovery URL and app client id.'
)


def _header_check(name: str) -> list[Issue]:
    problem = headers.cli_problem(name)
    if problem is None:
        return []
    if not headers.NAME.fullmatch(name):
        fix = _("Spell the header name with letters, digits, - and _ only.")
    else:
        fix = _(
            "Rename the header (x-amz-* and x-amzn-* names are AWS's own), for example to "
            "{prefix}<name>, or remove it from requestHeaderAllowlist.",
            prefix=headers.CUSTOM_PREFIX,
        )
    return [Issue((), problem, "header", fix=fix)]


def _lifetime() -> Number:
    return Number(at_least(60, kind="number"), at_most(28800, kind="number"), integer=True)


def _runtime_rules(runtime: dict[str, Any]) -> Iterator[Issue]:
    vpc = runtime.get("networkMode") == "VPC"
    if vpc and "networkConfig" not in runtime:
        yield Issue(("networkConfig",), "networkConfig is required when networkMode is VPC")
    if not vpc and "networkConfig" in runtime:
        yield Issue(("networkConfig",), "networkConfig is only allowed when networkMode is VPC")
    groups = runtime.get("networkConfig", {}).get("securityGroups", [])
    if vpc and runtime.get("build") == "Container" and len(groups) > 5:
        yield Issue(
            ("networkConfig", "securityGroups"),
            "Container builds in VPC mode allow at most 5 security groups (CodeBuild limit)",
        )
    jwt = runtime.get("authorizerConfiguration", {}).get("customJwtAuthorizer")
    if runtime.get("authorizerType") == "CUSTOM_JWT" and not jwt:
        yield Issue(("authorizerConfiguration",), AUTH_CONFIG_REQUIRED, fix=_(_ADD_JWT_CONFIG))
    if runtime.get("authorizerType") != "CUSTOM_JWT" and "authorizerConfiguration" in runtime:
        yield Issue(
            ("authorizerConfiguration",),
            AUTH_CONFIG_NOT_ALLOWED,
            fix=_(
                'Set "authorizerType": "CUSTOM_JWT" so the JWT check is actually on, or '
                "delete authorizerConfiguration."
            ),
        )
    for key in ("dockerfile", "buildContextPath", "customDockerBuildArgs"):
        if runtime.get("build") != "Container" and runtime.get(key):
            yield Issue((key,), f"{key} is only allowed for Container builds")
    for key in runtime.get("customDockerBuildArgs", {}):
        if key in RESERVED_BUILD_ARGS or key.startswith(("CODEBUILD_", "AWS_")):
            yield Issue(
                ("customDockerBuildArgs", key),
                f'customDockerBuildArgs key "{key}" is reserved by the build environment '
                f"(must not be {', '.join(RESERVED_BUILD_ARGS)}, or start with CODEBUILD_ "
                "or AWS_)",
            )


RUNTIME = Fields(
    {
        "name": named(
            r"[a-zA-Z][a-zA-Z0-9_]{0,47}",
            "Must begin with a letter and contain only alphanumeric characters and "
            "underscores (max 48 chars)",
            required="Name is required",
            longest=48,
        ),
        "description": optional(Text(at_most(200))),
        "build": Choice("CodeZip", "Container"),
        "entrypoint": Text(
            at_least(1),
            matches(
                r"[a-zA-Z0-9_][a-zA-Z0-9_/.-]*\.(py|ts|js)(:[a-zA-Z_][a-zA-Z0-9_]*)?",
                "Must be a Python (.py) or TypeScript (.ts/.js) file path with optional "
                'handler (e.g., "main.py:handler" or "index.ts")',
            ),
        ),
        "codeLocation": non_empty(),
        "dockerfile": optional(
            Text(
                at_least(1),
                at_most(255),
                holds(
                    _dockerfile_ok,
                    "Must be a relative path within the build context: a filename or "
                    "forward-slash subpath using only letters, digits, dot, dash, underscore, "
                    'and slash; no leading slash, no ".." traversal, and no empty segments '
                    "(no trailing or double slash)",
                ),
            )
        ),
        "buildContextPath": optional(non_empty()),
        "customDockerBuildArgs": optional(
            MapOf(
                ENV_VAR_NAME,
                Text(
                    at_most(4096, "Build arg values must be at most 4096 characters"),
                    holds(
                        lambda value: not any(ord(c) < 0x20 or ord(c) == 0x7F for c in value),
                        "Build arg values must not contain control characters (including newlines)",
                    ),
                ),
            )
        ),
        "runtimeVersion": optional(OneOf(Choice(*PYTHON_VERSIONS), Choice(*NODE_VERSIONS))),
        "envVars": optional(ListOf(Fields({"name": ENV_VAR_NAME, "value": Text()}, strict=False))),
        "networkMode": optional(Choice("PUBLIC", "VPC")),
        "networkConfig": optional(
            Fields(
                {
                    "subnets": ListOf(
                        Text(matches(f"subnet-{_ID}", "Must be a subnet id (subnet-...)")),
                        at_least(1, kind="array"),
                        at_most(16, kind="array"),
                    ),
                    "securityGroups": ListOf(
                        Text(matches(f"sg-{_ID}", "Must be a security group id (sg-...)")),
                        at_least(1, kind="array"),
                        at_most(16, kind="array"),
                    ),
                    "vpcId": optional(Text(matches(f"vpc-{_ID}", "Must be a VPC id (vpc-...)"))),
                },
                strict=False,
            )
        ),
        "instrumentation": optional(
            Fields({"enableOtel": defaults_to(Boolean(), True)}, strict=False)
        ),
        "protocol": optional(Choice("HTTP", "MCP", "A2A", "AGUI")),
        "requestHeaderAllowlist": optional(
            ListOf(
                Text(_header_check),
                at_most(
                    headers.MAX_HEADERS,
                    f"Maximum {headers.MAX_HEADERS} headers allowed",
                    kind="array",
                ),
            )
        ),
        "executionRoleArn": optional(Text()),
        "additionalPolicies": optional(ListOf(non_empty())),
        "authorizerType": optional(Choice(*RUNTIME_AUTHORIZER_TYPES)),
        "authorizerConfiguration": optional(AUTHORIZER_CONFIG),
        "tags": optional(TAGS),
        "lifecycleConfiguration": optional(
            Fields(
                {
                    "idleRuntimeSessionTimeout": optional(_lifetime()),
                    "maxLifetime": optional(_lifetime()),
                },
                holds(
                    lambda life: (
                        life.get("idleRuntimeSessionTimeout", 0)
                        <= life.get("maxLifetime", float("inf"))
                    ),
                    "idleRuntimeSessionTimeout must be <= maxLifetime",
                    path=("idleRuntimeSessionTimeout",),
                ),
                strict=False,
            )
        ),
        "filesystemConfigurations": optional(
            NotChecked(N_("Filesystem configurations"), UNSUPPORTED_FIX)
        ),
        "endpoints": optional(
            MapOf(
                named(
                    r"[a-zA-Z][a-zA-Z0-9_]{0,47}",
                    "Must begin with a letter and contain only alphanumeric characters and "
                    "underscores (max 48 chars)",
                    required="Endpoint name is required",
                    longest=48,
                ),
                Fields(
                    {
                        "version": Number(at_least(1, kind="number"), integer=True),
                        "description": optional(Text(at_most(200))),
                    },
                    strict=False,
                ),
            )
        ),
        "connections": optional(NotChecked(N_("Runtime connections"), UNSUPPORTED_FIX)),
        "capacityProviderConfiguration": optional(
            NotChecked(N_("Capacity providers"), UNSUPPORTED_FIX)
        ),
    },
    rules(_runtime_rules),
    strict=False,
)

# Gateways and their targets (mcp.ts)

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
        fix=_ADD_JWT_CONFIG,
    ),
    rules(_gateway_rules),
    strict=True,
)

# Memories (agentcore-project.ts MemorySchema, primitives/memory.ts)

MEMORY_STRATEGY_TYPES = ("SEMANTIC", "SUMMARIZATION", "USER_PREFERENCE", "EPISODIC")
_NAME_RULE = (
    "Must begin with a letter and contain only alphanumeric characters and underscores "
    "(max 48 chars)"
)


def _both(first: str, second: str) -> Callable[[dict[str, Any]], bool]:
    """Whether a strategy does not give both spellings of one list (zod ``refine``)."""
    return lambda strategy: not (strategy.get(first) and strategy.get(second))


def _episodic_reflection(strategy: dict[str, Any]) -> bool:
    reflection = strategy.get("reflectionNamespaceTemplates", strategy.get("reflectionNamespaces"))
    return strategy["type"] != "EPISODIC" or bool(reflection)


def _reflection_prefixes(strategy: dict[str, Any]) -> bool:
    reflection = strategy.get("reflectionNamespaceTemplates", strategy.get("reflectionNamespaces"))
    templates = strategy.get("namespaceTemplates", strategy.get("namespaces"))
    if strategy["type"] != "EPISODIC" or not reflection or not templates:
        return True
    return all(any(ns.startswith(ref) for ns in templates) for ref in reflection)


MEMORY_STRATEGY = Fields(
    {
        "type": Choice(*MEMORY_STRATEGY_TYPES),
        "name": optional(named(r"[a-zA-Z][a-zA-Z0-9_]{0,47}", _NAME_RULE, longest=48)),
        "description": optional(Text()),
        "namespaceTemplates": optional(ListOf(Text())),
        "namespaces": optional(ListOf(Text())),
        "reflectionNamespaceTemplates": optional(ListOf(Text())),
        "reflectionNamespaces": optional(ListOf(Text())),
    },
    holds(
        _both("namespaces", "namespaceTemplates"),
        "'namespaces' and 'namespaceTemplates' are mutually exclusive. Prefer "
        "'namespaceTemplates' ('namespaces' is deprecated).",
        path=("namespaceTemplates",),
    ),
    holds(
        _both("reflectionNamespaces", "reflectionNamespaceTemplates"),
        "'reflectionNamespaces' and 'reflectionNamespaceTemplates' are mutually exclusive. "
        "Prefer 'reflectionNamespaceTemplates' ('reflectionNamespaces' is deprecated).",
        path=("reflectionNamespaceTemplates",),
    ),
    holds(
        lambda strategy: (
            strategy["type"] == "EPISODIC"
            or (
                "reflectionNamespaceTemplates" not in strategy
                and "reflectionNamespaces" not in strategy
            )
        ),
        "'reflectionNamespaceTemplates' is only allowed on EPISODIC strategies",
        path=("reflectionNamespaceTemplates",),
    ),
    holds(
        _episodic_reflection,
        "EPISODIC strategy requires reflectionNamespaceTemplates",
        path=("reflectionNamespaceTemplates",),
    ),
    holds(
        _reflection_prefixes,
        "Each reflectionNamespaceTemplate must be a prefix of at least one namespaceTemplate",
        path=("reflectionNamespaceTemplates",),
    ),
    strict=False,
)
INDEXED_KEY = Fields(
    {
        "key": Text(
            at_least(1),
            at_most(128),
            matches(
                r"[a-zA-Z0-9\s._:/=+@-]+",
                "Must contain only alphanumeric characters, whitespace, or the symbols "
                ". _ : / = + @ -",
            ),
            holds(lambda key: bool(key.strip()), "Key cannot be only whitespace"),
        ),
        "type": Choice("STRING", "STRINGLIST", "NUMBER"),
    },
    strict=False,
)
MEMORY = Fields(
    {
        "name": named(
            r"[a-zA-Z][a-zA-Z0-9_]{0,47}", _NAME_RULE, required="Name is required", longest=48
        ),
        "eventExpiryDuration": Number(
            at_least(3, kind="number"), at_most(365, kind="number"), integer=True
        ),
        "strategies": defaults_to(
            ListOf(
                MEMORY_STRATEGY,
                unique(
                    lambda strategy: strategy["type"],
                    lambda kind: f"Duplicate memory strategy type: {kind}",
                ),
            ),
            [],
        ),
        "indexedKeys": optional(
            ListOf(
                INDEXED_KEY,
                at_most(10, kind="array"),
                unique(lambda entry: entry["key"], lambda key: f"Duplicate indexed key: {key}"),
            )
        ),
        "tags": optional(TAGS),
        "encryptionKeyArn": optional(Text()),
        "executionRoleArn": optional(Text()),
        "streamDeliveryResources": optional(
            NotChecked(N_("Memory stream delivery resources"), UNSUPPORTED_FIX)
        ),
    },
    holds(
        lambda memory: not memory.get("indexedKeys") or bool(memory["strategies"]),
        "indexedKeys requires at least one memory strategy (long-term memory)",
        path=("indexedKeys",),
    ),
    strict=False,
)

# The project (agentcore-project.ts)

PROJECT_NAME = Text(
    at_least(1, "Project name is required"),
    at_most(23, "Project name must be 23 characters or less"),
    matches(
        r"[A-Za-z][A-Za-z0-9]{0,22}",
        "Project name must start with a letter and contain only alphanumeric characters",
    ),
    holds(
        lambda name: name.lower() not in RESERVED_PROJECT_NAMES,
        "This name conflicts with a reserved package dependency. Please choose a different name.",
    ),
)


def _named_list(item: Schema, what: str) -> ListOf:
    return ListOf(
        item, unique(lambda entry: entry["name"], lambda name: f"Duplicate {what} name: {name}")
    )


def _project_rules(project: dict[str, Any]) -> Iterator[Issue]:
    """Cross-references the CLI checks among what the kit models: httpRuntime targets."""
    runtimes = {runtime["name"]: runtime for runtime in project["runtimes"]}
    for gateway in project["agentCoreGateways"]:
        for target in gateway["targets"]:
            reference = (
                target.get("httpRuntime", {}) if target["targetType"] == "httpRuntime" else {}
            )
            name, endpoint = reference.get("runtime"), reference.get("runtimeEndpoint")
            where = f'Gateway "{gateway["name"]}" target "{target["name"]}" references'
            if name and name not in runtimes:
                yield Issue((), f'{where} unknown runtime "{name}". Check spec.runtimes.')
            elif name and endpoint not in (None, "DEFAULT", *runtimes[name].get("endpoints", {})):
                yield Issue(
                    (), f'{where} endpoint "{endpoint}" which does not exist on runtime "{name}".'
                )


def _not_modelled(what: str) -> ListOf:
    return ListOf(NotChecked(what, UNSUPPORTED_FIX))


PROJECT = Fields(
    {
        "$schema": optional(Text()),
        "name": PROJECT_NAME,
        "version": Number(at_least(1, kind="number"), integer=True),
        "managedBy": defaults_to(Choice("CDK"), "CDK"),
        "tags": optional(TAGS),
        "runtimes": defaults_to(_named_list(RUNTIME, "agent"), []),
        "memories": defaults_to(_named_list(MEMORY, "memory"), []),
        "knowledgeBases": defaults_to(_not_modelled(N_("Knowledge bases")), []),
        "credentials": defaults_to(_not_modelled(N_("Credentials")), []),
        "evaluators": defaults_to(_not_modelled(N_("Evaluators")), []),
        "onlineEvalConfigs": defaults_to(_not_modelled(N_("Online eval configs")), []),
        "agentCoreGateways": defaults_to(_named_list(GATEWAY, "gateway"), []),
        "mcpRuntimeTools": optional(_not_modelled(N_("MCP runtime tools"))),
        "unassignedTargets": optional(_named_list(TARGET, "unassigned target")),
        "policyEngines": defaults_to(_not_modelled(N_("Policy engines")), []),
        "configBundles": defaults_to(_not_modelled(N_("Config bundles")), []),
        "abTests": defaults_to(_not_modelled(N_("A/B tests")), []),
        "harnesses": defaults_to(_not_modelled(N_("Harnesses")), []),
        "datasets": optional(_not_modelled(N_("Datasets"))),
        "capacityProviders": optional(_not_modelled(N_("Capacity providers"))),
        "httpGateways": optional(
            ListOf(
                Anything(),
                at_most(
                    0,
                    '"httpGateways" is deprecated. Migrate to agentCoreGateways with '
                    'protocolType: "None", or use "agentcore import gateway".',
                    kind="array",
                ),
            )
        ),
        "payments": optional(_not_modelled(N_("Payments"))),
    },
    rules(_project_rules),
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

# agentcore/aws-targets.json (aws-targets.ts)

TARGET_NAME = Text(
    at_least(1),
    at_most(64),
    matches(
        r"[a-zA-Z][a-zA-Z0-9-]*",
        "Name must start with a letter and contain only alphanumeric characters and hyphens",
    ),
)
AWS_TARGETS = ListOf(
    Fields(
        {
            "name": TARGET_NAME,
            "description": optional(Text(at_most(256))),
            "account": Text(matches(r"[0-9]{12}", "AWS account ID must be exactly 12 digits")),
            "region": Choice(*REGIONS),
        },
        strict=False,
    ),
    unique(lambda target: target["name"], lambda name: f"Duplicate deployment target name: {name}"),
)

# agentcore/.cli/deployed-state.json (deployed-state.ts)


def _ids(*required: str, **others: Schema) -> MapOf:
    """A map from resource name to what a deploy recorded: required ids, then others."""
    fields: dict[str, Any] = {key: non_empty() for key in required}
    fields |= {key: optional(schema) for key, schema in others.items()}
    return MapOf(Text(), Fields(fields, strict=False))


_GATEWAY_STATE = _ids(
    "gatewayId",
    "gatewayArn",
    gatewayUrl=Text(),
    targets=MapOf(Text(), Fields({"targetId": non_empty()}, strict=False)),
)
_RESOURCES = Fields(
    {
        "runtimes": optional(
            _ids(
                "runtimeId",
                "runtimeArn",
                "roleArn",
                sessionId=Text(),
                memoryIds=ListOf(Text()),
                browserId=Text(),
                codeInterpreterId=Text(),
                runtimeVersion=Number(at_least(1, kind="number"), integer=True),
            )
        ),
        "memories": optional(_ids("memoryId", "memoryArn")),
        "mcp": optional(
            Fields(
                {
                    "gateways": optional(_GATEWAY_STATE),
                    "runtimes": optional(_ids("runtimeId", "runtimeArn", "runtimeEndpoint")),
                    "lambdas": optional(_ids("functionArn", "functionName")),
                },
                strict=False,
            )
        ),
        "gateways": optional(_GATEWAY_STATE),
        "externallyManaged": optional(
            NotChecked(N_("Externally managed resources"), UNSUPPORTED_FIX)
        ),
        "credentials": optional(
            _ids("credentialProviderArn", clientSecretArn=Text(), callbackUrl=Text())
        ),
        "evaluators": optional(_ids("evaluatorId", "evaluatorArn")),
        "onlineEvalConfigs": optional(NotChecked(N_("Online eval configs"), UNSUPPORTED_FIX)),
        "datasets": optional(_ids("datasetId", "datasetArn", contentHash=Text())),
        "knowledgeBases": optional(NotChecked(N_("Knowledge bases"), UNSUPPORTED_FIX)),
        "configBundles": optional(_ids("bundleId", "bundleArn", "versionId")),
        "abTests": optional(NotChecked(N_("A/B tests"), UNSUPPORTED_FIX)),
        "policyEngines": optional(_ids("policyEngineId", "policyEngineArn")),
        "policies": optional(_ids("policyId", "policyArn", "engineName")),
        "harnesses": optional(NotChecked(N_("Harnesses"), UNSUPPORTED_FIX)),
        "runtimeEndpoints": optional(_ids("endpointId", "endpointArn")),
        "payments": optional(NotChecked(N_("Payments"), UNSUPPORTED_FIX)),
        "capacityProviders": optional(_ids("capacityProviderId", "capacityProviderArn")),
        "stackName": optional(Text()),
        "identityKmsKeyArn": optional(Text()),
        "deployHash": optional(Text()),
    },
    strict=False,
)


def deployed_state(target_names: list[str]) -> Fields:
    """The deployed-state file, whose targets must all be named in aws-targets.json."""
    return Fields(
        {"targets": MapOf(TARGET_NAME, Fields({"resources": optional(_RESOURCES)}, strict=False))},
        holds(lambda state: set(state["targets"]) <= set(target_names), NOT_IN_AWS_TARGETS),
        strict=False,
    )
