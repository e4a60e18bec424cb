"""The local AWS API: moto behind a guard, checking SigV4 as AWS does, some of it the stack's.

moto serves the AWS JSON APIs from a WSGI app in a thread of the daemon (SSM, Secrets
Manager, IAM, Cognito, AgentCore). Where moto falls short of what the workshop needs,
the stack serves an operation itself, the way moto is built: a subclass of moto's
protocol handler for that service, routed in place of moto's own (:func:`create_app`,
the ``handlers`` of :class:`AwsApiServer`), so moto's SigV4 check and its request
parsing and error shapes stay in front of it. Two things close the API to anyone but
the stack's owner:

- moto's own IAM authentication (:func:`require_signatures`): the stack makes an IAM
  user with an allow-all policy and an access key, then switches moto's check on. From
  then on moto verifies every request's SigV4 signature against that key and the
  user's policy, and answers a bad one with AWS's own error (``SignatureDoesNotMatch``,
  ``InvalidClientTokenId``). Cognito's user-facing operations stay public, as on AWS.
- :class:`AwsApiGuard`, a WSGI middleware in front of moto, for what moto leaves open:
  a ``Host`` other than the loopback address it serves (DNS rebinding), any request
  from a web page (it carries ``Origin``; boto3 and the AWS CLI never send one), moto's
  own ``/moto-api/`` (it dumps every resource, secrets included, and resets state),
  CORS headers, and an unsigned request, which moto would fail with a traceback
  instead of AWS's ``MissingAuthenticationTokenException``.
"""

from __future__ import annotations

import functools
import importlib
import json
import sys
import threading
import types
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from helpers.emulator.state import LOOPBACK

if TYPE_CHECKING:
    from flask import Flask
    from moto.core.responses import BaseResponse

# The IAM user whose key signs every call to the local AWS API.
STACK_USER = "agentcore-local"
_ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
HEALTH_PATH = "/health"

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]


def _json_response(
    start_response: StartResponse, status: str, body: dict[str, str], error_type: str = ""
) -> list[bytes]:
    payload = json.dumps(body).encode()
    headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("Content-Length", str(len(payload))),
    ]
    if error_type:
        headers.append(("x-amzn-ErrorType", error_type))
    start_response(status, headers)
    return [payload]


class AwsApiGuard:
    """WSGI middleware in front of moto; see the module docstring for what it refuses."""

    def __init__(self, app: WsgiApp, port: int) -> None:
        self.app = app
        self.hosts = {f"{LOOPBACK}:{port}", f"localhost:{port}"}
        self.signatures_required = False

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("HTTP_HOST") not in self.hosts:
            return _json_response(
                start_response, "403 Forbidden", {"message": "Host is not this local stack."}
            )
        if "HTTP_ORIGIN" in environ or environ.get("REQUEST_METHOD") == "OPTIONS":
            return _json_response(
                start_response,
                "403 Forbidden",
                {"message": "Requests from web pages are refused by the local AWS API."},
            )
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH:
            return _json_response(start_response, "200 OK", {"status": "ok"})
        if path.startswith("/moto-api"):
            return _json_response(start_response, "404 Not Found", {"message": "Not found."})
        if self.signatures_required and not _signed(environ):
            return _json_response(
                start_response,
                "403 Forbidden",
                {
                    "__type": "MissingAuthenticationTokenException",
                    "message": "Missing Authentication Token",
                },
                "MissingAuthenticationTokenException",
            )

        def without_cors(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            kept = [(n, v) for n, v in headers if not n.lower().startswith("access-control-")]
            return start_response(status, kept, *rest)

        return self.app(environ, without_cors)


def _signed(environ: Environ) -> bool:
    from moto.core.authorization import ActionAuthenticatorMixin

    if "HTTP_AUTHORIZATION" in environ or "X-Amz-Signature" in environ.get("QUERY_STRING", ""):
        return True
    return environ.get("HTTP_X_AMZ_TARGET") in ActionAuthenticatorMixin.PUBLIC_OPERATIONS


class _Ec2OnFirstUse:
    """Stands in for ``moto.ec2.ec2_backends`` until something really uses EC2.

    moto's SSM imports ``ec2_backends`` at import time, for Run Command targets and AMI
    parameters, which the stack never serves; importing moto.ec2 costs over a second of
    every stack start. The first real use imports it and goes on with the real object.
    """

    def __init__(self) -> None:
        self._real: Any = None

    def _backends(self) -> Any:
        if self._real is None:
            sys.modules.pop("moto.ec2", None)  # this stand-in's module
            self._real = importlib.import_module("moto.ec2").ec2_backends
        return self._real

    def __getitem__(self, key: str) -> Any:
        return self._backends()[key]

    def __iter__(self) -> Any:
        return iter(self._backends())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backends(), name)


