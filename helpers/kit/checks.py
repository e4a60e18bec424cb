"""Checkers for the learner's edits and commands: what is done and, precisely, what is missing.

Each checker reads the learner's file the way a reviewer would, on structure rather
than text: the parsed ``agentcore.json`` for steps 1, 2 and 4, the Python AST of
``mcp_client/client.py`` and ``main.py`` for steps 3 and 4. So formatting, comments or a
different variable name never fail a correct edit. Every checker lists every
problem it finds at once, each with its fix, so one run tells the whole story.

Code that has the right shape may still not run, or run and send the wrong token; so
the code checkers also run the learner's code against stand-ins
(:mod:`helpers.kit.behaviour`) and lead with what it did. What the run shows wrong
decides; the shape's findings follow as hints. Code that behaves is done, in whatever
shape, unless it prints the token, which no run can see.
"""

from __future__ import annotations

import ast
import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.basics.i18n import _
from helpers.kit import behaviour
from helpers.kit.paths import AGENT_TEMPLATE_DIR, SOLUTIONS_DIR, shown
from helpers.kit.settings import PARAMETER_PREFIX, WorkshopSettings
from helpers.model.config import CONFIG_PATH, ConfigJSONError, read_config
from helpers.model.names import (
    OLD_GATEWAY,
    OLD_GATEWAY_ENV,
    RUNTIME,
    SECURE_GATEWAY,
    SECURE_GATEWAY_ENV,
    WARRANTY_TARGET,
)
from helpers.model.validation import validate_config

TOOL_SCHEMA_FILE = "app/CustomerSupport/tool/warranty_schema.json"
CODE_DIR = Path("app/CustomerSupport")
MCP_CLIENT_FILE = CODE_DIR / "mcp_client" / "client.py"
MAIN_FILE = CODE_DIR / "main.py"
ACTOR_MODULE = "memory.actor"
ACTOR_FUNCTION = "actor_id"
CALLER_TOKEN_MODULE = "mcp_client.caller_token"
CALLER_TOKEN = "CallerToken"
PROBE = "mcp_server_problem"
MEMORY_SESSION_MANAGER = "get_memory_session_manager"
WEB_CLIENT_PARAMETER = PARAMETER_PREFIX + "web_client_id"
_PLACEHOLDER = re.compile(r"<[^<>]+>")
_JWT = "authorizerConfiguration.customJwtAuthorizer"


@dataclass
class CheckResult:
    """``missing`` lists what is still to do, one actionable sentence each."""

    what: str
    missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing

    def __str__(self) -> str:
        if self.ok:
            return _("✅ {what}: done.", what=self.what)
        todo = "\n".join(f"  - {item}" for item in self.missing)
        return _("❌ {what}: still to do", what=self.what) + "\n" + todo

    def _repr_markdown_(self) -> str:
        # Escaped: Markdown would take a placeholder such as <COGNITO_CLIENT_ID value> for
        # an HTML tag and show nothing where the learner must look.
        what = "**" + html.escape(self.what, quote=False) + "**"
        if self.ok:
            return _("✅ {what}: done.", what=what)
        todo = "\n".join(f"- {html.escape(m, quote=False)}" for m in self.missing)
        return _("❌ {what}: still to do", what=what) + "\n\n" + todo


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


def config_of(project: Path, result: CheckResult) -> dict[str, Any] | None:
    try:
        return read_config(project)
    except ConfigJSONError as error:
        result.missing.append(str(error))
    except FileNotFoundError:
        result.missing.append(project_missing(project))
    return None


def project_missing(project: Path) -> str:
    """What to do when the project's agentcore.json is gone."""
    return _(
        "{path} is missing (the project folder deleted or moved?): run the notebook's "
        "first cell again, which makes a fresh copy of the project, or restore it from "
        "a backup folder beside it.",
        path=shown(project / CONFIG_PATH),
    )


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


