"""The checks of the learner's Python code: ``mcp_client/client.py`` and ``main.py``.

Code that has the right shape may still not run, or run and send the wrong token; so
the code checkers also run the learner's code against stand-ins
(:mod:`helpers.kit.behaviour`) and lead with what it did. What the run shows wrong
decides; the shape's findings follow as hints. Code that behaves is done, in whatever
shape, unless it prints the token, which no run can see.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from pathlib import Path

from helpers.basics.i18n import _
from helpers.kit import behaviour
from helpers.kit.checks.common import CheckResult
from helpers.kit.paths import AGENT_TEMPLATE_DIR, SOLUTIONS_DIR
from helpers.model.names import OLD_GATEWAY_ENV, SECURE_GATEWAY_ENV

CODE_DIR = Path("app/CustomerSupport")
MCP_CLIENT_FILE = CODE_DIR / "mcp_client" / "client.py"
MAIN_FILE = CODE_DIR / "main.py"
ACTOR_MODULE = "memory.actor"
ACTOR_FUNCTION = "actor_id"
CALLER_TOKEN_MODULE = "mcp_client.caller_token"
CALLER_TOKEN = "CallerToken"
PROBE = "mcp_server_problem"
MEMORY_SESSION_MANAGER = "get_memory_session_manager"


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
