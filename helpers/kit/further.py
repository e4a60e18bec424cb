"""Notebook 06's two edits of ``agentcore.json``, their checkers and their catch-up.

They go further than the workshop's four steps and are not steps: the finished workshop
(notebooks 01 to 05) stays the state every notebook catches up to, and notebook 06 starts
from it.

- **Scopes at the Runtime** (:func:`check_partner_scopes`): the runtime's authorizer names
  the partner team's app client in ``allowedClients`` (the team asked to call the agent)
  and admits only tokens granted what acting needs, in ``allowedScopes``: the workshop's
  scope (the machine's) and Cognito's scope of a signed-in user's access token. The
  partner's client was granted only ``read``, so it is refused for its scope, not its name.
  ``allowedScopes`` is one list for every caller: without the users' scope, alice and
  bob are refused too.
- **A group rule at the Gateway** (:func:`check_support_staff_rule`): ``my-gateway-secure``
  admits only tokens whose ``cognito:groups`` contain ``support-staff``, as AgentCore
  writes it: ``STRING_ARRAY``, ``CONTAINS``, one ``matchValueString``. A machine's token
  names no group, so the machine is refused at the Gateway too; the Runtime still lets
  it in.

Each checker lists every problem with its fix, as :mod:`helpers.kit.checks` does, and the
validator's findings for the rest of the file. :func:`apply_partner_scopes` and
:func:`apply_support_staff_rule` make an edit for a learner who fell behind, keeping
their file in a backup.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpers.basics.i18n import N_, _
from helpers.kit.checks.common import CheckResult, config_of, jwt_authorizer, related
from helpers.kit.errors import SettingsError
from helpers.kit.settings import PARAMETER_PREFIX, WorkshopSettings
from helpers.kit.steps import Replaced, backup
from helpers.model.config import CONFIG_PATH, read_config, write_config
from helpers.model.names import SECURE_GATEWAY
from helpers.model.project_types import CustomClaim
from helpers.model.validation import validate_config

PARTNER_PARAMETER = PARAMETER_PREFIX + "partner_client_id"
# What a Cognito user's access token from InitiateAuth is granted: Cognito's user APIs.
USER_SCOPE = "aws.cognito.signin.user.admin"
GROUPS_CLAIM = "cognito:groups"
SUPPORT_GROUP = "support-staff"
_JWT = "authorizerConfiguration.customJwtAuthorizer"
EDIT_SCOPES = N_("notebook 06, edit 1")
EDIT_GROUPS = N_("notebook 06, edit 2")


def partner_scope(settings: WorkshopSettings) -> str:
    """The partner's only scope: ``read`` of the workshop's resource server."""
    return settings.cognito_auth_scope.rsplit("/", 1)[0] + "/read"


def wanted_scopes(settings: WorkshopSettings) -> list[str]:
    """``allowedScopes`` as the edit writes it: the machine's scope, the users' scope."""
    return [settings.cognito_auth_scope, USER_SCOPE]


def support_staff_rule() -> CustomClaim:
    """The ``customClaims`` entry of the edit: ``cognito:groups`` contains ``support-staff``."""
    return {
        "inboundTokenClaimName": GROUPS_CLAIM,
        "inboundTokenClaimValueType": "STRING_ARRAY",
        "authorizingClaimMatchValue": {
            "claimMatchOperator": "CONTAINS",
            "claimMatchValue": {"matchValueString": SUPPORT_GROUP},
        },
    }


def no_partner() -> str:
    """What to do where Parameter Store names no partner client (an older AWS stack)."""
    return _(
        "Parameter Store has no {parameter}: the prerequisite stack must create the partner "
        "team's app client (client credentials, the scope {scope} only) and that parameter. "
        "The notebook's first section says how.",
        parameter=PARTNER_PARAMETER,
        scope="customersupport-agentcore/read",
    )


def check_partner_scopes(project: Path, settings: WorkshopSettings) -> CheckResult:
    """Edit 1: the partner's client named at the runtime, and the scopes that may act."""
    result = CheckResult(_("Partner client and allowedScopes in the runtime's authorizer"))
    config = config_of(project, result)
    if config is None:
        return result
    partner = settings.partner_client_id
    if partner is None:
        result.missing.append(no_partner())
        return result
    runtime = (config.get("runtimes") or [{}])[0]
    jwt = jwt_authorizer(runtime) if isinstance(runtime, dict) else None
    if jwt is None:
        result.missing.append(
            "runtimes[0].authorizerConfiguration: "
            + _("the runtime has no CUSTOM_JWT authorizer; do step 1 (notebook 01) first.")
        )
        return result
    clients_path = f"runtimes[0].{_JWT}.allowedClients"
    scopes_path = f"runtimes[0].{_JWT}.allowedScopes"
    clients = jwt.get("allowedClients")
    if not isinstance(clients, list) or partner not in clients:
        result.missing.append(
            f"{clients_path}: "
            + _(
                "add the partner team's client id, the value of {parameter} ({partner}), after "
                "the clients already there.",
                parameter=PARTNER_PARAMETER,
                partner=partner,
            )
        )
    scopes = jwt.get("allowedScopes")
    wanted = json.dumps(wanted_scopes(settings))
    if scopes is None:
        result.missing.append(
            f"{scopes_path}: "
            + _(
                'add "allowedScopes": {wanted} beside allowedClients: a token must be granted '
                "one of these scopes.",
                wanted=wanted,
            )
        )
    elif not isinstance(scopes, list):
        result.missing.append(
            f"{scopes_path}: "
            + _(
                "it must be a list of scopes in square brackets, not a {kind}: "
                '"allowedScopes": {wanted}.',
                kind=type(scopes).__name__,
                wanted=wanted,
            )
        )
    else:
        if settings.cognito_auth_scope not in scopes:
            result.missing.append(
                f"{scopes_path}: "
                + _(
                    "add {scope}, the scope of the workshop's machine client, or the machine is "
                    "refused: {wanted}.",
                    scope=settings.cognito_auth_scope,
                    wanted=wanted,
                )
            )
        if USER_SCOPE not in scopes:
            result.missing.append(
                f"{scopes_path}: "
                + _(
                    "add {scope}, the scope of a signed-in user's access token, or alice and "
                    "bob are refused (allowedScopes is one list for every caller): {wanted}.",
                    scope=USER_SCOPE,
                    wanted=wanted,
                )
            )
        if partner_scope(settings) in scopes:
            result.missing.append(
                f"{scopes_path}: "
                + _(
                    "remove {scope}: it is the partner's only scope, so listing it would let "
                    "the partner act; named in allowedClients, it is refused for its scope.",
                    scope=partner_scope(settings),
                )
            )
    result.missing += _validator_findings(config, project, settings, [clients_path, scopes_path])
    return result


