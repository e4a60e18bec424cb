"""``agentcore/.cli/deployed-state.json``, as the CLI states it (deployed-state.ts).

What a deploy recorded for each target: the ids of the resources it made. Its schema
depends on ``aws-targets.json``, whose targets it may name only, so it is a function of
their names (:func:`deployed_state`).
"""

from __future__ import annotations

from typing import Any

from helpers.basics.i18n import N_
from helpers.model.schema import (
    Fields,
    ListOf,
    MapOf,
    NotChecked,
    Number,
    Schema,
    Text,
    at_least,
    holds,
    optional,
)
from helpers.model.schemas.aws_targets import TARGET_NAME
from helpers.model.schemas.common import UNSUPPORTED_FIX, non_empty

NOT_IN_AWS_TARGETS = "Deployed state contains target names not present in aws-targets"


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
