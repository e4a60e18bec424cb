"""The edits of ``agentcore.json`` the workshop makes, as CLI 0.30.0 makes them.

The workshop edits the file by hand (the runtime authorizer, :func:`secure_runtime`) and
through the CLI (remove and re-add the gateway, re-attach the target). The CLI's edits
below refuse what the real ``add``/``remove`` commands refuse, in their words, and build
what they build; :mod:`helpers.model.commands` then writes the result the way the CLI
does (keys in schema order, defaults filled in), so a project stays byte-identical to
one the real CLI edited.

Every edit is a pure function: it returns a new dict and never touches its input, so a
caller can diff, validate, or discard the result before saving. The project an edit takes
is as read (the learner's hand edits may have broken it), so it stays a
``dict[str, Any]``; what an edit builds has its shape in :mod:`helpers.model.project_types`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from helpers.basics.errors import ActionableError
from helpers.basics.i18n import _
from helpers.model.names import WELL_KNOWN_SUFFIX
from helpers.model.project_types import (
    AgentCoreProject,
    AuthorizerConfiguration,
    CustomJwtAuthorizer,
    Gateway,
    GatewayAuthorizerType,
    GatewayTarget,
)
from helpers.model.schema import is_valid_url
from helpers.model.schemas.authorizer import GATEWAY_AUTHORIZER_TYPES
from helpers.model.schemas.gateway import GATEWAY, GATEWAY_NAME
from helpers.model.schemas.runtime import RUNTIME

# A key the workshop adds to a runtime by hand lands where the CLI would write it: at its
# place in the CLI's runtime schema, not at the end of the object.
RUNTIME_KEY_ORDER = tuple(RUNTIME.fields)
GATEWAY_KEY_ORDER = tuple(GATEWAY.fields)
# AWS names a gateway "<project>-<gateway>" and allows 48 characters.
MAX_QUALIFIED_GATEWAY_NAME = 48


class ConfigEditError(ActionableError, ValueError):
    """An edit cannot be applied to this config; the message says why (for the CLI's own
    commands, in its words, which stay English as the CLI prints them)."""


def secure_runtime(
    config: dict[str, Any],
    *,
    runtime: str,
    discovery_url: str,
    allowed_clients: list[str],
    header_allowlist: Sequence[str] = ("Authorization",),
) -> dict[str, Any]:
    """Give a runtime a CUSTOM_JWT authorizer and forward the listed headers to it.

    This is the workshop's hand edit of the runtime. Headers already allowed stay
    allowed; applying the edit twice gives the same config.
    """
    allowed_clients = _string_list(allowed_clients, "allowed_clients")
    header_allowlist = _string_list(header_allowlist, "header_allowlist")
    if not allowed_clients:
        raise ConfigEditError(
            _(
                "allowed_clients is empty: pass at least one Cognito app client id, "
                "or every token would be refused."
            )
        )
    new = copy.deepcopy(config)
    runtimes = new.get("runtimes", [])
    index = next((i for i, item in enumerate(runtimes) if item.get("name") == runtime), None)
    if index is None:
        names = ", ".join(str(item.get("name")) for item in runtimes) or _("none")
        raise ConfigEditError(
            _(
                'No runtime named "{runtime}" in agentcore.json (runtimes: {names}). '
                "Use one of those names.",
                runtime=runtime,
                names=names,
            )
        )
    headers = list(runtimes[index].get("requestHeaderAllowlist", []))
    headers += [header for header in header_allowlist if header not in headers]
    configuration: AuthorizerConfiguration = {
        "customJwtAuthorizer": {"discoveryUrl": discovery_url, "allowedClients": allowed_clients}
    }
    runtimes[index] = _with_keys(
        runtimes[index],
        {
            "requestHeaderAllowlist": headers,
            "authorizerType": "CUSTOM_JWT",
            "authorizerConfiguration": configuration,
        },
        RUNTIME_KEY_ORDER,
    )
    return new


def with_gateway_jwt_authorizer(
    gateway: dict[str, Any], *, discovery_url: str, allowed_clients: list[str]
) -> dict[str, Any]:
    """A copy of a CUSTOM_JWT ``gateway`` whose authorizer lets in ``allowed_clients``.

    The hand edit of a gateway's ``authorizerConfiguration``, written as ``agentcore add
    gateway`` writes it: what the next deploy updates in place (same gateway, same URL).
    The ``authorizerType`` is not this edit's: AWS refuses a new type for a deployed gateway.
    """
    configuration: AuthorizerConfiguration = {
        "customJwtAuthorizer": {
            "discoveryUrl": discovery_url,
            "allowedClients": _string_list(allowed_clients, "allowed_clients"),
        }
    }
    return _with_keys(
        copy.deepcopy(gateway), {"authorizerConfiguration": configuration}, GATEWAY_KEY_ORDER
    )


def gateway_from_flags(
    *,
    name: str,
    authorizer_type: str = "NONE",
    discovery_url: str | None = None,
    allowed_audience: Iterable[str] = (),
    allowed_clients: Iterable[str] = (),
    allowed_scopes: Iterable[str] = (),
    description: str | None = None,
) -> Gateway:
    """The gateway ``agentcore add gateway`` builds from its flags, once it checked them.

    The lists are what ``--allowed-clients`` and its siblings take: comma-separated
    values, blanks dropped. The CLI checks the flags before it reads the project, so a
    bad flag is reported even in a broken project.
    """
    if not name:
        raise ConfigEditError("--name is required")
    name_problems = GATEWAY_NAME.parse(name).issues
    if name_problems:
        raise ConfigEditError(name_problems[0].message)
    checked_type = _gateway_authorizer_type(authorizer_type)
    audience = _flag_list(allowed_audience, "allowed_audience")
    clients = _flag_list(allowed_clients, "allowed_clients")
    scopes = _flag_list(allowed_scopes, "allowed_scopes")
    if checked_type == "CUSTOM_JWT":
        _check_jwt_flags(discovery_url, [audience, clients, scopes])
    gateway: Gateway = {
        "name": name,
        "protocolType": "None",
        "description": description if description is not None else f"Gateway for {name}",
        "targets": [],
        "authorizerType": checked_type,
    }
    if checked_type == "CUSTOM_JWT" and discovery_url:
        # The lists given, in the CLI's order of keys; an empty one is left out.
        jwt: CustomJwtAuthorizer = {"discoveryUrl": discovery_url}
        if audience:
            jwt["allowedAudience"] = audience
        if clients:
            jwt["allowedClients"] = clients
        if scopes:
            jwt["allowedScopes"] = scopes
        gateway["authorizerConfiguration"] = {"customJwtAuthorizer": jwt}
    gateway["enableSemanticSearch"] = True
    gateway["exceptionLevel"] = "NONE"
    return gateway


def add_gateway(config: dict[str, Any], gateway: Gateway) -> dict[str, Any]:
    """``agentcore add gateway``: the gateway joins the project, wired to every runtime.

    The CLI does not store ``--runtimes``: every gateway's URL reaches every runtime
    through ``AGENTCORE_GATEWAY_<NAME>_URL``.
    """
    name = gateway["name"]
    if any(existing["name"] == name for existing in config.get("agentCoreGateways", [])):
        raise ConfigEditError(f'Gateway "{name}" already exists.')
    qualified = f"{config['name']}-{name}"
    if len(qualified) > MAX_QUALIFIED_GATEWAY_NAME:
        raise ConfigEditError(
            f'Gateway name too long: "{qualified}" ({len(qualified)} chars). AWS limits '
            f"gateway names to {MAX_QUALIFIED_GATEWAY_NAME} characters. Shorten the project "
            "name or gateway name."
        )
    new = copy.deepcopy(config)
    new["agentCoreGateways"] = [*new.get("agentCoreGateways", []), copy.deepcopy(gateway)]
    return new


def add_lambda_target(
    config: dict[str, Any], *, gateway: str, name: str, lambda_arn: str, tool_schema_file: str
) -> dict[str, Any]:
    """``agentcore add gateway-target --type lambda-function-arn``, once its flags passed.

    A copy of the same target in ``unassignedTargets`` stays there, exactly as the real
    CLI leaves it.
    """
    new = copy.deepcopy(config)
    found = next((g for g in new.get("agentCoreGateways", []) if g["name"] == gateway), None)
    if found is None:
        raise ConfigEditError(f'Gateway "{gateway}" not found.')
    if any(target["name"] == name for target in found["targets"]):
        raise ConfigEditError(f'Target "{name}" already exists in gateway "{gateway}".')
    target: GatewayTarget = {
        "name": name,
        "targetType": "lambdaFunctionArn",
        "lambdaFunctionArn": {"lambdaArn": lambda_arn, "toolSchemaFile": tool_schema_file},
    }
    found["targets"].append(target)
    return new


def remove_gateway(config: dict[str, Any], *, name: str) -> dict[str, Any]:
    """``agentcore remove gateway``: its targets join ``unassignedTargets``."""
    gateways = config.get("agentCoreGateways", [])
    removed = next((gateway for gateway in gateways if gateway["name"] == name), None)
    if removed is None:
        raise ConfigEditError(f'Gateway "{name}" not found.')
    new = copy.deepcopy(config)
    new["agentCoreGateways"] = [g for g in new["agentCoreGateways"] if g["name"] != name]
    unassigned = [*new.get("unassignedTargets", []), *copy.deepcopy(removed["targets"])]
    # The CLI writes unassignedTargets only when something is in it.
    if unassigned:
        new["unassignedTargets"] = unassigned
    return new


def empty_project(name: str) -> AgentCoreProject:
    """``agentcore remove all``: the project as ``agentcore create`` starts it, name kept."""
    return {
        "$schema": "https://schema.agentcore.aws.dev/v1/agentcore.json",
        "name": name,
        "version": 1,
        "managedBy": "CDK",
        "tags": {"agentcore:created-by": "agentcore-cli", "agentcore:project-name": name},
        "runtimes": [],
        "memories": [],
        "knowledgeBases": [],
        "credentials": [],
        "evaluators": [],
        "onlineEvalConfigs": [],
        "agentCoreGateways": [],
        "policyEngines": [],
        "configBundles": [],
        "abTests": [],
        "harnesses": [],
        "datasets": [],
        "payments": [],
        "capacityProviders": [],
    }


def _gateway_authorizer_type(flag: str) -> GatewayAuthorizerType:
    """``--authorizer-type``, refused in the CLI's words unless it is one it knows."""
    for known in GATEWAY_AUTHORIZER_TYPES:
        if flag == known:
            return known
    raise ConfigEditError(f"Invalid authorizer type. Use {', '.join(GATEWAY_AUTHORIZER_TYPES)}")


