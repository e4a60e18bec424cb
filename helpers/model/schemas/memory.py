"""A memory of ``agentcore.json``, as the CLI states it.

From agentcore-project.ts (MemorySchema) and primitives/memory.ts: its event expiry, its
long-term strategies (with the CLI's rules on namespaces and EPISODIC reflections) and
indexed keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from helpers.basics.i18n import N_
from helpers.model.schema import (
    Choice,
    Fields,
    ListOf,
    NotChecked,
    Number,
    Text,
    at_least,
    at_most,
    defaults_to,
    holds,
    matches,
    optional,
    unique,
)
from helpers.model.schemas.common import TAGS, UNSUPPORTED_FIX, named

MEMORY_STRATEGY_TYPES = ("SEMANTIC", "SUMMARIZATION", "USER_PREFERENCE", "EPISODIC")
_NAME_RULE = (
    "Must begin with a letter and contain only alphanumeric characters and underscores "
    "(max 48 chars)"
)


def _both(first: str, second: str) -> Callable[[dict[str, Any]], bool]:
    """Whether a strategy does not give both spellings of one list (zod ``refine``)."""
    return lambda strategy: not (strategy.get(first) and strategy.get(second))


def _episodic_reflection(strategy: dict[str, Any]) -> bool:
    reflection = strategy.get("reflectionNamespaceTemplates", strategy.get("reflectionNamespaces"))
    return strategy["type"] != "EPISODIC" or bool(reflection)


def _reflection_prefixes(strategy: dict[str, Any]) -> bool:
    reflection = strategy.get("reflectionNamespaceTemplates", strategy.get("reflectionNamespaces"))
    templates = strategy.get("namespaceTemplates", strategy.get("namespaces"))
    if strategy["type"] != "EPISODIC" or not reflection or not templates:
        return True
    return all(any(ns.startswith(ref) for ns in templates) for ref in reflection)


MEMORY_STRATEGY = Fields(
    {
        "type": Choice(*MEMORY_STRATEGY_TYPES),
        "name": optional(named(r"[a-zA-Z][a-zA-Z0-9_]{0,47}", _NAME_RULE, longest=48)),
        "description": optional(Text()),
        "namespaceTemplates": optional(ListOf(Text())),
        "namespaces": optional(ListOf(Text())),
        "reflectionNamespaceTemplates": optional(ListOf(Text())),
        "reflectionNamespaces": optional(ListOf(Text())),
    },
    holds(
        _both("namespaces", "namespaceTemplates"),
        "'namespaces' and 'namespaceTemplates' are mutually exclusive. Prefer "
        "'namespaceTemplates' ('namespaces' is deprecated).",
        path=("namespaceTemplates",),
    ),
    holds(
        _both("reflectionNamespaces", "reflectionNamespaceTemplates"),
        "'reflectionNamespaces' and 'reflectionNamespaceTemplates' are mutually exclusive. "
        "Prefer 'reflectionNamespaceTemplates' ('reflectionNamespaces' is deprecated).",
        path=("reflectionNamespaceTemplates",),
    ),
    holds(
        lambda strategy: (
            strategy["type"] == "EPISODIC"
            or (
                "reflectionNamespaceTemplates" not in strategy
                and "reflectionNamespaces" not in strategy
            )
        ),
        "'reflectionNamespaceTemplates' is only allowed on EPISODIC strategies",
        path=("reflectionNamespaceTemplates",),
    ),
    holds(
        _episodic_reflection,
        "EPISODIC strategy requires reflectionNamespaceTemplates",
        path=("reflectionNamespaceTemplates",),
    ),
    holds(
        _reflection_prefixes,
        "Each reflectionNamespaceTemplate must be a prefix of at least one namespaceTemplate",
        path=("reflectionNamespaceTemplates",),
    ),
    strict=False,
)
INDEXED_KEY = Fields(
    {
        "key": Text(
            at_least(1),
            at_most(128),
            matches(
                r"[a-zA-Z0-9\s._:/=+@-]+",
                "Must contain only alphanumeric characters, whitespace, or the symbols "
                ". _ : / = + @ -",
            ),
            holds(lambda key: bool(key.strip()), "Key cannot be only whitespace"),
        ),
        "type": Choice("STRING", "STRINGLIST", "NUMBER"),
    },
    strict=False,
)
MEMORY = Fields(
    {
        "name": named(
            r"[a-zA-Z][a-zA-Z0-9_]{0,47}", _NAME_RULE, required="Name is required", longest=48
        ),
        "eventExpiryDuration": Number(
            at_least(3, kind="number"), at_most(365, kind="number"), integer=True
        ),
        "strategies": defaults_to(
            ListOf(
                MEMORY_STRATEGY,
                unique(
                    lambda strategy: strategy["type"],
                    lambda kind: f"Duplicate memory strategy type: {kind}",
                ),
            ),
            [],
        ),
        "indexedKeys": optional(
            ListOf(
                INDEXED_KEY,
                at_most(10, kind="array"),
                unique(lambda entry: entry["key"], lambda key: f"Duplicate indexed key: {key}"),
            )
        ),
        "tags": optional(TAGS),
        "encryptionKeyArn": optional(Text()),
        "executionRoleArn": optional(Text()),
        "streamDeliveryResources": optional(
            NotChecked(N_("Memory stream delivery resources"), UNSUPPORTED_FIX)
        ),
    },
    holds(
        lambda memory: not memory.get("indexedKeys") or bool(memory["strategies"]),
        "indexedKeys requires at least one memory strategy (long-term memory)",
        path=("indexedKeys",),
    ),
    strict=False,
)
