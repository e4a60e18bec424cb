"""The checks of ``agentcore.json``: steps 1 and 2, and step 4's web app client.

Each reads the parsed file and names every value to put where, from the workshop's
settings; the runtime's checks add the validator's issues (the real CLI's rules) that
none of their own findings already reports.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from helpers.basics.i18n import _
from helpers.kit.checks.common import CheckResult, config_of, jwt_authorizer, related
from helpers.kit.settings import PARAMETER_PREFIX, WorkshopSettings
from helpers.model.names import OLD_GATEWAY, RUNTIME, SECURE_GATEWAY, WARRANTY_TARGET
from helpers.model.validation import validate_config

TOOL_SCHEMA_FILE = "app/CustomerSupport/tool/warranty_schema.json"
WEB_CLIENT_PARAMETER = PARAMETER_PREFIX + "web_client_id"
_PLACEHOLDER = re.compile(r"<[^<>]+>")
_JWT = "authorizerConfiguration.customJwtAuthorizer"


def check_runtime_authorizer(project: Path, settings: WorkshopSettings) -> CheckResult:
    """Step 1: the runtime's CUSTOM_JWT authorizer and ``Authorization`` in the allowlist.

    The workshop's own checks name each missing piece with the value to put there; the
    validator's issues (the CLI's rules, placeholders) are added for every other path,
    so a placeholder left in one field and a string where a list belongs in another
    are reported together.
    """
    result = CheckResult(_("Runtime authorizer in agentcore/agentcore.json"))
    config = config_of(project, result)
    if config is None:
        return result
    runtimes = config.get("runtimes", [])
    if not runtimes or not isinstance(runtimes[0], dict):
        result.missing.append(_("agentcore.json has no runtime; restore the file from a backup."))
        return result
    runtime = runtimes[0]
    flagged: list[str] = []

    def missing(path: str, message: str) -> None:
        flagged.append(f"runtimes[0].{path}")
        result.missing.append(f"runtimes[0].{path}: {message}")

    allowlist = runtime.get("requestHeaderAllowlist", [])
    if not isinstance(allowlist, list) or "Authorization" not in allowlist:
        missing(
            "requestHeaderAllowlist",
            _(
                'add "requestHeaderAllowlist": ["Authorization"] to the runtime, so the token '
                "reaches the agent (step 3 forwards it to the Gateway)."
            ),
        )
    if runtime.get("authorizerType") != "CUSTOM_JWT":
        missing("authorizerType", _('set "authorizerType": "CUSTOM_JWT" on the runtime.'))
    jwt = jwt_authorizer(runtime)
    if jwt is None:
        missing(
            "authorizerConfiguration",
            _(
                'add "authorizerConfiguration": {"customJwtAuthorizer": {"discoveryUrl": ..., '
                '"allowedClients": [...]}} to the runtime (the values are printed above).'
            ),
        )
    else:
        for path, message in _jwt_problems(jwt, settings):
            missing(f"{_JWT}.{path}", message)
    result.missing += [
        f"{issue.path}: {issue.message} " + _("Fix: {fix}", fix=issue.fix)
        for issue in validate_config(config, project, settings.value_sources())
        if not any(related(issue.path, path) for path in flagged)
    ]
    return result


def check_old_gateway_removed(project: Path) -> CheckResult:
    """Step 2a: ``agentcore remove gateway --name my-gateway -y`` took the gateway out."""
    result = CheckResult(_("{gateway} removed from agentcore.json", gateway=OLD_GATEWAY))
    config = config_of(project, result)
    if config is None:
        return result
    if _gateway(config, OLD_GATEWAY) is not None:
        result.missing.append(
            _(
                "{gateway} is still in agentCoreGateways; run "
                "`agentcore remove gateway --name {gateway} -y`.",
                gateway=OLD_GATEWAY,
            )
        )
    return result


def check_secure_gateway(project: Path, settings: WorkshopSettings) -> CheckResult:
    """Step 2b: ``my-gateway-secure`` with the same CUSTOM_JWT authorizer as the runtime.

    A wrong ``authorizerType`` means a new gateway (AWS cannot update an existing
    gateway's type); a wrong ``discoveryUrl`` or ``allowedClients`` is fixed in the file
    and deployed in place.
    """
    result = CheckResult(_("{gateway} with a CUSTOM_JWT authorizer", gateway=SECURE_GATEWAY))
    config = config_of(project, result)
    if config is None:
        return result
    gateway = _gateway(config, SECURE_GATEWAY)
    if gateway is None:
        result.missing.append(
            _(
                "There is no gateway {gateway}; run `agentcore add gateway --name "
                "{gateway} --runtimes {runtime} --authorizer-type CUSTOM_JWT "
                "--discovery-url $COGNITO_DISCOVERY_URL --allowed-clients $COGNITO_CLIENT_ID`.",
                gateway=SECURE_GATEWAY,
                runtime=RUNTIME,
            )
        )
        return result
    if gateway.get("authorizerType") != "CUSTOM_JWT":
        result.missing.append(
            _(
                "{gateway} has authorizerType {authorizer_type}, not CUSTOM_JWT, and a "
                "deployed gateway's authorizer type cannot be changed in place (AWS: "
                '"Authorizer type cannot be updated for an existing gateway"; its '
                "authorizer configuration can be): remove the gateway, deploy, and add it "
                "again with --authorizer-type CUSTOM_JWT.",
                gateway=SECURE_GATEWAY,
                authorizer_type=repr(gateway.get("authorizerType")),
            )
        )
    jwt = jwt_authorizer(gateway)
    if jwt is not None:
        result.missing += [
            f"{SECURE_GATEWAY} {_JWT}.{path}: {message}"
            for path, message in _jwt_problems(jwt, settings)
        ]
    return result


def check_warranty_target(project: Path, settings: WorkshopSettings) -> CheckResult:
    """Step 2c: the WarrantyCheck Lambda target attached to ``my-gateway-secure``."""
    result = CheckResult(
        _("{target} attached to {gateway}", target=WARRANTY_TARGET, gateway=SECURE_GATEWAY)
    )
    config = config_of(project, result)
    if config is None:
        return result
    gateway = _gateway(config, SECURE_GATEWAY) or {}
    target = next((t for t in gateway.get("targets", []) if t.get("name") == WARRANTY_TARGET), None)
    if target is None:
        result.missing.append(
            _(
                "{gateway} has no target {target}; run `agentcore add gateway-target "
                "--type lambda-function-arn --name {target} --lambda-arn $WARRANTY_LAMBDA_ARN "
                "--tool-schema-file {schema} --gateway {gateway}`.",
                gateway=SECURE_GATEWAY,
                target=WARRANTY_TARGET,
                schema=TOOL_SCHEMA_FILE,
            )
        )
        return result
    lambda_target = target.get("lambdaFunctionArn") or {}
    if lambda_target.get("lambdaArn") != settings.warranty_check_lambda_arn:
        result.missing.append(
            _(
                "{target}'s lambdaArn should be the value of "
                "/app/customersupport/agentcore/warranty_check_lambda_arn ({arn}).",
                target=WARRANTY_TARGET,
                arn=settings.warranty_check_lambda_arn,
            )
        )
    schema = lambda_target.get("toolSchemaFile")
    if not schema or not (project / schema).is_file():
        result.missing.append(
            _(
                "{target}'s toolSchemaFile should be {schema} (a path in the project folder).",
                target=WARRANTY_TARGET,
                schema=TOOL_SCHEMA_FILE,
            )
        )
    return result


def check_gateway_replaced(project: Path, settings: WorkshopSettings) -> CheckResult:
    """Step 2 as a whole: the old gateway gone, the secure one there with its target."""
    result = CheckResult(_("Gateway replaced by one with a JWT authorizer"))
    for part in (
        check_old_gateway_removed(project),
        check_secure_gateway(project, settings),
        check_warranty_target(project, settings),
    ):
        result.missing += part.missing
    return result


def _web_client_problems(
    where: str, jwt: dict[str, Any], settings: WorkshopSettings, web: str
) -> list[str]:
    """What ``where`` (an ``allowedClients``) lacks to let in the web app and the machine."""
    clients = jwt.get("allowedClients")
    listed = clients if isinstance(clients, list) else []
    machine = settings.client_id
    wanted = f'"allowedClients": ["{machine}", "{web}"]'
    problems = []
    if web not in listed:
        problems.append(
            f"{where}: "
            + _(
                "add the web app client's id, the value of {parameter} ({web}), beside the "
                "machine client's: {wanted}.",
                parameter=WEB_CLIENT_PARAMETER,
                web=web,
                wanted=wanted,
            )
        )
    if machine not in listed:
        problems.append(
            f"{where}: "
            + _(
                "keep the machine client's id ({machine}) too, or its callers are refused: "
                "{wanted}.",
                machine=machine,
                wanted=wanted,
            )
        )
    return problems


def _gateway(config: dict[str, Any], name: str) -> dict[str, Any] | None:
    gateways = config.get("agentCoreGateways", [])
    return next((g for g in gateways if isinstance(g, dict) and g.get("name") == name), None)


def _jwt_problems(jwt: dict[str, Any], settings: WorkshopSettings) -> list[tuple[str, str]]:
    """What is wrong with ``discoveryUrl`` and ``allowedClients``: (key, fix) pairs."""
    problems = []
    url = jwt.get("discoveryUrl")
    url_source = "/app/customersupport/agentcore/cognito_discovery_url"
    placeholder = _PLACEHOLDER.search(url) if isinstance(url, str) else None
    if placeholder:
        problems.append(
            (
                "discoveryUrl",
                _(
                    "replace the placeholder {placeholder} with the value of {source}: {value}",
                    placeholder=placeholder.group(0),
                    source=url_source,
                    value=settings.cognito_discovery_url,
                ),
            )
        )
    elif url != settings.cognito_discovery_url:
        problems.append(
            (
                "discoveryUrl",
                _(
                    "set it to the value of {source}: {value}",
                    source=url_source,
                    value=settings.cognito_discovery_url,
                ),
            )
        )
    clients = jwt.get("allowedClients")
    client_source = "/app/customersupport/agentcore/client_id"
    if clients is None:
        problems.append(
            (
                "allowedClients",
                _(
                    'add "allowedClients": ["{client_id}"] (the value of {source}).',
                    client_id=settings.client_id,
                    source=client_source,
                ),
            )
        )
    elif not isinstance(clients, list):
        problems.append(
            (
                "allowedClients",
                _(
                    "it must be a list of client ids in square brackets, not a {kind}: "
                    '"allowedClients": ["{client_id}"].',
                    kind=type(clients).__name__,
                    client_id=settings.client_id,
                ),
            )
        )
    if isinstance(clients, list | str):
        values = clients if isinstance(clients, list) else [clients]
        placeholders = [v for v in values if isinstance(v, str) and _PLACEHOLDER.search(v)]
        if placeholders:
            problems.append(
                (
                    "allowedClients",
                    _(
                        "replace the placeholder {placeholder} with the value of {source}: {value}",
                        placeholder=placeholders[0],
                        source=client_source,
                        value=settings.client_id,
                    ),
                )
            )
        elif isinstance(clients, list) and settings.client_id not in clients:
            problems.append(
                (
                    "allowedClients",
                    _(
                        "put the app client id from {source} ({client_id}) in the list.",
                        source=client_source,
                        client_id=settings.client_id,
                    ),
                )
            )
    return problems


def check_web_client_allowed(project: Path, settings: WorkshopSettings) -> CheckResult:
    """Step 4, file 1: the web app's users get in too, at the runtime and at the Gateway.

    The agent forwards the caller's token to the Gateway (step 3), which checks it with
    its own ``allowedClients``: a user let into the runtime alone would find the
    warranty tool refused.
    """
    result = CheckResult(_("Web app client in the runtime's and the gateway's allowedClients"))
    config = config_of(project, result)
    if config is None:
        return result
    web = settings.web_client_id
    if web is None:
        result.missing.append(
            _(
                "Parameter Store has no {parameter}: the prerequisite stack must create the "
                "web app client and that parameter.",
                parameter=WEB_CLIENT_PARAMETER,
            )
        )
        return result
    runtime = (config.get("runtimes") or [{}])[0]
    runtime_jwt = jwt_authorizer(runtime) if isinstance(runtime, dict) else None
    if runtime_jwt is None:
        result.missing.append(
            "runtimes[0].authorizerConfiguration: "
            + _("the runtime has no CUSTOM_JWT authorizer; do step 1 (notebook 01) first.")
        )
        return result
    runtime_clients = f"runtimes[0].{_JWT}.allowedClients"
    result.missing += _web_client_problems(runtime_clients, runtime_jwt, settings, web)
    gateways = config.get("agentCoreGateways", [])
    index = next(
        (
            i
            for i, g in enumerate(gateways)
            if isinstance(g, dict) and g.get("name") == SECURE_GATEWAY
        ),
        None,
    )
    gateway_jwt = jwt_authorizer(gateways[index]) if index is not None else None
    if gateway_jwt is None:
        result.missing.append(
            _(
                "{gateway} has no CUSTOM_JWT authorizer; do step 2 (notebook 02) first.",
                gateway=SECURE_GATEWAY,
            )
        )
        return result
    gateway_clients = f"agentCoreGateways[{index}].{_JWT}.allowedClients"
    result.missing += _web_client_problems(gateway_clients, gateway_jwt, settings, web)
    result.missing += [
        f"{issue.path}: {issue.message} " + _("Fix: {fix}", fix=issue.fix)
        for issue in validate_config(config, project, settings.value_sources())
        if not related(issue.path, runtime_clients) and not related(issue.path, gateway_clients)
    ]
    return result