def _check_jwt_flags(discovery_url: str | None, lists: list[list[str]]) -> None:
    """The CLI's checks of the CUSTOM_JWT flags, in its order and words."""
    if not discovery_url:
        raise ConfigEditError("--discovery-url is required for CUSTOM_JWT authorizer")
    if not is_valid_url(discovery_url):
        raise ConfigEditError("Discovery URL must be a valid URL")
    if urlsplit(discovery_url.strip()).scheme.lower() != "https":
        raise ConfigEditError("Discovery URL must use HTTPS")
    if not discovery_url.endswith(WELL_KNOWN_SUFFIX):
        raise ConfigEditError(f"Discovery URL must end with {WELL_KNOWN_SUFFIX}")
    if not any(lists):
        raise ConfigEditError(
            "At least one of --allowed-audience, --allowed-clients, --allowed-scopes, or "
            "--custom-claims must be provided for CUSTOM_JWT authorizer"
        )


def _flag_list(values: Iterable[str], arg: str) -> list[str]:
    """A comma-separated flag's entries, as the CLI splits it: trimmed, blanks dropped."""
    values = _string_list(values, arg)
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _string_list(values: Iterable[str], arg: str) -> list[str]:
    # A bare string is an Iterable[str] too, and would become a list of characters.
    if isinstance(values, str):
        raise ConfigEditError(
            _('{arg} must be a list, like ["{value}"], not a single string.', arg=arg, value=values)
        )
    return list(values)


def _with_keys(
    obj: dict[str, Any], updates: Mapping[str, object], order: Sequence[str]
) -> dict[str, Any]:
    """Set keys on a copy of ``obj``: existing keys keep their place, new ones go
    where the CLI's schema order puts them."""
    result = {key: updates.get(key, value) for key, value in obj.items()}
    for key, value in updates.items():
        if key in result:
            continue
        items = list(result.items())
        rank = order.index(key)
        position = next(
            (i for i, (k, _value) in enumerate(items) if k in order and order.index(k) > rank),
            len(items),
        )
        items.insert(position, (key, value))
        result = dict(items)
    return result
