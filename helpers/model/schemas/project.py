"""``agentcore/agentcore.json`` as a whole, as the CLI states it (agentcore-project.ts).

The project's own keys and tags, and its runtimes, memories and gateways from their own
modules, with the CLI's cross-references among them. Each resource kind the workshop does
not use is refused by a workshop check (:class:`~helpers.model.schema.NotChecked`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from helpers.basics.i18n import N_
from helpers.model.schema import (
    Anything,
    Choice,
    Fields,
    Issue,
    ListOf,
    NotChecked,
    Number,
    Schema,
    Text,
    at_least,
    at_most,
    defaults_to,
    holds,
    matches,
    optional,
    rules,
    unique,
)
from helpers.model.schemas.common import TAGS, UNSUPPORTED_FIX
from helpers.model.schemas.gateway import GATEWAY, TARGET
from helpers.model.schemas.memory import MEMORY
from helpers.model.schemas.runtime import RUNTIME

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
