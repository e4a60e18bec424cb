"""The Lambda functions the local stack can invoke, run in-process.

The local Gateway's Lambda targets point at ARNs; this registry maps each ARN to the
function's code folder and calls its handler the way the Python Lambda runtime does:
``handler(event, context)``, with a context object shaped like the runtime's (the
Gateway's tool name travels in ``context.client_context.custom``). Only registered
ARNs resolve, so a typo in a target's ``lambdaArn`` fails as it would on AWS.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from helpers.emulator.prerequisites.format import LambdaFunction, Prerequisites

# Lambda's defaults for a new function; reported to the handler, not enforced.
TIMEOUT_SECONDS = 3
MEMORY_LIMIT_IN_MB = "128"  # the Python runtime reads it from the environment: a string

Handler = Callable[[dict[str, Any], Any], Any]


class LambdaNotFound(LookupError):
    """No function is registered under the ARN (AWS answers ResourceNotFoundException)."""

    def __init__(self, arn: str, known: list[str]) -> None:
        super().__init__(
            f"Lambda function {arn!r} not found: the local stack only knows the functions "
            f"registered with it ({', '.join(known) or 'none'})."
        )
        self.arn = arn


@dataclass(frozen=True)
class CognitoIdentity:
    """``context.identity``: empty, as for any call that is not from a Cognito identity pool."""

    cognito_identity_id: str | None = None
    cognito_identity_pool_id: str | None = None


@dataclass(frozen=True)
class MobileClient:
    """``context.client_context.client``: empty, the Gateway is not a mobile SDK."""

    installation_id: str | None = None
    app_title: str | None = None
    app_version_name: str | None = None
    app_version_code: str | None = None
    app_package_name: str | None = None


@dataclass(frozen=True)
class ClientContext:
    """``context.client_context``: the Gateway puts its ``bedrockAgentCore*`` keys in ``custom``."""

    custom: dict[str, str]
    env: dict[str, str] = field(default_factory=dict)
    client: MobileClient = field(default_factory=MobileClient)


@dataclass(frozen=True)
class LambdaContext:
    """The handler's ``context``, with the attributes of the Python runtime's own."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: str
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    identity: CognitoIdentity
    client_context: ClientContext
    deadline: float  # time.monotonic() when the (unenforced) timeout would strike

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def _function_name(arn: str) -> str:
    # arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
    parts = arn.split(":")
    return parts[6] if len(parts) > 6 else arn


def _context(arn: str, custom: dict[str, str]) -> LambdaContext:
    name = _function_name(arn)
    day = datetime.now(UTC).strftime("%Y/%m/%d")
    return LambdaContext(
        function_name=name,
        function_version="$LATEST",
        invoked_function_arn=arn,
        memory_limit_in_mb=MEMORY_LIMIT_IN_MB,
        aws_request_id=str(uuid.uuid4()),
        log_group_name=f"/aws/lambda/{name}",
        log_stream_name=f"{day}/[$LATEST]{uuid.uuid4().hex}",
        identity=CognitoIdentity(),
        client_context=ClientContext(custom=dict(custom)),
        deadline=time.monotonic() + TIMEOUT_SECONDS,
    )


class LambdaRegistry:
    """ARN → function, and invocation of its handler. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._functions: dict[str, LambdaFunction] = {}
        self._handlers: dict[str, Handler] = {}
        # Every load gets its own module name, so two functions that both ship a
        # ``lambda_function.py`` never see each other's module.
        self._module_numbers = itertools.count(1)
        self.invocations: Counter[str] = Counter()  # per ARN, for tests and the control API

    @classmethod
    def of(cls, prerequisites: Prerequisites) -> LambdaRegistry:
        """A registry of the functions a prerequisites file creates."""
        registry = cls()
        for function in prerequisites.lambda_functions:
            registry.register(prerequisites.lambda_arn(function), function)
        return registry

    def register(self, arn: str, function: LambdaFunction) -> None:
        """Serve ``function`` at ``arn``, replacing any function there (its code is reloaded)."""
        with self._lock:
            self._functions[arn] = function
            self._handlers.pop(arn, None)

    def resolve(self, arn: str) -> LambdaFunction:
        """The function registered under ``arn``; else :class:`LambdaNotFound`."""
        with self._lock:
            try:
                return self._functions[arn]
            except KeyError:
                raise LambdaNotFound(arn, sorted(self._functions)) from None

    def invoke(self, arn: str, event: dict[str, Any], client_context_custom: dict[str, str]) -> Any:
        """Call the function's handler with ``event`` and a runtime-shaped context.

        The handler's own exceptions propagate: the caller decides how a failed
        invocation is reported.
        """
        function = self.resolve(arn)
        with self._lock:
            self.invocations[arn] += 1
        return self._handler(arn, function)(event, _context(arn, client_context_custom))

    def _handler(self, arn: str, function: LambdaFunction) -> Handler:
        with self._lock:
            # Loaded once per ARN, under the lock, so concurrent first calls share one module.
            handler = self._handlers.get(arn)
            if handler is None:
                handler = self._load(function)
                self._handlers[arn] = handler
            return handler

    def _load(self, function: LambdaFunction) -> Handler:
        module_path, _, attribute = function.handler.rpartition(".")
        source = function.code / (module_path.replace(".", "/") + ".py")
        module_name = f"_agentcore_local_lambda_{next(self._module_numbers)}"
        spec = importlib.util.spec_from_file_location(module_name, source)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load handler {function.handler!r} from {source}")
        module: ModuleType = importlib.util.module_from_spec(spec)
        # Registered before running, as a normal import would be: dataclasses and
        # pickling look their module up in sys.modules.
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
        handler = getattr(module, attribute, None)
        if not callable(handler):
            raise ImportError(f"handler {function.handler!r} is missing from {source}")
        found: Handler = handler
        return found
