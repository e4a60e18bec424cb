"""AWS's limits on a request's members, read from the botocore model of its operation.

An AWS service checks every member of a request against its model (length, count,
value range, pattern) and answers ``ValidationException`` listing each violation.
botocore checks only the minimums before sending, and moto checks nothing, so without
this a 5,000,000-character ``CreateEvent`` text (the model's maximum is 100,000) or an
event of 101 payload items (maximum 100) would be stored, and grow the stack for
everyone. :class:`WithinModelLimits` puts the check in front of a moto protocol handler.

The message follows AWS's form, e.g. ``1 validation error detected: Value at
'payload.1.member.conversational.content.text' failed to satisfy constraint: Member must
have length less than or equal to 100000``, without quoting the value (it may be huge,
or a secret).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from botocore.model import Shape
from moto.core.exceptions import ServiceException

_SIZED = ("string", "blob", "list", "map")
_NUMERIC = ("integer", "long", "float", "double")


@functools.lru_cache(maxsize=64)
def _pattern(expression: str) -> re.Pattern[str] | None:
    try:
        return re.compile(expression)
    except re.error:  # a Java-only construct: AWS checks it, the stack cannot
        return None


def violations(shape: Shape, value: Any, path: str = "") -> Iterator[str]:
    """Each way ``value`` breaks ``shape``'s constraints, as AWS words it.

    The walk follows the model, never the value's own nesting, so a deeply nested
    request costs no more than the model is deep.
    """
    where = f"Value at '{path}' failed to satisfy constraint: Member must"
    metadata = shape.metadata
    if shape.type_name in _SIZED and isinstance(value, str | bytes | list | dict):
        if "max" in metadata and len(value) > metadata["max"]:
            yield f"{where} have length less than or equal to {metadata['max']}"
        if "min" in metadata and len(value) < metadata["min"]:
            yield f"{where} have length greater than or equal to {metadata['min']}"
    if shape.type_name in _NUMERIC and isinstance(value, int | float):
        if "max" in metadata and value > metadata["max"]:
            yield f"{where} have value less than or equal to {metadata['max']}"
        if "min" in metadata and value < metadata["min"]:
            yield f"{where} have value greater than or equal to {metadata['min']}"
    if shape.type_name == "string" and isinstance(value, str) and "pattern" in metadata:
        pattern = _pattern(metadata["pattern"])
        if pattern is not None and not pattern.fullmatch(value):
            yield f"{where} satisfy regular expression pattern: {metadata['pattern']}"
    if shape.type_name == "string" and shape.enum and value not in shape.enum:
        yield f"{where} satisfy enum value set: [{', '.join(shape.enum)}]"
    yield from _members(shape, value, path)


def _members(shape: Shape, value: Any, path: str) -> Iterator[str]:
    prefix = f"{path}." if path else ""
    if shape.type_name == "structure" and isinstance(value, dict):
        if shape.metadata.get("document"):
            return
        for name, member in shape.members.items():
            if name in value:
                yield from violations(member, value[name], prefix + name)
    elif shape.type_name == "list" and isinstance(value, list):
        for index, item in enumerate(value, start=1):
            yield from violations(shape.member, item, f"{prefix}{index}.member")
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, item in value.items():
            yield from violations(shape.key, key, f"{prefix}{key}.key")
            yield from violations(shape.value, item, f"{prefix}{key}.value")


def validation_message(problems: list[str]) -> str:
    """AWS's ``ValidationException`` message for ``problems`` (at least one)."""
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(problems)


class OverTheModelsLimits(ServiceException):
    """AWS's ``ValidationException``, serialized by the service model of the handler that
    raises it (moto looks for an exception's model by its module: this one is in none)."""

    code = "ValidationException"


class WithinModelLimits:
    """Mixin for a moto protocol handler: its parameters pass the model's limits or are
    refused with ``ValidationException``, before the operation sees them."""

    boto3_service_name: str

    def _get_params(self) -> dict[str, Any]:
        from moto.core.utils import get_service_model

        params: dict[str, Any] = super()._get_params()  # type: ignore[misc]
        action: str = self._get_action()  # type: ignore[attr-defined]
        operation = get_service_model(self.boto3_service_name).operation_model(action)
        problems = list(violations(operation.input_shape, params)) if operation.input_shape else []
        if problems:
            raise OverTheModelsLimits(validation_message(problems))
        return params
