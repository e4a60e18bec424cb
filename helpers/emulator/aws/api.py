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

Any local user can reach the port, so what a client can make the daemon hold is bounded
before any signature is checked (:mod:`helpers.emulator.aws.bounds`): a request must be
in by a deadline, and its body within a size; and a call to a service the stack does not
serve (:data:`SERVED_SERVICES`) is refused with 404 before moto imports any of it: for a
made-up signature moto would import the service's code (a few MB each) and answer some
with a 500.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from werkzeug.serving import make_server

from helpers.emulator.aws import moto_internals
from helpers.emulator.aws.bounds import BodyRefused, DeadlineRequestHandler, take_body
from helpers.emulator.core.state import LOOPBACK

if TYPE_CHECKING:
    from moto.core.responses import BaseResponse

log = logging.getLogger("agentcore_local.aws_api")

# The IAM user whose key signs every call to the local AWS API.
STACK_USER = "agentcore-local"
_ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
HEALTH_PATH = "/health"
# The AWS services the stack serves, by SigV4 signing name (the service in a request's
# credential scope), each with the moto backends that answer it. The rest are refused.
SERVED_SERVICES: Mapping[str, frozenset[str]] = {
    # Converse and ConverseStream, the agents' model; moto routes Bedrock's control
    # planes under the same name, and they are not served.
    "bedrock": frozenset({"bedrockruntime"}),
    # AgentCore Memory's data plane; the control plane (memories, the deployed runtimes).
    "bedrock-agentcore": frozenset({"bedrockagentcore", "bedrockagentcorecontrol"}),
    "cognito-idp": frozenset({"cognitoidp"}),  # the user pool, its app clients, sign-in
    "iam": frozenset({"iam"}),  # the stack's own user and key, made at start
    # The runtimes' log groups and aws/spans, which `agentcore logs` and `traces` read.
    "logs": frozenset({"logs"}),
    "secretsmanager": frozenset({"secretsmanager"}),  # the users' passwords
    "ssm": frozenset({"ssm"}),  # the workshop's settings
}
_SERVED_BACKENDS = frozenset().union(*SERVED_SERVICES.values())
# Cognito's user-facing operations are unsigned, as on AWS; the target names the service.
_UNSIGNED_SERVICES = {"AWSCognitoIdentityProviderService": "cognito-idp"}

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
        service = _service_of(environ)
        if service not in SERVED_SERVICES:
            return _unknown_operation(start_response, f"the service {service[:64]!r}")
        try:
            take_body(environ)
        except BodyRefused as refusal:
            log.info("refused a request: %s", refusal.message)
            return _json_response(
                start_response,
                refusal.status,
                {"__type": refusal.error_type, "message": refusal.message},
                refusal.error_type,
            )

        def without_cors(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            # moto's own headers (x-moto-*) say what AWS never would, a ForgotPassword code.
            kept = [
                (n, v)
                for n, v in headers
                if not n.lower().startswith(("access-control-", "x-moto-"))
            ]
            return start_response(status, kept, *rest)

        return self.app(environ, without_cors)


def _signed(environ: Environ) -> bool:
    """Signed, or one of Cognito's public operations (botocore's model says which)."""
    from helpers.emulator.identity.public_operations import is_public

    if "HTTP_AUTHORIZATION" in environ or "X-Amz-Signature" in environ.get("QUERY_STRING", ""):
        return True
    return is_public(environ.get("HTTP_X_AMZ_TARGET"))


def _service_of(environ: Environ) -> str:
    """The service a request is for, as moto will read it; "" when it names none.

    A signed request's is its credential scope's (``Credential=<key>/<date>/<region>/
    <service>/aws4_request``, parsed as moto parses it, so that both agree); an unsigned
    one's, its target's.
    """
    authorization = environ.get("HTTP_AUTHORIZATION")
    if authorization:
        words = authorization.split(",")[0].split()
        scope = words[1].split("/") if len(words) > 1 else []
        return scope[3].lower() if len(scope) == 5 else ""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    return _UNSIGNED_SERVICES.get(target.partition(".")[0], "")


def _unknown_operation(start_response: StartResponse, what: str) -> list[bytes]:
    """AWS's common ``UnknownOperationException`` (HTTP 404): ``what`` is not served here.

    One line in the log. https://docs.aws.amazon.com/awsconsolehelpdocs/latest/gsg/common-errors.html
    """
    log.info("refused %s: the local AWS API does not serve it", what)
    return _json_response(
        start_response,
        "404 Not Found",
        {
            "__type": "UnknownOperationException",
            "message": f"The local AWS API does not serve {what}; it serves "
            f"{', '.join(sorted(SERVED_SERVICES))}.",
        },
        "UnknownOperationException",
    )


def _refusing_unknown_operations(app: WsgiApp) -> WsgiApp:
    """moto's ``app``, answering ``UnknownOperationException`` where it cannot find the operation.

    moto looks a request's operation up before it checks the signature, and fails one its
    service has no model of (botocore's ``OperationNotFoundError``) or no code for
    (``NotImplementedError``, a protocol included): werkzeug would answer those with a
    500 and a traceback, to anyone with a made-up signature.
    """
    from botocore.model import OperationNotFoundError

    def app_or_refusal(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        try:
            return app(environ, start_response)
        except (OperationNotFoundError, NotImplementedError) as unknown:
            return _unknown_operation(start_response, f"this operation ({str(unknown)[:80]!r})")

    return app_or_refusal


# moto's name of a service's backend → makes the protocol handler for one request.
Handlers = Mapping[str, Callable[[], "BaseResponse"]]


def create_app(handlers: Handlers, service: str) -> WsgiApp:
    """moto's app for ``service``, with the stack's own handler where ``handlers`` has one.

    The stack's handlers subclass moto's, so every operation they do not take over is
    still moto's; the routes (which URL is which operation) stay moto's too. A backend
    outside :data:`SERVED_SERVICES` (moto may route a served signing name to one, and
    some paths to its instance metadata or its own API) gets a refusal, and moto
    imports nothing of it.
    """
    if service not in _SERVED_BACKENDS:
        return lambda _, start_response: _unknown_operation(start_response, f"the API {service!r}")
    from moto.core.utils import convert_to_flask_response
    from moto.moto_server.werkzeug_app import create_backend_app

    app = create_backend_app(service)  # type: ignore[arg-type]
    make_handler = handlers.get(service)
    if make_handler is not None:

        def dispatch(request: Any, full_url: str, headers: Any) -> Any:
            return moto_internals.dispatch(make_handler(), request, full_url, headers)

        view = convert_to_flask_response(dispatch)
        for endpoint in list(app.view_functions):
            if endpoint != "static":
                app.view_functions[endpoint] = view
    return app


class AwsApiServer:
    """moto's backends under :class:`AwsApiGuard`, served by werkzeug on a thread."""

    def __init__(self, port: int, handlers: Handlers) -> None:
        moto_internals.defer_ec2_import()
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication

        # moto types the apps it dispatches to as Flask's; any WSGI app serves.
        dispatcher = DomainDispatcherApplication(partial(create_app, handlers))  # type: ignore[arg-type]
        moto_internals.remember_backend_lookups(dispatcher)
        self.guard = AwsApiGuard(_refusing_unknown_operations(dispatcher), port)
        self._server = make_server(
            LOOPBACK, port, self.guard, threaded=True, request_handler=DeadlineRequestHandler
        )
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


def require_signatures(iam: Any, guard: AwsApiGuard) -> tuple[str, str]:
    """Make the stack's IAM user and key, then require every call to be signed with it.

    ``iam`` is an IAM client of this server, used before signatures are required.
    Returns the access key id and secret.
    """
    iam.create_user(UserName=STACK_USER)
    iam.put_user_policy(
        UserName=STACK_USER, PolicyName="everything", PolicyDocument=json.dumps(_ALLOW_ALL)
    )
    key = iam.create_access_key(UserName=STACK_USER)["AccessKey"]
    moto_internals.check_signatures_from_now_on()
    guard.signatures_required = True
    return key["AccessKeyId"], key["SecretAccessKey"]
