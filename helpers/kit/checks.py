"""Checkers for the learner's edits: what is done and, precisely, what is still missing.

Each checker reads the learner's file the way a reviewer would, on structure rather
than text: the parsed ``agentcore.json`` for step 1, the Python AST of
``mcp_client/client.py`` and ``main.py`` for step 3. So formatting, comments or a
different variable name never fail a correct edit.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from helpers.kit.settings import WorkshopSettings
from helpers.kit.steps import OLD_GATEWAY, SECURE_GATEWAY
from helpers.model.config import ConfigJSONError, read_config
from helpers.model.names import gateway_url_env_var
from helpers.model.validation import validate_config

CODE_DIR = Path("app/CustomerSupport")
SECURE_GATEWAY_ENV = gateway_url_env_var(SECURE_GATEWAY)
OLD_GATEWAY_ENV = gateway_url_env_var(OLD_GATEWAY)


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
            return f"✅ {self.what}: done."
        todo = "\n".join(f"  - {item}" for item in self.missing)
        return f"❌ {self.what}: still to do\n{todo}"

    def _repr_markdown_(self) -> str:
        if self.ok:
            return f"✅ **{self.what}**: done."
        return f"❌ **{self.what}**: still to do\n\n" + "\n".join(f"- {m}" for m in self.missing)


def check_runtime_authorizer(project: Path, settings: WorkshopSettings) -> CheckResult:
    """Step 1: the runtime's CUSTOM_JWT authorizer and ``Authorization`` in the allowlist."""
    result = CheckResult("Runtime authorizer in agentcore/agentcore.json")
    try:
        config = read_config(project)
    except ConfigJSONError as error:
        result.missing.append(str(error))
        return result
    runtimes = config.get("runtimes", [])
    if not runtimes:
        result.missing.append("agentcore.json has no runtime; restore the file from a backup.")
        return result
    runtime = runtimes[0]
    if "Authorization" not in runtime.get("requestHeaderAllowlist", []):
        result.missing.append(
            'Add "requestHeaderAllowlist": ["Authorization"] to the runtime, so the token '
            "reaches the agent (step 3 forwards it to the Gateway)."
        )
    if runtime.get("authorizerType") != "CUSTOM_JWT":
        result.missing.append('Set "authorizerType": "CUSTOM_JWT" on the runtime.')
    jwt = runtime.get("authorizerConfiguration", {}).get("customJwtAuthorizer", {})
    if jwt.get("discoveryUrl") != settings.cognito_discovery_url:
        result.missing.append(
            "Set authorizerConfiguration.customJwtAuthorizer.discoveryUrl to the value of "
            "/app/customersupport/agentcore/cognito_discovery_url "
            f"({settings.cognito_discovery_url})."
        )
    if settings.client_id not in jwt.get("allowedClients", []):
        result.missing.append(
            "Put the app client id from /app/customersupport/agentcore/client_id "
            f'({settings.client_id}) in "allowedClients".'
        )
    if not result.missing:
        result.missing += [
            f"{issue.path}: {issue.message} Fix: {issue.fix}"
            for issue in validate_config(config, project, settings.value_sources())
        ]
    return result


def _parse(path: Path, result: CheckResult) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(), filename=str(path))
    except SyntaxError as error:
        result.missing.append(f"{path.name} line {error.lineno}: {error.msg}; fix the syntax.")
    except FileNotFoundError:
        result.missing.append(f"{path} is missing; restore it from its backup.")
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


def check_mcp_client(project: Path) -> CheckResult:
    """Step 3, file 1: the Gateway client reads the secure URL and sends the header."""
    path = project / CODE_DIR / "mcp_client" / "client.py"
    result = CheckResult("mcp_client/client.py")
    tree = _parse(path, result)
    if tree is None:
        return result
    constants = _string_constants(tree)
    if SECURE_GATEWAY_ENV not in constants:
        result.missing.append(f"Read the Gateway URL from {SECURE_GATEWAY_ENV}.")
    if OLD_GATEWAY_ENV in constants:
        result.missing.append(
            f"{OLD_GATEWAY_ENV} belongs to the removed gateway; no runtime gets it any more."
        )
    function = _function(tree, "get_gateway_mcp_client")
    if function is None:
        result.missing.append("Keep the function get_gateway_mcp_client (main.py calls it).")
        return result
    if not function.args.args:
        result.missing.append(
            "Give get_gateway_mcp_client a parameter for the caller's Authorization value."
        )
    if "Authorization" not in _string_constants(function):
        result.missing.append('Build headers with the key "Authorization" for the Gateway.')
    if not any(
        keyword.arg == "headers"
        for call in _calls(function, "streamablehttp_client")
        for keyword in call.keywords
    ):
        result.missing.append("Pass headers=... to streamablehttp_client(url, headers=...).")
    if _prints_a_secret(tree):
        result.missing.append("Do not print or log the Authorization header: it is a bearer token.")
    return result


def check_main(project: Path) -> CheckResult:
    """Step 3, file 2: main.py takes the header per request and hands it to the client."""
    path = project / CODE_DIR / "main.py"
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
            "Read the header in the entrypoint: "
            '(context.request_headers or {}).get("Authorization").'
        )
    if "Authorization" not in _string_constants(tree):
        result.missing.append('Take the "Authorization" entry of context.request_headers.')
    gateway_calls = _calls(tree, "get_gateway_mcp_client")
    if not any(call.args or call.keywords for call in gateway_calls):
        result.missing.append("Pass the Authorization value to get_gateway_mcp_client(...).")
    module_level = [
        node for node in tree.body if isinstance(node, ast.Assign | ast.AnnAssign | ast.Expr)
    ]
    if any(
        _calls(node, "get_gateway_mcp_client") or _calls(node, "Agent") for node in module_level
    ):
        result.missing.append(
            "Build the Gateway client and the Agent per request, not at import time: a cached "
            "client keeps the first caller's token after it expires."
        )
    if _prints_a_secret(tree):
        result.missing.append("Do not print or log the Authorization header: it is a bearer token.")
    return result