def check_support_staff_rule(project: Path, settings: WorkshopSettings) -> CheckResult:
    """Edit 2: ``my-gateway-secure`` admits only tokens of the support-staff group."""
    result = CheckResult(_("Group rule in {gateway}'s authorizer", gateway=SECURE_GATEWAY))
    config = config_of(project, result)
    if config is None:
        return result
    index, gateway = gateway_named(config, SECURE_GATEWAY)
    jwt = jwt_authorizer(gateway) if gateway is not None else None
    if jwt is None:
        result.missing.append(
            _(
                "{gateway} has no CUSTOM_JWT authorizer; do step 2 (notebook 02) first.",
                gateway=SECURE_GATEWAY,
            )
        )
        return result
    claims_path = f"agentCoreGateways[{index}].{_JWT}.customClaims"
    rule = json.dumps(support_staff_rule())
    claims = jwt.get("customClaims")
    rules = [c for c in claims if isinstance(c, dict)] if isinstance(claims, list) else []
    if claims is None:
        result.missing.append(
            f"{claims_path}: "
            + _(
                'add "customClaims": [{rule}] beside allowedClients.',
                rule=rule,
            )
        )
    elif not isinstance(claims, list):
        result.missing.append(
            f"{claims_path}: "
            + _(
                "it must be a list of rules in square brackets, not a {kind}: "
                '"customClaims": [{rule}].',
                kind=type(claims).__name__,
                rule=rule,
            )
        )
    elif not any(_admits_support_staff(c) for c in rules):
        result.missing += [f"{claims_path}: {problem}" for problem in _rule_problems(rules, rule)]
    result.missing += _validator_findings(config, project, settings, [claims_path])
    return result


def _admits_support_staff(rule: dict[str, Any]) -> bool:
    match = rule.get("authorizingClaimMatchValue")
    value = match.get("claimMatchValue") if isinstance(match, dict) else None
    if rule.get("inboundTokenClaimName") != GROUPS_CLAIM or not isinstance(value, dict):
        return False
    if rule.get("inboundTokenClaimValueType") != "STRING_ARRAY":
        return False
    operator = match.get("claimMatchOperator") if isinstance(match, dict) else None
    if operator == "CONTAINS":
        return value == {"matchValueString": SUPPORT_GROUP}
    listed = value.get("matchValueStringList")
    return operator == "CONTAINS_ANY" and isinstance(listed, list) and SUPPORT_GROUP in listed