def _defer_moto_ec2() -> None:
    if "moto.ec2" not in sys.modules:
        stand_in = types.ModuleType("moto.ec2", _Ec2OnFirstUse.__doc__)
        stand_in.ec2_backends = _Ec2OnFirstUse()  # type: ignore[attr-defined]
        sys.modules["moto.ec2"] = stand_in


class SignedWithoutBody:
    """Mixin for a handler of a REST service: a request without a body is checked as one.

    moto 5.2.5 stands the request's headers in for the query string of a request that
    has neither body nor query (``BaseResponse.setup_class``), and its SigV4 check then
    hashes them as the payload: every signed ``GET`` or ``DELETE`` without parameters in
    the query fails with ``SignatureDoesNotMatch``. The check is made on an empty payload
    instead, which is what the client signed.
    """

    raw_body: bytes | str
    data: Any

    def _authenticate_and_authorize_normal_action(self, resource: str = "*") -> None:
        from moto.core.responses import BaseResponse

        if self.raw_body:
            BaseResponse._authenticate_and_authorize_normal_action(self, resource)  # type: ignore[arg-type]
            return
        parameters, self.data = self.data, b""
        try:
            BaseResponse._authenticate_and_authorize_normal_action(self, resource)  # type: ignore[arg-type]
        finally:
            self.data = parameters


# moto's name of a service's backend → makes the protocol handler for one request.
Handlers = Mapping[str, Callable[[], "BaseResponse"]]


def create_app(handlers: Handlers, service: str) -> Flask:
    """moto's app for ``service``, with the stack's own handler where ``handlers`` has one.

    The stack's handlers subclass moto's, so every operation they do not take over is
    still moto's; the routes (which URL is which operation) stay moto's too.
    """
    from moto.core.utils import convert_to_flask_response
    from moto.moto_server.werkzeug_app import create_backend_app

    app = create_backend_app(service)  # type: ignore[arg-type]
    make_handler = handlers.get(service)
    if make_handler is not None:

        def dispatch(request: Any, full_url: str, headers: Any) -> Any:
            return make_handler()._dispatch(request, full_url, headers)

        view = convert_to_flask_response(dispatch)
        for endpoint in list(app.view_functions):
            if endpoint != "static":
                app.view_functions[endpoint] = view
    return app


class AwsApiServer:
    """moto's backends under :class:`AwsApiGuard`, served by werkzeug on a thread."""

    def __init__(self, port: int, handlers: Handlers) -> None:
        _defer_moto_ec2()
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication
        from werkzeug.serving import make_server

        dispatcher = DomainDispatcherApplication(partial(create_app, handlers))
        # moto finds a request's service by listing its own package folder (some 200
        # ``isdir`` calls, a few milliseconds under a global lock) on every request.
        # The answer for a host never changes; bounded, as the host comes from the request.
        dispatcher.get_backend_for_host = functools.lru_cache(maxsize=64)(  # type: ignore[method-assign]
            dispatcher.get_backend_for_host
        )
        self.guard = AwsApiGuard(dispatcher, port)
        self._server = make_server(LOOPBACK, port, self.guard, threaded=True)
        # serve_forever checks for a shutdown between polls: 0.5 s by default, which
        # every stop of the stack would wait for.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="aws-api",
            daemon=True,
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def seed_random(seed: int) -> None:
    """Make moto's generated ids and secrets follow from ``seed`` (moto's own mechanism)."""
    from moto.moto_api._internal import mock_random

    mock_random.seed(seed)


def require_signatures(iam: Any, guard: AwsApiGuard) -> tuple[str, str]:
    """Make the stack's IAM user and key, then require every call to be signed with it.

    ``iam`` is an IAM client of this server, used before signatures are required.
    Returns the access key id and secret.
    """
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    iam.create_user(UserName=STACK_USER)
    iam.put_user_policy(
        UserName=STACK_USER, PolicyName="everything", PolicyDocument=json.dumps(_ALLOW_ALL)
    )
    key = iam.create_access_key(UserName=STACK_USER)["AccessKey"]
    # moto checks signatures once it has answered this many requests without: none now.
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    ActionAuthenticatorMixin.request_count = 0
    guard.signatures_required = True
    return key["AccessKeyId"], key["SecretAccessKey"]
