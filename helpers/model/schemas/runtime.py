"""An agent runtime of ``agentcore.json``, as the CLI states it (agent-env.ts).

Its build (CodeZip or Container, with the build arguments the build environment reserves),
network, the request headers it may forward (AgentCore's header rules,
:mod:`helpers.model.headers`), its authorizer, lifecycle and endpoints.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from helpers.basics.i18n import N_, _
from helpers.model import headers
from helpers.model.schema import (
    Boolean,
    Choice,
    Fields,
    Issue,
    ListOf,
    MapOf,
    NotChecked,
    Number,
    OneOf,
    Text,
    at_least,
    at_most,
    defaults_to,
    holds,
    matches,
    optional,
    rules,
)
from helpers.model.schemas.authorizer import (
    ADD_JWT_CONFIG,
    AUTH_CONFIG_NOT_ALLOWED,
    AUTH_CONFIG_REQUIRED,
    AUTHORIZER_CONFIG,
    RUNTIME_AUTHORIZER_TYPES,
)
from helpers.model.schemas.common import TAGS, UNSUPPORTED_FIX, named, non_empty

PYTHON_VERSIONS = tuple(f"PYTHON_3_{minor}" for minor in range(10, 15))
NODE_VERSIONS = ("NODE_18", "NODE_20", "NODE_22")

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
        yield Issue(("authorizerConfiguration",), AUTH_CONFIG_REQUIRED, fix=_(ADD_JWT_CONFIG))
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
