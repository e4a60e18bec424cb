"""The contract corpus: projects and commands run through the real ``agentcore`` CLI and the kit.

Each :class:`Case` builds a project folder (one of the CLI-written reference files, edited,
plus the files around it) and names one command. ``record`` runs the pinned real CLI
(:data:`helpers.tooling.agentcore_cli.VERSION`) on every case and keeps what it printed,
its exit code and the file it left in ``tests/fixtures/agentcore-cli/contract.json``,
stamped with the CLI's version and the case's fingerprint (:func:`input_digest`: its
command line and every file of its project); ``tests/test_cli_contract.py`` holds the kit
to those recordings and checks that the installed CLI still says exactly that.

    python -m tests.cli_corpus record [CASE ...]    # every case, or the named ones
    python -m tests.cli_corpus record --stale       # the cases whose recording is stale

A recording is stale (:func:`stale_recordings`) when it is missing, when the case's
fingerprint changed since, or when another CLI version made it. A run of the real CLI
proves something only then: so the suite runs it live on the stale recordings and on a
small rotating sample (:func:`live_sample`), not on the whole corpus.

The cases cover every rule the kit restates, the slips a learner makes in the workshop's
edits, and each refusal of the commands the workshop runs. ``kit_only`` lists, for a
``validate`` case, the workshop's own problems the kit adds to the CLI's (its guard
rails), so that a guard rail appearing or vanishing fails the test too.
"""

from __future__ import annotations

import copy
import datetime
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.model.config import CONFIG_PATH
from helpers.tooling import agentcore_cli

FIXTURES = Path(__file__).parent / "fixtures" / "agentcore-cli"
RECORDINGS = FIXTURES / "contract.json"
USAGE_RECORDINGS = FIXTURES / "usage.json"
# The real CLI's help for each command the AWS backend runs, one refused flag, and its
# version: the stand-in CLI (tests/fakes/agentcore) takes its options and its version from
# these recordings.
USAGE = [
    ("--version",),
    ("validate", "--help"),
    ("deploy", "--help"),
    ("add", "gateway", "--help"),
    ("add", "gateway-target", "--help"),
    ("remove", "gateway", "--help"),
    ("remove", "all", "--help"),
    ("invoke", "--help"),
    ("remove", "all", "--force"),
]
SHIPPED = Path(__file__).parent.parent / "agent"
TOOLS_FILE = "app/CustomerSupport/tool/warranty_schema.json"
TOOLS = (SHIPPED / TOOLS_FILE).read_text(encoding="utf-8")
AWS_TARGETS = "agentcore/aws-targets.json"
STATE = "agentcore/.cli/deployed-state.json"
BASES = {
    "shipped": SHIPPED / "agentcore" / "agentcore.json",
    "start": FIXTURES / "01_start_state.agentcore.json",
    "runtime": FIXTURES / "02_after_runtime_authorizer.agentcore.json",
    "gateway": FIXTURES / "03_after_secure_gateway.agentcore.json",
}
DELETE = object()
PROJECT_MARK = "<project>"

DISCOVERY_URL = (
    "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_aBcDeFgHi"
    "/.well-known/openid-configuration"
)
CLIENT_ID = "1abc2def3ghi4jkl5mno6pqr"
LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:warranty-check"
LONG_ARN = LAMBDA_ARN + "x" * (171 - len(LAMBDA_ARN))
LAMBDA_ARN_RULE = (
    "Must be a Lambda function ARN (arn:aws:lambda:<region>:<account id>:function:<name>)"
)
RT = "runtimes[0]"
JWT = f"{RT}.authorizerConfiguration.customJwtAuthorizer"
GW = "agentCoreGateways[0]"
GW_JWT = f"{GW}.authorizerConfiguration.customJwtAuthorizer"
TARGET = f"{GW}.targets[0]"
LAMBDA = f"{TARGET}.lambdaFunctionArn"
MEM = "memories[0]"
TARGETS_FILLED = '[{"name": "default", "account": "123456789012", "region": "us-east-1"}]'
START_RUNTIME = json.loads(BASES["start"].read_text(encoding="utf-8"))["runtimes"][0]
UNASSIGNED = json.loads(BASES["gateway"].read_text(encoding="utf-8"))["unassignedTargets"][0]
CLAIM = {
    "inboundTokenClaimName": "client_id",
    "inboundTokenClaimValueType": "STRING",
    "authorizingClaimMatchValue": {"claimMatchOperator": "EQUALS", "claimMatchValue": {}},
}
# The rule notebook 06 teaches: the token's Cognito groups contain support-staff (AgentCore
# pairs CONTAINS with STRING_ARRAY and one matchValueString).
GROUPS_CLAIM = {
    "inboundTokenClaimName": "cognito:groups",
    "inboundTokenClaimValueType": "STRING_ARRAY",
    "authorizingClaimMatchValue": {
        "claimMatchOperator": "CONTAINS",
        "claimMatchValue": {"matchValueString": "support-staff"},
    },
}
GROUPS_MATCH = "authorizingClaimMatchValue"
# The kit's finding where a rule pairs CONTAINS otherwise than AgentCore does (the CLI takes it).
CLAIM_PAIRING = (
    f"{GW_JWT}.customClaims[0]: AgentCore takes CONTAINS only with inboundTokenClaimValueType "
    "STRING_ARRAY and matchValueString"
)