def jwt_authorizer(resource: dict[str, Any]) -> dict[str, Any] | None:
    configuration = resource.get("authorizerConfiguration")
    jwt = configuration.get("customJwtAuthorizer") if isinstance(configuration, dict) else None
    return jwt if isinstance(jwt, dict) else None


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


def related(path: str, flagged: str) -> bool:
    """Whether a validator issue at ``path`` is about what ``flagged`` already reports:
    the same field, a member of it (``.name`` or ``[0]``), or the field it belongs to."""
    return path == flagged or _inside(path, flagged) or _inside(flagged, path)


def _inside(path: str, parent: str) -> bool:
    return path.startswith((parent + ".", parent + "["))


def _parse(path: Path, result: CheckResult) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(), filename=str(path))
    except SyntaxError as error:
        result.missing.append(
            _(
                "{file} line {line}: {error}; fix the syntax.",
                file=path.name,
                line=error.lineno,
                error=error.msg,
            )
        )
    except FileNotFoundError:
        result.missing.append(_("{path} is missing; restore it from its backup.", path=path))
    return None


def _function(tree: ast.Module, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return node
    return None


def _string_constants(tree: ast.AST) -> set[str]:
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    }


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    def called(node: ast.Call) -> str | None:
        if isinstance(node.func, ast.Name):
            return node.func.id
        if isinstance(node.func, ast.Attribute):
            return node.func.attr
        return None

    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and called(n) == name]


def _prints_a_secret(tree: ast.AST) -> bool:
    """A print() or log call whose arguments mention the header or the token."""
    suspicious = ("authorization", "request_headers", "token", "bearer")
    for call in (*_calls(tree, "print"), *_calls(tree, "info"), *_calls(tree, "debug")):
        for argument in ast.walk(
            ast.Module(body=[ast.Expr(a) for a in call.args], type_ignores=[])
        ):
            name = getattr(argument, "id", None) or getattr(argument, "attr", None)
            if name and any(word in name.lower() for word in suspicious):
                return True
    return False


def _with_behaviour(
    result: CheckResult,
    project: Path,
    relative: Path,
    findings: Callable[[Path], list[str]],
    always: Sequence[str] = (),
) -> CheckResult:
    """``result``'s shape findings joined to what running the code showed.

    A file as shipped is not run: the start state's shape findings are the to-do list,
    and the finished solutions are run by the suite. Otherwise the run's findings lead
    and the shape's follow as hints; when the run shows nothing wrong, only the shape
    findings in ``always`` (what no run can see) stay.
    """
    if _as_shipped(project, relative):
        return result
    observed = findings(project / CODE_DIR)
    if observed:
        result.missing = observed + [_("Hint: {hint}", hint=hint) for hint in result.missing]
    else:
        result.missing = [finding for finding in result.missing if finding in always]
    return result


def _as_shipped(project: Path, relative: Path) -> bool:
    """Whether the file is byte for byte the start state's or a finished solution's."""
    content = (project / relative).read_bytes()
    shipped = [AGENT_TEMPLATE_DIR / relative, *SOLUTIONS_DIR.glob(f"*/{relative}")]
    return any(path.is_file() and path.read_bytes() == content for path in shipped)


def _no_printing() -> str:
    """What both step-3 checkers say about a print or log line that shows the header."""
    return _("Do not print or log the Authorization header: it is a bearer token.")


def _keyword_arguments(calls: list[ast.Call]) -> set[str | None]:
    return {keyword.arg for call in calls for keyword in call.keywords}


