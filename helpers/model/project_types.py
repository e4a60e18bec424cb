"""The shapes of ``agentcore.json`` the kit builds, and reads once the CLI's rules passed.

The rules themselves are :mod:`helpers.model.schemas` (what ``agentcore validate``
refuses, in its words); these types say the same for the type checker: a key the CLI
may leave out is ``NotRequired`` (a default it fills in is not written into the file, so
it may be missing here too). A key the kit never builds or reads after validation is not
listed: the document may hold it all the same.

The learner edits ``agentcore.json`` by hand, so what
:func:`~helpers.model.config.read_config` returns is not known to have these shapes:
code that inspects possibly malformed input (the checkers, the validator) keeps it a
``dict[str, Any]``. These types are for what the kit writes (:mod:`helpers.model.edits`,
the catch-up steps) and for a project after :func:`~helpers.model.validation.validate_config`
found nothing wrong (a local deploy).
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

# The CLI's choices (auth.ts, mcp.ts, agent-env.ts); the schemas list the same values.
GatewayAuthorizerType = Literal["NONE", "AWS_IAM", "CUSTOM_JWT"]
RuntimeAuthorizerType = Literal["AWS_IAM", "CUSTOM_JWT"]
ClaimMatchOperator = Literal["EQUALS", "CONTAINS", "CONTAINS_ANY"]
ClaimValueType = Literal["STRING", "STRING_ARRAY"]


class ClaimMatchValue(TypedDict):
    """Exactly one of the two: a string (EQUALS, CONTAINS) or a list (CONTAINS_ANY)."""

    matchValueString: NotRequired[str]
    matchValueStringList: NotRequired[list[str]]


class AuthorizingClaimMatchValue(TypedDict):
    claimMatchOperator: ClaimMatchOperator
    claimMatchValue: ClaimMatchValue


class CustomClaim(TypedDict):
    """One of ``customClaims``: a claim of the token and the value it must match."""

    inboundTokenClaimName: str
    inboundTokenClaimValueType: ClaimValueType
    authorizingClaimMatchValue: AuthorizingClaimMatchValue


class CustomJwtAuthorizer(TypedDict):
    """``customJwtAuthorizer``: the issuer's discovery URL and at least one of the lists."""

    discoveryUrl: str
    allowedAudience: NotRequired[list[str]]
    allowedClients: NotRequired[list[str]]
    allowedScopes: NotRequired[list[str]]
    customClaims: NotRequired[list[CustomClaim]]


class AuthorizerConfiguration(TypedDict):
    """A runtime's or a gateway's ``authorizerConfiguration`` (with CUSTOM_JWT only)."""

    customJwtAuthorizer: NotRequired[CustomJwtAuthorizer]


class EnvVar(TypedDict):
    name: str
    value: str


class Runtime(TypedDict):
    """One of ``runtimes``: an agent's code and how AgentCore runs it."""

    name: str
    description: NotRequired[str]
    build: Literal["CodeZip", "Container"]
    entrypoint: str
    codeLocation: str
    runtimeVersion: NotRequired[str]
    envVars: NotRequired[list[EnvVar]]
    networkMode: NotRequired[Literal["PUBLIC", "VPC"]]
    protocol: NotRequired[Literal["HTTP", "MCP", "A2A", "AGUI"]]
    requestHeaderAllowlist: NotRequired[list[str]]
    authorizerType: NotRequired[RuntimeAuthorizerType]
    authorizerConfiguration: NotRequired[AuthorizerConfiguration]
    tags: NotRequired[dict[str, str]]


class LambdaFunctionArn(TypedDict):
    """A ``lambdaFunctionArn`` target's Lambda and the file that lists its tools."""

    lambdaArn: str
    toolSchemaFile: str


class GatewayTarget(TypedDict):
    """One of a gateway's ``targets`` (or ``unassignedTargets``)."""

    name: str
    targetType: str  # one of the CLI's TARGET_TYPES; the workshop's is "lambdaFunctionArn"
    lambdaFunctionArn: NotRequired[LambdaFunctionArn]


class Gateway(TypedDict):
    """One of ``agentCoreGateways``: an MCP (or plain HTTP) gateway and its targets."""

    name: str
    resourceName: NotRequired[str]
    protocolType: NotRequired[Literal["MCP", "None"]]
    description: NotRequired[str]
    targets: list[GatewayTarget]
    authorizerType: NotRequired[GatewayAuthorizerType]  # NONE when left out
    authorizerConfiguration: NotRequired[AuthorizerConfiguration]
    enableSemanticSearch: NotRequired[bool]
    exceptionLevel: NotRequired[Literal["NONE", "DEBUG"]]
    tags: NotRequired[dict[str, str]]


class MemoryStrategy(TypedDict):
    """One of a memory's ``strategies``: what its extractor keeps, and where."""

    type: Literal["SEMANTIC", "SUMMARIZATION", "USER_PREFERENCE", "EPISODIC"]
    name: NotRequired[str]
    description: NotRequired[str]
    namespaces: NotRequired[list[str]]
    namespaceTemplates: NotRequired[list[str]]


class Memory(TypedDict):
    """One of ``memories``: AgentCore Memory, its events kept ``eventExpiryDuration`` days."""

    name: str
    eventExpiryDuration: int
    strategies: NotRequired[list[MemoryStrategy]]
    tags: NotRequired[dict[str, str]]


# The whole file. Functional syntax: "$schema" is not a Python name. The lists the kit
# does not model (knowledge bases, evaluators…) are the CLI's to check; they are listed
# so that a project the kit writes is whole, their entries left unknown.
AgentCoreProject = TypedDict(
    "AgentCoreProject",
    {
        "$schema": NotRequired[str],
        "name": str,
        "version": int,
        "managedBy": NotRequired[Literal["CDK"]],
        "tags": NotRequired[dict[str, str]],
        "runtimes": NotRequired[list[Runtime]],
        "memories": NotRequired[list[Memory]],
        "knowledgeBases": NotRequired[list[object]],
        "credentials": NotRequired[list[object]],
        "evaluators": NotRequired[list[object]],
        "onlineEvalConfigs": NotRequired[list[object]],
        "agentCoreGateways": NotRequired[list[Gateway]],
        "unassignedTargets": NotRequired[list[GatewayTarget]],
        "policyEngines": NotRequired[list[object]],
        "configBundles": NotRequired[list[object]],
        "abTests": NotRequired[list[object]],
        "harnesses": NotRequired[list[object]],
        "datasets": NotRequired[list[object]],
        "payments": NotRequired[list[object]],
        "capacityProviders": NotRequired[list[object]],
    },
)