@dataclass(frozen=True)
class Case:
    """One project and one command, run by the real CLI and by the kit."""

    name: str
    base: str = "gateway"
    edits: dict[str, Any] = field(default_factory=dict)
    text: Callable[[str], str] | None = None
    files: dict[str, str | None] = field(default_factory=dict)
    # The CLI's --json answer: its plain one goes through a terminal renderer that, on a
    # busy machine, may print a second frame wrapped at 80 columns. The message is the same.
    argv: tuple[str, ...] = ("validate", "--json")
    kit_only: tuple[str, ...] = ()


def _validate(name: str, base: str = "gateway", *kit_only: str, **spec: Any) -> Case:
    return Case(name, base, kit_only=kit_only, **spec)


def _headers(*names: str) -> dict[str, Any]:
    return {f"{RT}.requestHeaderAllowlist": list(names)}


def _broken(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return edit


def _add_gateway(name: str, *flags: str) -> tuple[str, ...]:
    return ("add", "gateway", "--name", name, "--runtimes", "CustomerSupport", *flags)


def _jwt_flags(url: str = DISCOVERY_URL, clients: str | None = CLIENT_ID) -> tuple[str, ...]:
    flags = ("--authorizer-type", "CUSTOM_JWT", "--discovery-url", url)
    return (*flags, "--allowed-clients", clients) if clients is not None else flags


def _add_target(
    gateway: str, name: str = "WarrantyCheck", *, arn: str = LAMBDA_ARN, schema: str = TOOLS_FILE
) -> tuple[str, ...]:
    return (
        *("add", "gateway-target", "--type", "lambda-function-arn", "--name", name),
        *("--lambda-arn", arn, "--tool-schema-file", schema, "--gateway", gateway),
    )


RESTRICTED = 'Header "{}" is restricted by AgentCore ({}) and is never forwarded'
NOT_SUPPORTED = "{} are not supported by the workshop kit"

CASES: list[Case] = [
    # The project the workshop ships, the reference files, and the files around them.
    _validate("valid-shipped-project", "shipped"),
    _validate("valid-start-state", "start"),
    _validate("valid-after-runtime-authorizer", "runtime"),
    _validate("valid-after-secure-gateway"),
    _validate("aws-targets-missing", files={AWS_TARGETS: None}),
    _validate("aws-targets-filled", files={AWS_TARGETS: TARGETS_FILLED}),
    _validate(
        "aws-targets-bad-region",
        files={AWS_TARGETS: TARGETS_FILLED.replace("us-east-1", "mars-north-1")},
    ),
    _validate(
        "aws-targets-bad-account",
        files={AWS_TARGETS: TARGETS_FILLED.replace("123456789012", "1234")},
    ),
    _validate("aws-targets-broken-json", files={AWS_TARGETS: '[{"name": "default",]'}),
    _validate(
        "state-names-a-target-not-in-aws-targets",
        files={STATE: '{"targets": {"default": {"resources": {}}}}'},
    ),
    _validate(
        "state-as-a-deploy-writes-it",
        files={
            AWS_TARGETS: TARGETS_FILLED,
            STATE: json.dumps(
                {
                    "targets": {
                        "default": {
                            "resources": {
                                "runtimes": {
                                    "CustomerSupport": {
                                        "runtimeId": "CustomerSupport-abc",
                                        "runtimeArn": "arn:aws:bedrock-agentcore:us-east-1:"
                                        "123456789012:runtime/CustomerSupport-abc",
                                        "roleArn": "arn:aws:iam::123456789012:role/r",
                                    }
                                },
                                "gateways": {
                                    "my-gateway-secure": {
                                        "gatewayId": "gw-abc",
                                        "gatewayArn": "arn:aws:bedrock-agentcore:us-east-1:"
                                        "123456789012:gateway/gw-abc",
                                        "gatewayUrl": "https://gw-abc.gateway.bedrock-agentcore"
                                        ".us-east-1.amazonaws.com/mcp",
                                    }
                                },
                                "stackName": "AgentCore-CustomerSupport-default",
                            }
                        }
                    }
                }
            ),
        },
    ),
    _validate(
        "state-runtime-without-arn",
        files={
            AWS_TARGETS: TARGETS_FILLED,
            STATE: '{"targets": {"default": {"resources": {"runtimes": {"CustomerSupport": '
            '{"runtimeId": "x", "roleArn": "y"}}}}}}',
        },
    ),
    # Unknown keys where the CLI's schema is strict (and where it is not).
    _validate(
        "typo-agentCoreGateway",
        edits={"agentCoreGateway": [], "agentCoreGateways": DELETE},
    ),
    _validate("unknown-key-in-gateway", edits={f"{GW}.gatewayName": "x"}),
    _validate("unknown-key-in-target", edits={f"{TARGET}.description": "Warranty"}),
    _validate("unknown-key-in-lambda", edits={f"{LAMBDA}.functionName": "warranty-check"}),
    _validate(
        "typo-allowedClient",
        edits={f"{JWT}.allowedClient": [CLIENT_ID], f"{JWT}.allowedClients": DELETE},
    ),
    _validate("unknown-key-in-runtime-is-dropped", edits={f"{RT}.memory": "none"}),
    _validate(
        "unknown-key-in-authorizerConfiguration", edits={f"{RT}.authorizerConfiguration.x": 1}
    ),
    # The project's own keys.
    _validate("project-name-with-hyphen", edits={"name": "Customer-Support"}),
    _validate("project-name-24-characters", edits={"name": "CustomerSupportWorkshops"}),
    _validate("project-name-reserved", edits={"name": "Strands"}),
    _validate("project-name-empty", edits={"name": ""}),
    _validate("version-0", edits={"version": 0}),
    _validate("version-as-text", edits={"version": "1"}),
    _validate("version-fraction", edits={"version": 1.5}),
    _validate("managedBy-other", edits={"managedBy": "Terraform"}),
    _validate("tag-key-aws-prefix", edits={"tags.aws:owner": "support"}),
    _validate("tag-value-invalid", edits={"tags.team": "support!"}),
    # Runtime fields.
    _validate("entrypoint-ruby", edits={f"{RT}.entrypoint": "main.rb"}),
    _validate("entrypoint-with-handler", edits={f"{RT}.entrypoint": "main.py:app"}),
    _validate("runtime-version-node", edits={f"{RT}.runtimeVersion": "NODE_22"}),
    _validate("runtime-version-too-old", edits={f"{RT}.runtimeVersion": "PYTHON_3_9"}),
    _validate(
        "runtime-name-and-missing-jwt-config",
        edits={f"{RT}.name": "Customer-Support", f"{RT}.authorizerConfiguration": DELETE},
    ),
    _validate(
        "build-typo-hides-missing-jwt-config",
        edits={f"{RT}.build": "Zip", f"{RT}.authorizerConfiguration": DELETE},
    ),
    _validate("codeLocation-empty", edits={f"{RT}.codeLocation": ""}),
    # The runtime's JWT authorizer.
    _validate(
        "discovery-url-http",
        "runtime",
        edits={f"{JWT}.discoveryUrl": DISCOVERY_URL.replace("https", "http")},
    ),
    _validate(
        "discovery-url-issuer-only",
        "runtime",
        edits={f"{JWT}.discoveryUrl": DISCOVERY_URL.split("/.well-known")[0]},
    ),
    _validate("discovery-url-not-a-url", "runtime", edits={f"{JWT}.discoveryUrl": "cognito"}),
    _validate("allowed-clients-empty", "runtime", edits={f"{JWT}.allowedClients": []}),
    _validate(
        "custom-claims-empty",
        "runtime",
        edits={f"{JWT}.allowedClients": DELETE, f"{JWT}.customClaims": []},
    ),
    _validate("scope-with-space", "runtime", edits={f"{JWT}.allowedScopes": ["customer invoke"]}),
    _validate("allowed-clients-as-text", "runtime", edits={f"{JWT}.allowedClients": CLIENT_ID}),
    _validate("allowed-client-empty-text", "runtime", edits={f"{JWT}.allowedClients": [""]}),
    _validate("custom-claim-reserved-and-empty", "runtime", edits={f"{JWT}.customClaims": [CLAIM]}),
    _validate(
        "custom-claim-groups-contains", "runtime", edits={f"{JWT}.customClaims": [GROUPS_CLAIM]}
    ),
    _validate(
        "allowed-scopes-valid",
        "runtime",
        edits={
            f"{JWT}.allowedScopes": [
                "customersupport-agentcore/invoke",
                "aws.cognito.signin.user.admin",
            ]
        },
    ),
    _validate("allowed-audience-empty", "runtime", edits={f"{JWT}.allowedAudience": []}),
    _validate(
        "allowed-audience-empty-alone",
        "runtime",
        edits={f"{JWT}.allowedAudience": [], f"{JWT}.allowedClients": DELETE},
    ),
    _validate(
        "allowed-audience-valid", "runtime", edits={f"{JWT}.allowedAudience": ["support-api"]}
    ),
    _validate("jwt-without-config", "runtime", edits={f"{RT}.authorizerConfiguration": DELETE}),
    _validate(
        "config-without-jwt",
        "runtime",
        edits={f"{RT}.authorizerType": "AWS_IAM", f"{RT}.requestHeaderAllowlist": DELETE},
    ),
    # The header allowlist: the CLI's rules, then AgentCore's the CLI does not check.
    _validate("header-authorization-lowercase", "runtime", edits=_headers("authorization")),
    _validate("header-plain", "runtime", edits=_headers("Authorization", "X-Request-Source")),
    _validate("header-x-amz", "runtime", edits=_headers("Authorization", "x-amz-date")),
    _validate("header-x-amzn", "runtime", edits=_headers("Authorization", "X-Amzn-Trace-Id")),
    _validate(
        "header-custom-prefix-any-case",
        "runtime",
        edits=_headers("x-amzn-bedrock-agentcore-runtime-custom-tenant"),
    ),
    _validate("header-name-with-space", "runtime", edits=_headers("Authorization", "X Tenant")),
    _validate(
        "header-21",
        "runtime",
        edits=_headers("Authorization", *(f"X-Tenant-{i}" for i in range(20))),
    ),
    _validate(
        "header-restricted",
        "runtime",
        f"{RT}.requestHeaderAllowlist[1]: " + RESTRICTED.format("Accept", "content negotiation"),
        f"{RT}.requestHeaderAllowlist[2]: " + RESTRICTED.format("Cookie", "cookies"),
        edits=_headers("Authorization", "Accept", "Cookie"),
    ),
    _validate(
        "header-repeated",
        "runtime",
        f'{RT}.requestHeaderAllowlist[1]: Header "authorization" is listed twice (header names '
        "are case-insensitive)",
        edits=_headers("Authorization", "authorization"),
    ),
    _validate(
        "header-authorization-under-aws-iam",
        "runtime",
        f"{RT}.requestHeaderAllowlist[0]: Authorization may be listed only when authorizerType "
        "is CUSTOM_JWT",
        edits={f"{RT}.authorizerType": "AWS_IAM", f"{RT}.authorizerConfiguration": DELETE},
    ),
    # Gateways.
    _validate(
        "gateway-none-with-jwt-config",
        "gateway",
        f"{GW}.authorizerConfiguration: authorizerConfiguration is only allowed when "
        "authorizerType is CUSTOM_JWT",
        edits={f"{GW}.authorizerType": "NONE"},
    ),
    _validate("gateway-jwt-without-config", edits={f"{GW}.authorizerConfiguration": DELETE}),
    # The gateway's JWT authorizer: a group rule beside allowedClients, and its slips.
    _validate(
        "gateway-custom-claim-groups-contains", edits={f"{GW_JWT}.customClaims": [GROUPS_CLAIM]}
    ),
    _validate(
        "gateway-custom-claim-string-contains-string",
        "gateway",
        CLAIM_PAIRING,
        edits={
            f"{GW_JWT}.customClaims": [GROUPS_CLAIM],
            f"{GW_JWT}.customClaims[0].inboundTokenClaimValueType": "STRING",
        },
    ),
    _validate(
        "gateway-custom-claim-unknown-operator",
        edits={
            f"{GW_JWT}.customClaims": [GROUPS_CLAIM],
            f"{GW_JWT}.customClaims[0].{GROUPS_MATCH}.claimMatchOperator": "STARTS_WITH",
        },
    ),
    _validate(
        "gateway-custom-claim-contains-a-list",
        "gateway",
        CLAIM_PAIRING,
        edits={
            f"{GW_JWT}.customClaims": [GROUPS_CLAIM],
            f"{GW_JWT}.customClaims[0].{GROUPS_MATCH}.claimMatchValue": {
                "matchValueStringList": ["support-staff"]
            },
        },
    ),
    _validate("gateway-name-underscore", edits={f"{GW}.name": "my_gateway"}),
    _validate("gateway-exception-level-all", edits={f"{GW}.exceptionLevel": "ALL"}),
    _validate("gateway-protocol-http", edits={f"{GW}.protocolType": "HTTP"}),
    _validate("gateway-semantic-search-text", edits={f"{GW}.enableSemanticSearch": "yes"}),
    _validate("gateway-targets-missing", edits={f"{GW}.targets": DELETE}),
    _validate(
        "gateway-twice",
        edits={"agentCoreGateways[1]": {"name": "my-gateway-secure", "targets": []}},
    ),
    _validate(
        "runtime-twice",
        edits={"runtimes[1]": START_RUNTIME},
    ),
    # Targets.
    _validate(
        "target-twice-in-a-gateway",
        "gateway",
        f"{GW}.targets[1].name: Duplicate target name: WarrantyCheck",
        edits={f"{GW}.targets[1]": UNASSIGNED},
    ),
    _validate(
        "unassigned-target-twice",
        edits={"unassignedTargets[1]": UNASSIGNED},
    ),
    _validate(
        "lambda-arn-171-characters",
        "gateway",
        f"{LAMBDA}.lambdaArn: " + LAMBDA_ARN_RULE,
        edits={f"{LAMBDA}.lambdaArn": LONG_ARN},
    ),
    _validate(
        "lambda-arn-not-lambda",
        "gateway",
        f"{LAMBDA}.lambdaArn: " + LAMBDA_ARN_RULE,
        edits={f"{LAMBDA}.lambdaArn": "arn:aws:s3:::warranty-check"},
    ),
    _validate("tool-schema-path-empty", edits={f"{LAMBDA}.toolSchemaFile": ""}),
    _validate(
        "tool-schema-file-missing",
        "gateway",
        f"{LAMBDA}.toolSchemaFile: Tool schema file not found: app/CustomerSupport/tool/nope.json",
        edits={f"{LAMBDA}.toolSchemaFile": "app/CustomerSupport/tool/nope.json"},
    ),
    _validate(
        "tool-schema-file-not-a-list",
        "gateway",
        f'{LAMBDA}.toolSchemaFile: {TOOLS_FILE}: root: expected "array"',
        f"unassignedTargets[0].lambdaFunctionArn.toolSchemaFile: {TOOLS_FILE}: root: expected "
        '"array"',
        files={TOOLS_FILE: '{"name": "check_warranty_status"}'},
    ),
    _validate(
        "lambda-target-with-outbound-auth", edits={f"{TARGET}.outboundAuth": {"type": "NONE"}}
    ),
    _validate("target-type-typo", edits={f"{TARGET}.targetType": "lambdaArn"}),
    _validate("lambda-config-missing", edits={LAMBDA: DELETE}),
    _validate(
        "mcp-server-target",
        "gateway",
        "unassignedTargets[1].targetType: " + NOT_SUPPORTED.format("mcpServer targets"),
        edits={
            "unassignedTargets[1]": {
                "name": "Docs",
                "targetType": "mcpServer",
                "endpoint": "https://docs.example.com/mcp",
            }
        },
    ),
    # What the CLI lets through and the workshop must not.
    _validate(
        "placeholder-client-id",
        "runtime",
        f"{JWT}.allowedClients[0]: Unreplaced placeholder <COGNITO_CLIENT_ID value>",
        edits={f"{JWT}.allowedClients[0]": "<COGNITO_CLIENT_ID value>"},
    ),
    _validate(
        "placeholder-discovery-url",
        "runtime",
        f"{JWT}.discoveryUrl: Unreplaced placeholder <COGNITO_DISCOVERY_URL value>",
        edits={f"{JWT}.discoveryUrl": "<COGNITO_DISCOVERY_URL value>"},
    ),
    # Memories, as `agentcore add memory` writes them (the shipped project has one).
    _validate(
        "memory-short-term-only",
        edits={"memories[0]": {"name": "SupportMemory", "eventExpiryDuration": 30}},
    ),
    _validate("memory-bad-name", "shipped", edits={f"{MEM}.name": "support-memory"}),
    _validate("memory-no-name", "shipped", edits={f"{MEM}.name": DELETE}),
    _validate("memory-expiry-too-short", "shipped", edits={f"{MEM}.eventExpiryDuration": 2}),
    _validate("memory-expiry-too-long", "shipped", edits={f"{MEM}.eventExpiryDuration": 366}),
    _validate("memory-expiry-not-whole", "shipped", edits={f"{MEM}.eventExpiryDuration": 7.5}),
    _validate("memory-expiry-as-text", "shipped", edits={f"{MEM}.eventExpiryDuration": "30"}),
    _validate(
        "memory-duplicate-strategy",
        "shipped",
        edits={f"{MEM}.strategies[2]": {"type": "SEMANTIC"}},
    ),
    _validate("memory-unknown-strategy", "shipped", edits={f"{MEM}.strategies[0].type": "FACTS"}),
    _validate(
        "memory-both-namespace-spellings",
        "shipped",
        edits={f"{MEM}.strategies[0].namespaces": ["/facts/{actorId}"]},
    ),
    _validate(
        "memory-reflection-not-episodic",
        "shipped",
        edits={f"{MEM}.strategies[0].reflectionNamespaceTemplates": ["/users"]},
    ),
    _validate(
        "memory-episodic-without-reflection",
        "shipped",
        edits={f"{MEM}.strategies[2]": {"type": "EPISODIC"}},
    ),
    _validate(
        "memory-episodic-reflection-not-a-prefix",
        "shipped",
        edits={
            f"{MEM}.strategies[2]": {
                "type": "EPISODIC",
                "namespaceTemplates": ["/episodes/{actorId}/{sessionId}"],
                "reflectionNamespaceTemplates": ["/reflections/{actorId}"],
            }
        },
    ),
    _validate(
        "memory-duplicate-name",
        "shipped",
        edits={"memories[1]": {"name": "CustomerSupportMemory", "eventExpiryDuration": 30}},
    ),
    _validate(
        "memory-indexed-keys-without-strategies",
        edits={
            "memories[0]": {
                "name": "SupportMemory",
                "eventExpiryDuration": 30,
                "indexedKeys": [{"key": "topic", "type": "STRING"}],
            }
        },
    ),
    _validate("memory-unknown-key-is-dropped", "shipped", edits={f"{MEM}.memoryMode": "x"}),
    _validate("http-gateways", edits={"httpGateways": [{"name": "old"}]}),
    # Broken files.
    _validate(
        "json-missing-comma",
        text=_broken('"networkMode": "PUBLIC",', '"networkMode": "PUBLIC"'),
    ),
    _validate(
        "json-trailing-comma",
        text=_broken('"PUBLIC",\n      "protocol": "HTTP"', '"PUBLIC",\n      "protocol": "HTTP",'),
    ),
    _validate("json-empty-file", text=lambda _: ""),
    _validate("top-level-array", text=lambda _: "[]"),
    _validate("no-project", files={str(CONFIG_PATH): None}),
    # add gateway: what the workshop runs, and each way it is refused.
    Case("add-secure-gateway", "runtime", argv=_add_gateway("my-gateway-secure", *_jwt_flags())),
    Case("add-gateway-no-authorizer", "start", argv=_add_gateway("gw2")),
    Case(
        "add-gateway-lists",
        "start",
        argv=_add_gateway(
            "gw2",
            *_jwt_flags(clients=" a1, ,b2 "),
            *("--allowed-audience", "api", "--allowed-scopes", "customersupport/invoke"),
        ),
    ),
    Case(
        "add-gateway-http-discovery-url",
        "start",
        argv=_add_gateway("gw2", *_jwt_flags(DISCOVERY_URL.replace("https", "http"))),
    ),
    Case(
        "add-gateway-issuer-url",
        "start",
        argv=_add_gateway("gw2", *_jwt_flags(DISCOVERY_URL.split("/.well-known")[0])),
    ),
    Case("add-gateway-bad-url", "start", argv=_add_gateway("gw2", *_jwt_flags("cognito"))),
    Case("add-gateway-no-clients", "start", argv=_add_gateway("gw2", *_jwt_flags(clients=None))),
    Case(
        "add-gateway-no-discovery-url",
        "start",
        argv=_add_gateway("gw2", "--authorizer-type", "CUSTOM_JWT", "--allowed-clients", "a"),
    ),
    Case(
        "add-gateway-bad-authorizer", "start", argv=_add_gateway("gw2", "--authorizer-type", "JWT")
    ),
    Case("add-gateway-exists", "start", argv=_add_gateway("my-gateway")),
    Case("add-gateway-bad-name", "start", argv=_add_gateway("my_gateway")),
    # AWS names the gateway "<project>-<gateway>", at most 48 characters.
    Case("add-gateway-name-at-the-limit", "start", argv=_add_gateway("g" * 32)),
    Case("add-gateway-name-too-long", "start", argv=_add_gateway("g" * 33)),
    Case(
        "add-gateway-to-invalid-project",
        "start",
        edits={"name": "Customer-Support"},
        argv=_add_gateway("gw2"),
    ),
    Case(
        "add-gateway-to-broken-json",
        "start",
        text=_broken('"networkMode": "PUBLIC",', '"networkMode": "PUBLIC"'),
        argv=_add_gateway("gw2"),
    ),
    Case(
        "add-gateway-rewrites-as-the-cli",
        "start",
        edits={
            RT: {**dict(reversed(START_RUNTIME.items())), "memoryMode": "none"},
            "memories": DELETE,
            "policyEngines": DELETE,
            f"{GW}.enableSemanticSearch": DELETE,
            "version": 1.0,
        },
        argv=_add_gateway("gw2"),
    ),
    # add gateway-target.
    Case("add-target", "runtime", argv=_add_target("my-gateway", "Warranty2")),
    Case("add-target-again", "start", argv=_add_target("my-gateway")),
    Case("add-target-no-such-gateway", "start", argv=_add_target("nope")),
    Case(
        "add-target-no-gateways",
        "start",
        edits={"agentCoreGateways": []},
        argv=_add_target("my-gateway"),
    ),
    Case(
        "add-target-to-invalid-project",
        "start",
        edits={"name": "Customer-Support"},
        argv=_add_target("my-gateway", "T2"),
    ),
    Case(
        "add-target-missing-schema-file",
        "start",
        argv=_add_target("my-gateway", "T2", schema="app/nope.json"),
    ),
    Case(
        "add-target-schema-not-json",
        "start",
        files={TOOLS_FILE: "[{"},
        argv=_add_target("my-gateway", "T2"),
    ),
    Case(
        "add-target-schema-not-a-list",
        "start",
        files={TOOLS_FILE: "{}"},
        argv=_add_target("my-gateway", "T2"),
    ),
    Case(
        "add-target-schema-empty",
        "start",
        files={TOOLS_FILE: "[]"},
        argv=_add_target("my-gateway", "T2"),
    ),
    Case(
        "add-target-tool-without-description",
        "start",
        files={
            TOOLS_FILE: '[{"name": "check_warranty_status", "inputSchema": {"type": "object"}}]'
        },
        argv=_add_target("my-gateway", "T2"),
    ),
    Case(
        "add-target-arn-too-long",
        "start",
        argv=_add_target("my-gateway", "T2", arn=LONG_ARN),
    ),
    # remove gateway and remove all.
    Case("remove-gateway", "start", argv=("remove", "gateway", "--name", "my-gateway", "-y")),
    Case(
        "remove-gateway-appends-to-unassigned",
        "gateway",
        argv=("remove", "gateway", "--name", "my-gateway-secure", "-y"),
    ),
    Case("remove-gateway-unknown", "start", argv=("remove", "gateway", "--name", "nope", "-y")),
    Case(
        "remove-gateway-from-invalid-project",
        "start",
        edits={"version": 0},
        argv=("remove", "gateway", "--name", "my-gateway", "-y"),
    ),
    Case("remove-all", "gateway", argv=("remove", "all", "-y")),
    Case(
        "remove-all-of-broken-json",
        "gateway",
        text=_broken('"networkMode": "PUBLIC",', '"networkMode": "PUBLIC"'),
        argv=("remove", "all", "-y"),
    ),
]
# How many of the corpus's cases and usage questions the real CLI runs on a suite run whose
# recordings are all current: one run costs about three seconds of CPU and proves nothing
# its recording does not, unless the pin or a case changed (then it is stale and runs
# anyway). Seven, so that with the three tokenless ``invoke`` runs of
# tests/test_aws_backend.py (the stand-in against the live CLI, with no recording to stand
# in for them) a suite run starts the real CLI ten times. Every command is in every sample;
# the cases rotate within their command, one window a day (:func:`live_sample`).
LIVE_SAMPLE_SIZE = 7
USAGE_GROUP = ("usage",)
SEED_ENV = "REAL_CLI_SEED"


def build(case: Case, root: Path) -> Path:
    """The case's project folder under ``root``, as the CLI and the kit will find it."""
    project = root / "project"
    text = BASES[case.base].read_text(encoding="utf-8")
    if case.edits:
        config = json.loads(text)
        for path, value in case.edits.items():
            _set(config, path, value)
        text = json.dumps(config, indent=2, ensure_ascii=False)
    if case.text is not None:
        text = case.text(text)
    files: dict[str, str | None] = {
        str(CONFIG_PATH): text,
        AWS_TARGETS: (SHIPPED / AWS_TARGETS).read_text(encoding="utf-8"),
        TOOLS_FILE: TOOLS,
        **case.files,
    }
    for name, content in files.items():
        if content is not None:
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            (project / name).write_text(content, encoding="utf-8")
    return project


def _set(config: Any, path: str, value: Any) -> None:
    keys: list[Any] = [int(key) if key.isdigit() else key for key in re.findall(r"[^.\[\]]+", path)]
    # A tag key like "aws:owner" is one key.
    parent = config
    for key in keys[:-1]:
        parent = parent[key]
    if value is DELETE:
        del parent[keys[-1]]
    elif isinstance(parent, list) and keys[-1] == len(parent):
        parent.append(copy.deepcopy(value))
    else:
        parent[keys[-1]] = copy.deepcopy(value)


def cli_environment(home: Path) -> dict[str, str]:
    """What the real CLI runs with: quiet, no AWS credentials, a home of its own."""
    # INIT_CWD (set by npm scripts) would be taken for the working folder.
    kept = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_") and key != "INIT_CWD"
    }
    return {
        **kept,
        **agentcore_cli.QUIET_ENV,
        "HOME": str(home),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def command(case: Case) -> tuple[str, ...]:
    """The command a case runs, without its flags: ``("add", "gateway")``."""
    return tuple(word for word in case.argv[:2] if not word.startswith("-"))


def sample_groups() -> dict[tuple[str, ...], list[str]]:
    """What the live sample rotates through: each command's cases (by name, in corpus
    order), then the usage questions (their arguments, joined), as one group."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for case in CASES:
        groups.setdefault(command(case), []).append(case.name)
    groups[USAGE_GROUP] = [" ".join(argv) for argv in USAGE]
    return groups


def sample_quotas(
    groups: dict[tuple[str, ...], list[str]], size: int = LIVE_SAMPLE_SIZE
) -> dict[tuple[str, ...], int]:
    """How many of each group one sample takes: one each, the rest to the groups that
    would otherwise take longest to go round (most items per pick)."""
    quotas = dict.fromkeys(groups, 1)
    for _ in range(size - len(groups)):
        slowest = max(groups, key=lambda group: len(groups[group]) / quotas[group])
        quotas[slowest] += 1
    return quotas


def live_sample(seed: int, size: int = LIVE_SAMPLE_SIZE) -> list[str]:
    """The cases (by name) and usage questions (joined) the real CLI runs live with ``seed``.

    Every command is in every sample (``size`` is at least the number of groups). Within a
    group the picks are a window that moves on by its width with each seed, so consecutive
    seeds (the days, :func:`todays_seed`) go round every case of a command in
    len(group) / quota runs: two for ``remove all``, about fifty for ``validate``.
    """
    groups = sample_groups()
    quotas = sample_quotas(groups, size)
    picked: list[str] = []
    for group, names in groups.items():
        take = min(quotas[group], len(names))
        picked += [names[(seed * take + offset) % len(names)] for offset in range(take)]
    return picked


def todays_seed() -> int:
    """The sample's seed when none is given: the day (UTC), counted from 1970-01-01."""
    return (datetime.datetime.now(datetime.UTC).date() - datetime.date(1970, 1, 1)).days


def staleness(case: Case, recorded: dict[str, dict[str, Any]]) -> str | None:
    """Why ``recorded`` does not stand for the pinned CLI on ``case``; None when it does."""
    entry = recorded.get(case.name)
    if entry is None:
        return "it has no recording"
    if not made_from(case, entry):
        return "the case changed since it was recorded (its fingerprint differs)"
    return _made_by(entry.get("version"), "its recording")


def made_from(case: Case, entry: dict[str, Any]) -> bool:
    """Whether a recording was made from the case as it is (its fingerprint)."""
    return entry.get("argv") == list(case.argv) and entry.get("input") == input_digest(case)


def _made_by(version: str | None, what: str) -> str | None:
    if version == agentcore_cli.VERSION:
        return None
    return (
        f"CLI {version or '(version not recorded)'} made {what}, the pin is {agentcore_cli.VERSION}"
    )


def usage_staleness(argv: Sequence[str], recorded: dict[str, dict[str, Any]]) -> str | None:
    """Why the usage recording of ``argv`` does not stand for the pinned CLI; None when it does.

    Usage is recorded whole, its key is its command line, and its version is what the
    recorded ``agentcore --version`` printed.
    """
    if " ".join(argv) not in recorded:
        return "it has no recording"
    made_by = recorded.get("--version", {}).get("stdout", "").strip()
    return _made_by(made_by, "the usage recordings")


@functools.cache
def stale_recordings() -> dict[str, str]:
    """Every case (by name) and usage question (joined) whose recording is stale, and why."""
    recorded = recordings() if RECORDINGS.is_file() else {}
    usage = usage_recordings() if USAGE_RECORDINGS.is_file() else {}
    stale = {case.name: staleness(case, recorded) for case in CASES}
    stale |= {" ".join(argv): usage_staleness(argv, usage) for argv in USAGE}
    return {name: why for name, why in stale.items() if why is not None}


def record_command(*names: str) -> str:
    """The command that records ``names`` again (cases; usage is recorded with any case)."""
    return " ".join(["python -m tests.cli_corpus record", *(names or ("--stale",))])


def input_digest(case: Case) -> str:
    """The case's fingerprint: a digest of what the CLI is given, its command and every
    file of its project."""
    digest = hashlib.sha256(json.dumps(case.argv).encode())
    with tempfile.TemporaryDirectory(prefix="agentcore-digest-") as scratch:
        project = build(case, Path(scratch))
        for file in sorted(path for path in project.rglob("*") if path.is_file()):
            digest.update(file.relative_to(project).as_posix().encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


def run_real_cli(command: Sequence[str], cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    """The real CLI's ``command`` run in ``cwd`` with ``home`` as its home, and no input."""
    return subprocess.run(
        list(command),
        cwd=cwd,
        env=cli_environment(home),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def run_usage(binary: Path, argv: Sequence[str], prefix: Sequence[str] = ()) -> dict[str, Any]:
    """What the real CLI prints for a usage question (``--help``) or a usage error."""
    with tempfile.TemporaryDirectory(prefix="agentcore-usage-") as scratch:
        done = run_real_cli([*prefix, str(binary), *argv], Path(scratch), Path(scratch) / "home")
    return {"exit": done.returncode, "stdout": done.stdout, "stderr": done.stderr}


def run_cli(binary: Path, case: Case, prefix: Sequence[str] = ()) -> dict[str, Any]:
    """Run the real CLI on a fresh copy of the case's project; what it printed and left,
    stamped with the case's fingerprint and the CLI's version.

    ``prefix`` goes before the command (``nice -n 19`` for a run in the background).
    """
    with tempfile.TemporaryDirectory(prefix="agentcore-contract-") as scratch:
        root = Path(scratch).resolve()
        project = build(case, root)
        before = _config_text(project)
        done = run_real_cli([*prefix, str(binary), *case.argv], project, root / "home")
        after = _config_text(project)
        return {
            "argv": list(case.argv),
            "input": input_digest(case),
            "version": agentcore_cli.package_version(binary),
            "exit": done.returncode,
            "stdout": done.stdout.replace(str(project), PROJECT_MARK),
            "stderr": done.stderr.replace(str(project), PROJECT_MARK),
            "agentcore.json": after if after != before else None,
        }


def _config_text(project: Path) -> str | None:
    path = project / CONFIG_PATH
    return path.read_text(encoding="utf-8") if path.is_file() else None


class RealRuns:
    """Cases (all, by default) and the usage questions run by the real CLI, as many at once
    as there are cores.

    ``binary`` gives the CLI's path; it may first install the CLI (it is called once, in
    the pool, before any run), so a fresh checkout installs and runs in the background.
    A run is a fresh process of the installed CLI. Work started before anyone asked for a
    result goes at the lowest CPU priority (it is meant to fill the gaps of a test
    session); once a result is awaited, the rest runs at normal priority.
    """

    def __init__(
        self,
        binary: Callable[[Sequence[str]], Path],
        cases: Sequence[Case] = tuple(CASES),
        usage: Sequence[tuple[str, ...]] = tuple(USAGE),
    ) -> None:
        self._nice = shutil.which("nice")
        self._urgent = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 2)
        # The first job in the queue, so every run below finds it started.
        self._binary = self._pool.submit(lambda: binary(self._priority()))
        self._runs: dict[str, Future[dict[str, Any]]] = {}
        for case in cases:
            self._submit(case.name, functools.partial(run_cli, case=case))
        for argv in usage:
            self._submit(" ".join(argv), functools.partial(run_usage, argv=argv))

    def _priority(self) -> list[str]:
        urgent = self._urgent.is_set() or self._nice is None
        return [] if urgent else [str(self._nice), "-n", "19"]

    def _submit(self, name: str, run: Callable[..., dict[str, Any]]) -> None:
        def once_installed() -> dict[str, Any]:
            return run(self._binary.result(), prefix=self._priority())

        self._runs[name] = self._pool.submit(once_installed)

    def binary(self) -> Path:
        """The installed CLI, once its install is done, for a test that runs it itself."""
        self._urgent.set()
        return self._binary.result()

    def result(self, name: str) -> dict[str, Any]:
        """The run of a case (by name) or of a usage question (its arguments, joined)."""
        self._urgent.set()
        return self._runs[name].result()

    def stop(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def recordings() -> dict[str, dict[str, Any]]:
    recorded: dict[str, dict[str, Any]] = json.loads(RECORDINGS.read_text(encoding="utf-8"))
    return recorded


def usage_recordings() -> dict[str, dict[str, Any]]:
    recorded: dict[str, dict[str, Any]] = json.loads(USAGE_RECORDINGS.read_text(encoding="utf-8"))
    return recorded


def cli_problems(output: str) -> Iterator[tuple[str, str]]:
    """``(file, line)`` for each problem ``agentcore validate --json`` reported.

    Its ``error`` is what the plain command prints: a file's path, then
    ``  - path: message`` per problem; or one message about a whole file (a missing file,
    broken JSON), which has no file heading.
    """
    answer = json.loads(output)
    file = ""
    for line in ("" if answer["success"] else answer["error"]).splitlines():
        heading = re.fullmatch(rf"{re.escape(PROJECT_MARK)}/(\S+):", line)
        if heading:
            file = heading.group(1)
        elif line.startswith("  - "):
            yield file, line[4:]
        elif line.strip():
            yield "", line.strip()


def main(argv: list[str]) -> int:
    """``record``: run every case (or the named ones, or the stale ones) and keep what the
    CLI did; the usage questions are recorded again each time."""
    if argv[:1] != ["record"]:
        print(__doc__)
        return 2
    if argv[1:] == ["--stale"]:
        stale = stale_recordings()
        gone = set(recordings() if RECORDINGS.is_file() else {}) - {case.name for case in CASES}
        if not stale and not gone:  # a recording of a case now gone is dropped by ``record``
            print(f"every recording stands for CLI {agentcore_cli.VERSION}: nothing to record")
            return 0
        # Perhaps only the usage: it is recorded again by every ``record``.
        names = {case.name for case in CASES if case.name in stale}
    else:
        names = set(argv[1:]) or {case.name for case in CASES}
    unknown = names - {case.name for case in CASES}
    if unknown:
        print(f"no such case: {', '.join(sorted(unknown))}")
        return 2
    cases = [case for case in CASES if case.name in names]
    runs = RealRuns(lambda prefix: agentcore_cli.install(prefix=prefix), cases)
    try:
        kept = recordings() if RECORDINGS.is_file() else {}
        kept |= {case.name: runs.result(case.name) for case in cases}
        usage = {" ".join(argv): runs.result(" ".join(argv)) for argv in USAGE}
    finally:
        runs.stop()
    ordered = {case.name: kept[case.name] for case in CASES if case.name in kept}
    RECORDINGS.write_text(json.dumps(ordered, indent=2, ensure_ascii=False) + "\n")
    USAGE_RECORDINGS.write_text(json.dumps(usage, indent=2, ensure_ascii=False) + "\n")
    print(f"recorded {len(cases)} cases in {RECORDINGS}, and the usage in {USAGE_RECORDINGS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
