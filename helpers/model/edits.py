"""The ``agentcore`` CLI's edits of ``agentcore.json``, reproduced byte for byte.

The workshop edits the file by hand (the runtime authorizer) and through the CLI
(remove and re-add the gateway, re-attach the target). The edits below write what
CLI 0.30.0 writes: same keys, same key order, so a project folder stays deployable
by either backend and tests can compare against files the real CLI wrote.

Every edit is a pure function: it returns a new dict and never touches its input,
so a caller can diff, validate, or discard the result before saving.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from helpers.model.errors import ActionableError
from helpers.model.i18n import _

# Key order of the CLI's zod schemas. The CLI re-serialises parsed objects, so a
# key it adds lands at its schema position, not at the end of the object.
PROJECT_KEY_ORDER = (
    "$schema",
    "name",
    "version",
    "managedBy",
    "tags",
    "runtimes",
    "memories",
    "knowledgeBases",
    "credentials",
    "evaluators",
    "onlineEvalConfigs",
    "agentCoreGateways",
    "mcpRuntimeTools",
    "unassignedTargets",
    "policyEngines",
    "configBundles",
    "abTests",
    "harnesses",
    "datasets",
    "capacityProviders",
    "httpGateways",
    "payments",
)
RUNTIME_KEY_ORDER = (
    "name",
    "build",
    "entrypoint",
    "codeLocation",
    "runtimeVersion",
    "envVars",
    "networkMode",
    "networkConfig",
    "instrumentation",
    "protocol",
    "requestHeaderAllowlist",
    "executionRoleArn",
    "authorizerType",
    "authorizerConfiguration",
    "tags",
    "lifecycleConfiguration",
)
GATEWAY_AUTHORIZER_TYPES = ("NONE", "AWS_IAM", "CUSTOM_JWT")


class ConfigEditError(ActionableError, ValueError):
    """An edit cannot be applied to this config; the message says why and what to do."""


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
    index = _index_of(runtimes, runtime, "runtime", "runtimes")
    headers = list(runtimes[index].get("requestHeaderAllowlist", []))
    headers += [header for header in header_allowlist if header not in headers]
    runtimes[index] = _with_keys(
        runtimes[index],
        {
            "requestHeaderAllowlist": headers,
            "authorizerType": "CUSTOM_JWT",
            "authorizerConfiguration": {
                "customJwtAuthorizer": {
                    "discoveryUrl": discovery_url,
                    "allowedClients": allowed_clients,
                }
            },
        },
        RUNTIME_KEY_ORDER,
    )
    return new


def remove_gateway(config: dict[str, Any], *, name: str) -> dict[str, Any]:
    """Remove a gateway like ``agentcore remove gateway``: its targets become unassigned."""
    new = copy.deepcopy(config)
    gateways = new.get("agentCoreGateways", [])
    removed = gateways.pop(_index_of(gateways, name, "gateway", "agentCoreGateways"))
    unassigned = new.get("unassignedTargets", []) + removed.get("targets", [])
    # The CLI writes unassignedTargets only when something is in it.
    if not unassigned:
        return new
    return _with_keys(new, {"unassignedTargets": unassigned}, PROJECT_KEY_ORDER)


def add_gateway(
    config: dict[str, Any],
    *,
    name: str,
    runtimes: list[str],
    authorizer_type: str = "NONE",
    discovery_url: str | None = None,
    allowed_clients: list[str] | None = None,
    allowed_audience: list[str] | None = None,
    allowed_scopes: list[str] | None = None,
) -> dict[str, Any]:
    """Add a gateway like ``agentcore add gateway``, with no targets yet.

    ``runtimes`` is checked but not stored: the CLI wires every gateway to every
    runtime through the ``AGENTCORE_GATEWAY_<NAME>_URL`` env var.
    """
    new = copy.deepcopy(config)
    gateways = new.get("agentCoreGateways", [])
    if any(gateway.get("name") == name for gateway in gateways):
        raise ConfigEditError(
            _('Gateway "{name}" already exists. Remove it first, or pick another name.', name=name)
        )
    known = [runtime.get("name") for runtime in new.get("runtimes", [])]
    for runtime in _string_list(runtimes, "runtimes"):
        if runtime not in known:
            raise ConfigEditError(
                _(
                    'No runtime named "{runtime}" in agentcore.json (runtimes: {known}). '
                    "Pass one of those names in runtimes.",
                    runtime=runtime,
                    known=_names(known),
                )
            )
    if authorizer_type not in GATEWAY_AUTHORIZER_TYPES:
        raise ConfigEditError(
            _(
                'authorizer_type "{authorizer_type}" is not one of {choices}. '
                "Use CUSTOM_JWT to require a Cognito token.",
                authorizer_type=authorizer_type,
                choices=", ".join(GATEWAY_AUTHORIZER_TYPES),
            )
        )
    gateway: dict[str, Any] = {
        "name": name,
        "protocolType": "None",
        "description": f"Gateway for {name}",
        "targets": [],
        "authorizerType": authorizer_type,
    }
    jwt_lists = {
        key: None if value is None else _string_list(value, arg)
        for key, arg, value in (
            ("allowedAudience", "allowed_audience", allowed_audience),
            ("allowedClients", "allowed_clients", allowed_clients),
            ("allowedScopes", "allowed_scopes", allowed_scopes),
        )
    }
    if authorizer_type == "CUSTOM_JWT":
        if not discovery_url:
            raise ConfigEditError(
                _(
                    "A CUSTOM_JWT gateway needs discovery_url: pass the Cognito "
                    "OIDC discovery URL (…/.well-known/openid-configuration)."
                )
            )
        if not any(jwt_lists.values()):
            raise ConfigEditError(
                _(
                    "A CUSTOM_JWT gateway needs allowed_clients, allowed_audience or "
                    "allowed_scopes: pass the Cognito app client id in allowed_clients."
                )
            )
        # Like the CLI: empty lists are left out, not written as [].
        jwt = {"discoveryUrl": discovery_url} | {k: v for k, v in jwt_lists.items() if v}
        gateway["authorizerConfiguration"] = {"customJwtAuthorizer": jwt}
    elif discovery_url or any(value is not None for value in jwt_lists.values()):
        raise ConfigEditError(
            _(
                "discovery_url and allowed_* only apply to a CUSTOM_JWT gateway, not "
                "{authorizer_type}. Set authorizer_type='CUSTOM_JWT' or drop them.",
                authorizer_type=authorizer_type,
            )
        )
    gateway |= {"enableSemanticSearch": True, "exceptionLevel": "NONE"}
    return _with_keys(new, {"agentCoreGateways": [*gateways, gateway]}, PROJECT_KEY_ORDER)


def add_lambda_target(
    config: dict[str, Any], *, gateway: str, name: str, lambda_arn: str, tool_schema_file: str
) -> dict[str, Any]:
    """Attach a Lambda target like ``agentcore add gateway-target --type lambda-function-arn``.

    A copy of the same target in ``unassignedTargets`` stays there, exactly as the
    real CLI leaves it.
    """
    new = copy.deepcopy(config)
    gateways = new.get("agentCoreGateways", [])
    index = _index_of(gateways, gateway, "gateway", "agentCoreGateways")
    targets = gateways[index].setdefault("targets", [])
    if any(target.get("name") == name for target in targets):
        raise ConfigEditError(
            _(
                'Target "{name}" already exists on gateway "{gateway}". '
                "Keep the existing one, or give the new target another name.",
                name=name,
                gateway=gateway,
            )
        )
    targets.append(
        {
            "name": name,
            "targetType": "lambdaFunctionArn",
            "lambdaFunctionArn": {"lambdaArn": lambda_arn, "toolSchemaFile": tool_schema_file},
        }
    )
    return new


def remove_all(config: dict[str, Any]) -> dict[str, Any]:
    """Like ``agentcore remove all -y``: no runtimes, gateways or targets remain."""
    emptied = copy.deepcopy(config)
    for key in ("runtimes", "agentCoreGateways", "memories", "credentials"):
        if key in emptied:
            emptied[key] = []
    emptied.pop("unassignedTargets", None)
    return emptied


def _index_of(items: list[dict[str, Any]], name: str, kind: str, key: str) -> int:
    for index, item in enumerate(items):
        if item.get("name") == name:
            return index
    raise ConfigEditError(
        _(
            'No {kind} named "{name}" in agentcore.json ({key}: {known}). Use one of those names.',
            kind=kind,
            name=name,
            key=key,
            known=_names([item.get("name") for item in items]),
        )
    )


def _string_list(values: Sequence[str], arg: str) -> list[str]:
    # A bare string is a Sequence[str] too, and would become a list of characters.
    if isinstance(values, str):
        raise ConfigEditError(
            _('{arg} must be a list, like ["{value}"], not a single string.', arg=arg, value=values)
        )
    return list(values)


def _names(names: list[Any]) -> str:
    return ", ".join(str(name) for name in names) or _("none")


def _with_keys(
    obj: dict[str, Any], updates: dict[str, Any], order: Sequence[str]
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
            (i for i, (k, _) in enumerate(items) if k in order and order.index(k) > rank),
            len(items),
        )
        items.insert(position, (key, value))
        result = dict(items)
    return result