def check_mcp_client(project: Path) -> CheckResult:
    """Step 3, file 1: the Gateway client reads the secure URL and presents the caller's
    token on every request."""
    path = project / MCP_CLIENT_FILE
    result = CheckResult("mcp_client/client.py")
    tree = _parse(path, result)
    if tree is None:
        return result
    constants = _string_constants(tree)
    if SECURE_GATEWAY_ENV not in constants:
        result.missing.append(
            _("Read the Gateway URL from {variable}.", variable=SECURE_GATEWAY_ENV)
        )
    if OLD_GATEWAY_ENV in constants:
        result.missing.append(
            _(
                "{variable} belongs to the removed gateway; no runtime gets it any more.",
                variable=OLD_GATEWAY_ENV,
            )
        )
    function = _function(tree, "get_gateway_mcp_client")
    if function is None:
        result.missing.append(_("Keep the function get_gateway_mcp_client (main.py calls it)."))
        return result
    if not function.args.args:
        result.missing.append(
            _("Give get_gateway_mcp_client a parameter for the caller's token: caller_token.")
        )
    client_arguments = _keyword_arguments(_calls(function, "streamablehttp_client"))
    if "auth" not in client_arguments:
        if "headers" in client_arguments:
            result.missing.append(
                _(
                    "headers=... is fixed when the client is built, and the session's Agent "
                    "keeps its client: every later request would send the first request's "
                    "token, even after it expired. Pass auth=caller_token instead, which "
                    "each HTTP request asks for the current token."
                )
            )
        else:
            result.missing.append(
                _("Pass the caller's token: streamablehttp_client(url, auth=caller_token).")
            )
    if not any(len(call.args) + len(call.keywords) >= 2 for call in _calls(function, PROBE)):
        result.missing.append(
            _(
                "Check the Gateway with the caller's token too: {probe}(url, caller_token); "
                "without it the Gateway answers 401 and the agent leaves out its tools.",
                probe=PROBE,
            )
        )
    if _prints_a_secret(tree):
        result.missing.append(_no_printing())
    return _with_behaviour(
        result, project, MCP_CLIENT_FILE, behaviour.client_findings, [_no_printing()]
    )


def check_main(project: Path) -> CheckResult:
    """Step 3, file 2: main.py keys its agents by caller and hands each request's header
    to the Gateway client."""
    path = project / MAIN_FILE
    result = CheckResult("main.py")
    tree = _parse(path, result)
    if tree is None:
        return result
    uses_headers = any(
        isinstance(node, ast.Attribute) and node.attr == "request_headers"
        for node in ast.walk(tree)
    )
    if not uses_headers:
        result.missing.append(
            _(
                "Read the header in the entrypoint: "
                '(context.request_headers or {}).get("Authorization").'
            )
        )
    if "Authorization" not in _string_constants(tree):
        result.missing.append(_('Take the "Authorization" entry of context.request_headers.'))
    if not _calls(tree, CALLER_TOKEN):
        result.missing.append(
            _(
                "Make the Agent's token holder where the Agent is built: "
                "gateway_token = {holder}(authorization), from {module}.",
                holder=CALLER_TOKEN,
                module=CALLER_TOKEN_MODULE,
            )
        )
    if not any(call.args or call.keywords for call in _calls(tree, "get_gateway_mcp_client")):
        result.missing.append(_("Pass the token holder: get_gateway_mcp_client(gateway_token)."))
    if not _calls(tree, ACTOR_FUNCTION):
        result.missing.append(
            _(
                "Key the agents by caller too, key = (session_id, user_id, "
                "actor_id(authorization)): two callers must never share an Agent, or its "
                "Gateway client."
            )
        )
    if not _presents_per_request(tree):
        result.missing.append(
            _(
                "In the entrypoint, answer inside async with session.turn, "
                "session.gateway_token.presenting(authorization): so that each request's "
                "Gateway calls carry its own token, and none is kept afterwards."
            )
        )
    module_level = [
        node for node in tree.body if isinstance(node, ast.Assign | ast.AnnAssign | ast.Expr)
    ]
    if any(
        _calls(node, "get_gateway_mcp_client") or _calls(node, "Agent") for node in module_level
    ):
        result.missing.append(
            _(
                "Build the Gateway client and the Agent in get_or_create_agent, not at import "
                "time: one built at import serves every session and caller alike."
            )
        )
    if _prints_a_secret(tree):
        result.missing.append(_no_printing())
    return _with_behaviour(result, project, MAIN_FILE, behaviour.main_findings, [_no_printing()])


