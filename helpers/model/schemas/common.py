"""What several of the CLI's schemas share: the fix for what the kit does not model, names, tags.

``UNSUPPORTED_FIX`` is the kit's fix under every resource kind it refuses rather than
checks (:class:`~helpers.model.schema.NotChecked`), wherever that kind appears; the name
helpers and the tags (the project, runtimes, memories and gateways all carry tags) are the
CLI's building blocks of more than one resource.
"""

from __future__ import annotations

from helpers.basics.i18n import N_
from helpers.model.schema import MapOf, Text, at_least, at_most, holds, is_tag_text, matches

UNSUPPORTED_FIX = N_(
    "Remove it: the workshop kit and the local stack model runtimes, memories and gateways "
    "only "
    "(validate a project that uses it with the real `agentcore validate`)."
)


def non_empty(message: str | None = None) -> Text:
    return Text(at_least(1, message))


def named(pattern: str, message: str, *, required: str | None = None, longest: int) -> Text:
    """A name: required, at most ``longest`` characters, matching ``pattern``."""
    return Text(at_least(1, required), at_most(longest), matches(pattern, message))


# Tags (primitives/tags.ts)

TAG_KEY = Text(
    at_least(1, "Tag key is required"),
    at_most(128, "Tag key must be 128 characters or less"),
    holds(is_tag_text, "Tag key contains invalid characters"),
    holds(
        lambda key: bool(key.strip()), "Tag key must contain at least one non-whitespace character"
    ),
    holds(lambda key: not key.startswith("aws:"), 'Tag keys starting with "aws:" are reserved'),
)
TAGS = MapOf(
    TAG_KEY,
    Text(
        at_most(256, "Tag value must be 256 characters or less"),
        holds(is_tag_text, "Tag value contains invalid characters"),
    ),
    holds(lambda tags: len(tags) <= 50, "Maximum 50 tags per resource"),
)