def _rule_problems(rules: list[dict[str, Any]], rule: str) -> list[str]:
    """Why no rule admits the support staff: the likely slip first, else the rule to write."""
    names = {r.get("inboundTokenClaimName") for r in rules}
    if GROUPS_CLAIM not in names:
        return [
            _(
                "the claim is \"{claim}\", Cognito's name for a user's groups (with the "
                "colon): {rule}",
                claim=GROUPS_CLAIM,
                rule=rule,
            )
        ]
    values = json.dumps([r.get("authorizingClaimMatchValue") for r in rules])
    if SUPPORT_GROUP not in values:
        return [_('the group is "{group}": {rule}', group=SUPPORT_GROUP, rule=rule)]
    return [_("write the rule as AgentCore takes it: {rule}", rule=rule)]


def gateway_named(config: dict[str, Any], name: str) -> tuple[int, dict[str, Any] | None]:
    """The gateway called ``name`` and its index in ``agentCoreGateways`` (-1 if none)."""
    gateways = config.get("agentCoreGateways")
    for index, gateway in enumerate(gateways if isinstance(gateways, list) else []):
        if isinstance(gateway, dict) and gateway.get("name") == name:
            return index, gateway
    return -1, None


def _validator_findings(
    config: dict[str, Any], project: Path, settings: WorkshopSettings, flagged: list[str]
) -> list[str]:
    return [
        f"{issue.path}: {issue.message} " + _("Fix: {fix}", fix=issue.fix)
        for issue in validate_config(config, project, settings.value_sources())
        if not any(related(issue.path, path) for path in flagged)
        or issue.kit_only  # AgentCore's pairing of a rule's operator: said as it is
    ]


def in_effect(project: Path, settings: WorkshopSettings) -> list[str]:
    """Findings for a failed checkpoint: notebook 06's edits that refuse callers the
    workshop's own checkpoints expect in (notebook 04 run again after 06, say)."""
    findings = []
    if check_support_staff_rule(project, settings).ok:
        findings.append(
            _(
                "{gateway} has notebook 06's group rule: the Gateway refuses every caller "
                "outside {group}, the machine and bob too. To undo it, delete customClaims "
                "from its authorizer and deploy.",
                gateway=SECURE_GATEWAY,
                group=SUPPORT_GROUP,
            )
        )
    if check_partner_scopes(project, settings).ok:
        findings.append(
            _(
                "The runtime has notebook 06's allowedScopes: a token needs one of {scopes}. "
                "To undo it, delete allowedScopes from its authorizer and deploy.",
                scopes=", ".join(wanted_scopes(settings)),
            )
        )
    return findings


def apply_partner_scopes(project: Path, settings: WorkshopSettings) -> list[Replaced]:
    """Edit 1 for a learner who fell behind, only if its check fails; their file kept."""
    if check_partner_scopes(project, settings).ok:
        return []
    if settings.partner_client_id is None:
        raise SettingsError(no_partner())
    config = read_config(project)
    runtime = config["runtimes"][0]
    jwt = runtime["authorizerConfiguration"]["customJwtAuthorizer"]
    clients = [c for c in jwt.get("allowedClients") or [] if isinstance(c, str)]
    jwt["allowedClients"] = [
        *clients,
        *[c for c in [settings.partner_client_id] if c not in clients],
    ]
    jwt["allowedScopes"] = wanted_scopes(settings)
    return [_replace(project, config, EDIT_SCOPES)]


def apply_support_staff_rule(project: Path, settings: WorkshopSettings) -> list[Replaced]:
    """Edit 2 for a learner who fell behind, only if its check fails; their file kept."""
    check = check_support_staff_rule(project, settings)
    if check.ok:
        return []
    config = read_config(project)
    _, gateway = gateway_named(config, SECURE_GATEWAY)
    jwt = jwt_authorizer(gateway) if gateway is not None else None
    if jwt is None:  # no secure gateway yet: step 2 first, as the check says
        raise SettingsError(check.missing[0])
    jwt["customClaims"] = [support_staff_rule()]
    return [_replace(project, config, EDIT_GROUPS)]


def _replace(project: Path, config: dict[str, Any], edit: str) -> Replaced:
    path = project / CONFIG_PATH
    kept = backup(path)
    write_config(project, config)
    return Replaced(path, kept, _(edit))