def _presents_per_request(tree: ast.Module) -> bool:
    """Whether the entrypoint streams inside ``async with <holder>.presenting(...)``."""
    return any(
        isinstance(node, ast.AsyncWith)
        and any(_calls(item.context_expr, "presenting") for item in node.items)
        for entrypoint in _entrypoints(tree)
        for node in ast.walk(entrypoint)
    )


def _entrypoints(tree: ast.Module) -> list[ast.AsyncFunctionDef | ast.FunctionDef]:
    """The functions decorated ``@app.entrypoint``."""
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef)
        and any(
            getattr(decorator, "attr", getattr(decorator, "id", None)) == "entrypoint"
            for decorator in node.decorator_list
        )
    ]


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


def _reads_payload_key(tree: ast.AST) -> list[str]:
    """The keys the code reads from ``payload`` besides the prompt (``payload.get("k")``,
    ``payload["k"]``)."""
    keys = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "payload"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            keys.append(str(node.args[0].value))
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id == "payload"
            and isinstance(node.slice, ast.Constant)
        ):
            keys.append(str(node.slice.value))
    return [key for key in keys if key != "prompt"]


def _reads_context_user_id(tree: ast.AST) -> bool:
    """``getattr(context, "user_id", ...)`` or ``context.user_id``."""
    return any(
        isinstance(node, ast.Attribute) and node.attr == "user_id" for node in ast.walk(tree)
    ) or any(
        len(call.args) >= 2
        and isinstance(call.args[1], ast.Constant)
        and call.args[1].value == "user_id"
        for call in _calls(tree, "getattr")
    )


def _from_actor_id(argument: ast.expr, tree: ast.AST) -> bool:
    """Whether ``argument`` is ``actor_id(...)``, or a name assigned from it."""
    if _calls(argument, ACTOR_FUNCTION):
        return True
    assigned = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and _calls(node.value, ACTOR_FUNCTION)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    return isinstance(argument, ast.Name) and argument.id in assigned


def check_memory_actor(project: Path) -> CheckResult:
    """Step 4, file 2: main.py takes the memory actor from the caller's verified token."""
    path = project / MAIN_FILE
    result = CheckResult(_("main.py: whose memory"))
    tree = _parse(path, result)
    if tree is None:
        return result
    for key in _reads_payload_key(tree):
        result.missing.append(
            _(
                'Do not take the actor from payload["{key}"]: the payload is whatever the '
                "caller writes (Bob can send {key}=alice). Remove that line.",
                key=key,
            )
        )
    if _reads_context_user_id(tree):
        result.missing.append(
            _(
                'Remove user_id = getattr(context, "user_id", "default-user"): RequestContext '
                'has no user_id, so every caller is "default-user" and all share one memory.'
            )
        )
    imported = any(
        isinstance(node, ast.ImportFrom)
        and node.module == ACTOR_MODULE
        and any(alias.name == ACTOR_FUNCTION for alias in node.names)
        for node in ast.walk(tree)
    )
    if not imported:
        result.missing.append(
            _("Import it: {line}.", line=f"from {ACTOR_MODULE} import {ACTOR_FUNCTION}")
        )
    managers = _calls(tree, MEMORY_SESSION_MANAGER)
    actors = [call.args[1] for call in managers if len(call.args) >= 2]
    actors += [k.value for call in managers for k in call.keywords if k.arg == "actor_id"]
    if not actors or not all(_from_actor_id(actor, tree) for actor in actors):
        result.missing.append(
            _(
                "Take the actor from the verified token: in get_or_create_agent, "
                "actor = actor_id(authorization), key = (session_id, actor), and "
                "get_memory_session_manager(session_id, actor)."
            )
        )
    return _with_behaviour(result, project, MAIN_FILE, behaviour.memory_findings)
