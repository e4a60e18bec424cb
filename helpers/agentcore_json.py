"""The learner's ``agentcore/agentcore.json``: read it, write it, and edit it like the CLI.

The workshop edits this file by hand (the runtime authorizer) and through the
``agentcore`` CLI (remove and re-add the gateway, re-attach the target). The
local mode has no CLI, so the edits below reproduce what CLI 0.30.0 writes,
byte for byte: same keys, same key order, same formatting. That keeps one
project folder deployable by either backend and lets tests compare against
files the real CLI wrote.

Every edit is a pure function: it returns a new dict and never touches its
input, so a caller can diff, validate, or discard the result before saving.
"""

from __future__ import annotations

import copy
import json
import os
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

CONFIG_PATH = Path("agentcore/agentcore.json")

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


class ConfigJSONError(ValueError):
    """``agentcore.json`` cannot be read as a config: broken JSON, or not a JSON object.

    ``detail`` says what and where (line, column, and the character offset the
    CLI calls "position"); ``hint`` is one sentence on the likely fix. The
    exception's text is both.
    """

    def __init__(self, detail: str, hint: str, *, file: str, line: int, column: int, position: int):
        super().__init__(f"{detail} {hint}")
        self.detail = detail
        self.hint = hint
        self.file = file
        self.line = line
        self.column = column
        self.position = position


class ConfigEditError(ValueError):
    """An edit cannot be applied to this config; the message says why and what to do."""


def parse_config(text: str, file: str = CONFIG_PATH.as_posix()) -> dict[str, Any]:
    """Parse the text of an ``agentcore.json``; raise ConfigJSONError naming the spot."""
    try:
        config = json.loads(text)
    except json.JSONDecodeError as err:
        raise ConfigJSONError(
            f"{file} is not valid JSON: {err.msg} at line {err.lineno}, column {err.colno} "
            f"(character {err.pos}).",
            _json_hint(text, err),
            file=file,
            line=err.lineno,
            column=err.colno,
            position=err.pos,
        ) from None
    if not isinstance(config, dict):
        start = len(text) - len(text.lstrip())
        raise ConfigJSONError(
            f"{file} must hold one JSON object ({{ ... }}) at the top level.",
            "Wrap the settings in braces, as in the workshop's agent/agentcore/agentcore.json.",
            file=file,
            line=text.count("\n", 0, start) + 1,
            column=start - text.rfind("\n", 0, start),
            position=start,
        )
    return config


def read_config(project_dir: Path) -> dict[str, Any]:
    """Load ``agentcore/agentcore.json`` from a project folder."""
    path = Path(project_dir) / CONFIG_PATH
    if not path.is_file():
        raise FileNotFoundError(
            f"No {CONFIG_PATH.as_posix()} in {project_dir} (looked for {path}). "
            "Point at the project folder that holds agentcore/ and app/."
        )
    return parse_config(path.read_text(encoding="utf-8"))


