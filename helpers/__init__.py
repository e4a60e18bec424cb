"""The AgentCore auth workshop kit: what the notebooks import.

Rooms (ARCHITECTURE.md draws them): ``helpers.basics`` (language, errors),
``helpers.model`` (agentcore.json) and ``helpers.wire`` (what travels) are the leaves;
``helpers.emulator`` is the local AgentCore, ``helpers.kit`` the notebook kit, and
``helpers.tooling`` the benchmark and the suite. The notebooks use only the names below::

    from helpers import start
    ws = start(through_step=1)

``_("…")`` shows a message in the learner's language (see ``helpers.basics.i18n``).
They load on first use, so a process that needs only the emulator (the stack's
daemon, an agent process) never pays for the kit's imports.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

# jsonschema (imported by mcp and strands) builds three Lark grammars at import when
# rfc3987_syntax is installed, which JupyterLab's dependencies bring: about 1.5 s in
# every process. Nothing here validates IRI formats, so every kit process (the
# notebook kernel, the stack's daemon, each agent: all import this package first)
# tells jsonschema it is not there.
if "rfc3987_syntax" not in sys.modules:
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # None: "not installed"

if TYPE_CHECKING:
    from helpers.basics.i18n import _
    from helpers.kit.backends import selected_backend
    from helpers.kit.calling import admission, traffic
    from helpers.kit.calling.invoke import new_session_id
    from helpers.kit.checks.code import check_main, check_mcp_client, check_memory_actor
    from helpers.kit.checks.config import (
        check_gateway_replaced,
        check_old_gateway_removed,
        check_runtime_authorizer,
        check_secure_gateway,
        check_warranty_target,
        check_web_client_allowed,
    )
    from helpers.kit.errors import GatewayRefused
    from helpers.kit.further import (
        apply_partner_scopes,
        apply_support_staff_rule,
        check_partner_scopes,
        check_support_staff_rule,
    )
    from helpers.kit.observability import views
    from helpers.kit.tokens import describe_claims, tampered
    from helpers.kit.widgets import chat_box, claims_table, token_panel
    from helpers.kit.workshop import Workshop, start

# name → the module that defines it (a module name maps to itself).
_SURFACE = {
    "_": "helpers.basics.i18n",
    "start": "helpers.kit.workshop",
    "Workshop": "helpers.kit.workshop",
    "selected_backend": "helpers.kit.backends",
    "check_runtime_authorizer": "helpers.kit.checks.config",
    "check_mcp_client": "helpers.kit.checks.code",
    "check_gateway_replaced": "helpers.kit.checks.config",
    "check_main": "helpers.kit.checks.code",
    "check_old_gateway_removed": "helpers.kit.checks.config",
    "check_secure_gateway": "helpers.kit.checks.config",
    "check_warranty_target": "helpers.kit.checks.config",
    "check_web_client_allowed": "helpers.kit.checks.config",
    "check_memory_actor": "helpers.kit.checks.code",
    "check_partner_scopes": "helpers.kit.further",
    "check_support_staff_rule": "helpers.kit.further",
    "apply_partner_scopes": "helpers.kit.further",
    "apply_support_staff_rule": "helpers.kit.further",
    "describe_claims": "helpers.kit.tokens",
    "tampered": "helpers.kit.tokens",
    "token_panel": "helpers.kit.widgets",
    "chat_box": "helpers.kit.widgets",
    "claims_table": "helpers.kit.widgets",
    "new_session_id": "helpers.kit.calling.invoke",
    "GatewayRefused": "helpers.kit.errors",
    "traffic": "helpers.kit.calling.traffic",
    "admission": "helpers.kit.calling.admission",
    "views": "helpers.kit.observability.views",
}
__all__ = [
    "GatewayRefused",
    "Workshop",
    "_",
    "admission",
    "apply_partner_scopes",
    "apply_support_staff_rule",
    "chat_box",
    "check_gateway_replaced",
    "check_main",
    "check_mcp_client",
    "check_memory_actor",
    "check_old_gateway_removed",
    "check_partner_scopes",
    "check_runtime_authorizer",
    "check_secure_gateway",
    "check_support_staff_rule",
    "check_warranty_target",
    "check_web_client_allowed",
    "claims_table",
    "describe_claims",
    "new_session_id",
    "selected_backend",
    "start",
    "tampered",
    "token_panel",
    "traffic",
    "views",
]


def __getattr__(name: str) -> Any:
    if name not in _SURFACE:
        raise AttributeError(f"module 'helpers' has no attribute {name!r}")
    module = importlib.import_module(_SURFACE[name])
    return module if module.__name__.endswith("." + name) else getattr(module, name)


def __dir__() -> list[str]:
    return __all__