def write_config(project_dir: Path, config: dict[str, Any]) -> None:
    """Save the config formatted exactly as the CLI does (indent 2, no final newline).

    The file is replaced atomically so a crash or a concurrent reader never sees
    half a file; the learner's file mode is kept.
    """
    path = Path(project_dir) / CONFIG_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(config, indent=2, ensure_ascii=False).encode("utf-8")
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # 0o666 lets the umask decide, as for any newly created file.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


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
            "allowed_clients is empty: pass at least one Cognito app client id, "
            "or every token would be refused."
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
            f'Gateway "{name}" already exists. Remove it first, or pick another name.'
        )
    known = [runtime.get("name") for runtime in new.get("runtimes", [])]
    for runtime in _string_list(runtimes, "runtimes"):
        if runtime not in known:
            raise ConfigEditError(
                f'No runtime named "{runtime}" in agentcore.json (runtimes: '
                f"{_names(known)}). Pass one of those names in runtimes."
            )
    if authorizer_type not in GATEWAY_AUTHORIZER_TYPES:
        raise ConfigEditError(
            f'authorizer_type "{authorizer_type}" is not one of '
            f"{', '.join(GATEWAY_AUTHORIZER_TYPES)}. Use CUSTOM_JWT to require a Cognito token."
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
                "A CUSTOM_JWT gateway needs discovery_url: pass the Cognito "
                "OIDC discovery URL (…/.well-known/openid-configuration)."
            )
        if not any(jwt_lists.values()):
            raise ConfigEditError(
                "A CUSTOM_JWT gateway needs allowed_clients, allowed_audience or "
                "allowed_scopes: pass the Cognito app client id in allowed_clients."
            )
        # Like the CLI: empty lists are left out, not written as [].
        jwt = {"discoveryUrl": discovery_url} | {k: v for k, v in jwt_lists.items() if v}
        gateway["authorizerConfiguration"] = {"customJwtAuthorizer": jwt}
    elif discovery_url or any(value is not None for value in jwt_lists.values()):
        raise ConfigEditError(
            f"discovery_url and allowed_* only apply to a CUSTOM_JWT gateway, not "
            f"{authorizer_type}. Set authorizer_type='CUSTOM_JWT' or drop them."
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
            f'Target "{name}" already exists on gateway "{gateway}". '
            "Keep the existing one, or give the new target another name."
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
    """Like ``agentcore remove all --force``: no runtimes, gateways or targets remain."""
    emptied = copy.deepcopy(config)
    for key in ("runtimes", "agentCoreGateways", "memories", "credentials"):
        if key in emptied:
            emptied[key] = []
    emptied.pop("unassignedTargets", None)
    return emptied


def gateway_url_env_var(name: str) -> str:
    """The env var through which a runtime learns a gateway's URL, named as the CLI names it."""
    return f"AGENTCORE_GATEWAY_{name.upper().replace('-', '_')}_URL"


def _index_of(items: list[dict[str, Any]], name: str, kind: str, key: str) -> int:
    for index, item in enumerate(items):
        if item.get("name") == name:
            return index
    raise ConfigEditError(
        f'No {kind} named "{name}" in agentcore.json ({key}: '
        f"{_names([item.get('name') for item in items])}). Use one of those names."
    )


def _string_list(values: Sequence[str], arg: str) -> list[str]:
    # A bare string is a Sequence[str] too, and would become a list of characters.
    if isinstance(values, str):
        raise ConfigEditError(f'{arg} must be a list, like ["{values}"], not a single string.')
    return list(values)


def _names(names: list[Any]) -> str:
    return ", ".join(str(name) for name in names) or "none"


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


def _json_hint(text: str, err: json.JSONDecodeError) -> str:
    """One targeted sentence for the usual hand-editing slips, else a generic one."""
    if not text.strip():
        return "The file is empty: put the project's settings back (start from agent/agentcore/)."
    if not text[err.pos :].strip():
        return "The file ends too early: a closing } or ] is missing at the end."
    before = text[: err.pos].rstrip()
    here = text[err.pos : err.pos + 1]
    # Python 3.13+ reports a trailing comma at the comma, older versions just after it.
    comma = err.pos if here == "," else len(before) - 1
    if text[comma : comma + 1] == "," and text[comma + 1 :].lstrip()[:1] in ("}", "]"):
        return (
            f"Remove the comma at the end of line {_line_of(text, comma)}: "
            "JSON allows no comma after the last item."
        )
    if "',' delimiter" in err.msg:
        return f"Check the end of line {_line_of(text, len(before) - 1)} for a missing comma."
    if here == "'":
        return "Use double quotes around keys and strings: JSON does not accept single quotes."
    if err.msg.startswith("Expecting property name"):
        return (
            f'Put the key at line {err.lineno}, column {err.colno} in double quotes, like "name".'
        )
    return (
        f"Look at line {err.lineno} and the line before it for a missing or extra "
        "comma, quote or bracket."
    )


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1
