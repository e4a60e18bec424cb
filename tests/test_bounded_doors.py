"""Every listener of the stack is bounded before it authenticates: probed as an attacker.

Any local user can reach every port of the stack with no credentials at all. What such a
client can make the daemon hold must stay bounded before any signature or token is
checked: a huge body (announced, or sent in chunks), a request trickled in to keep a
connection (and, on the AWS API, a thread) open, and a made-up signature for a service
the stack does not serve (moto would import that service's code to answer it). The
probes use raw sockets, as an attacker would, and end with a legitimate call: the stack
still answers.
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from helpers.emulator.aws import api as aws_api
from helpers.emulator.aws.bounds import MAX_REQUEST_BYTES
from helpers.emulator.core import serving
from helpers.emulator.core.state import PARTS, StackLayout, StackState
from helpers.emulator.daemon import SMALL_BODY_BYTES
from helpers.kit.settings import PARAMETER_PREFIX
from tests.support import serve_on_a_thread

pytestmark = pytest.mark.stack

# A made-up SigV4 naming {service} in its credential scope: the AWS API refuses an
# unsigned call before its body or its service matter, so the probes sign, badly.
FORGED_SIGV4 = (
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261201/us-east-1/{service}/"
    "aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "0" * 64
)
ANNOUNCED_BYTES = 200 * 1024 * 1024
# Services moto implements and the stack does not use.
UNUSED_SERVICES = (
    "acm", "apigateway", "appsync", "athena", "autoscaling", "batch", "cloudformation",
    "cloudfront", "cloudtrail", "cloudwatch", "codebuild", "codecommit", "codepipeline",
    "cognito-identity", "config", "datasync", "dms", "ds", "dynamodb", "ec2", "ecr", "ecs",
    "eks", "elasticache", "elasticfilesystem", "elasticloadbalancing", "elasticmapreduce",
    "es", "events", "firehose", "glue", "guardduty", "iot", "kafka", "kinesis", "kms",
    "lambda", "organizations", "polly", "ram", "rds", "redshift", "route53", "s3",
    "sagemaker", "ses", "sns", "sqs", "states", "sts", "textract", "transcribe", "wafv2",
    "xray",
)  # fmt: skip
# The bound on a slow client: each door's timeout (10 s) and some slack, well under what
# the red team saw (20 s on the issuer, 30 s on the AWS API, and counting).
CUT_OFF_WITHIN_SECONDS = 12.0
# How much a probe may grow the daemon: threads and buffers, not a moto service's code
# (a few MB each: 44 of them took 185 MB).
RSS_SLACK_KB = 24 * 1024


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for process {pid}")


def _settled_rss_kb(pid: int) -> int:
    """The daemon's RSS once its start-up work in the background (imports) is done."""
    previous = _rss_kb(pid)
    for _ in range(40):
        time.sleep(0.5)
        current = _rss_kb(pid)
        if abs(current - previous) < 512:
            return current
        previous = current
    return previous


@contextmanager
def _connection(state: StackState, part: str) -> Iterator[socket.socket]:
    """A raw connection to ``part``, TLS where the part speaks it; no credentials."""
    url = httpx.URL(state.url(part))
    assert url.host and url.port
    raw = socket.create_connection((url.host, url.port), timeout=CUT_OFF_WITHIN_SECONDS + 3)
    if url.scheme == "https":
        context = ssl.create_default_context(cafile=str(state.ca_bundle))
        raw = context.wrap_socket(raw, server_hostname=url.host)
    with raw:
        yield raw


def _head(state: StackState, part: str, extra: str) -> bytes:
    """A POST's request line and headers, with ``extra`` header lines, and the blank line."""
    url = httpx.URL(state.url(part))
    lines = [f"POST {_path(part)} HTTP/1.1", f"Host: {url.host}:{url.port}"]
    if part == "aws_api":
        lines.append("Authorization: " + FORGED_SIGV4.format(service="ssm"))
        lines.append("X-Amz-Target: AmazonSSM.GetParameter")
        lines.append("Content-Type: application/x-amz-json-1.1")
    else:
        lines.append("Content-Type: application/x-www-form-urlencoded")
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode()


def _path(part: str) -> str:
    return {"issuer": "/oauth2/token", "runtime": "/runtimes/x/invocations"}.get(part, "/")


def _until_closed(connection: socket.socket) -> bytes:
    """All the server sends until it closes the connection (a reset counts as closed)."""
    received = b""
    try:
        while chunk := connection.recv(65536):
            received += chunk
    except (ConnectionResetError, ssl.SSLError):
        pass
    return received


def _daemon_log(home: Path) -> str:
    return StackLayout(home).log_file.read_text(errors="replace")


def _legitimate_call_works() -> None:
    answer = boto3.client("ssm").get_parameters_by_path(Path=PARAMETER_PREFIX)
    assert answer["Parameters"], "the stack no longer answers its owner"


# --- size ------------------------------------------------------------------------------------


def test_a_200_mb_body_announced_is_refused_at_once_at_every_door(
    local_stack: StackState,
) -> None:
    before = _settled_rss_kb(local_stack.pid)
    for part in PARTS:
        with _connection(local_stack, part) as probe:
            probe.settimeout(5)  # "at once": the answer comes without a byte of the body
            probe.sendall(_head(local_stack, part, f"Content-Length: {ANNOUNCED_BYTES}\r\n"))
            answer = _until_closed(probe)
        assert answer.startswith(b"HTTP/1.1 413 "), (part, answer[:200])
        body = json.loads(answer.split(b"\r\n\r\n", 1)[1])
        assert body["__type"] == "RequestEntityTooLargeException", part
    assert _rss_kb(local_stack.pid) - before < RSS_SLACK_KB
    _legitimate_call_works()


@pytest.mark.parametrize("part", ["aws_api", "issuer"])
def test_a_chunked_body_is_counted_as_it_streams(local_stack: StackState, part: str) -> None:
    """No length announced: the body is refused once it passes the door's limit."""
    limit = MAX_REQUEST_BYTES if part == "aws_api" else SMALL_BODY_BYTES
    chunk = b"x" * 16384
    with _connection(local_stack, part) as probe:
        probe.sendall(_head(local_stack, part, "Transfer-Encoding: chunked\r\n"))
        # One chunk past the limit, and no end: the server must not wait for one.
        for _ in range(limit // len(chunk) + 1):
            probe.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        answer = _until_closed(probe)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    _legitimate_call_works()


# --- time --------------------------------------------------------------------------------------


def _trickle(state: StackState, part: str, first: bytes, drip: bytes) -> float:
    """Send ``first``, then ``drip`` every second until the server closes: seconds it took."""
    with _connection(state, part) as probe:
        started = time.monotonic()
        probe.sendall(first)
        probe.settimeout(1.0)
        while time.monotonic() - started < CUT_OFF_WITHIN_SECONDS + 3:
            try:
                probe.sendall(drip)
                if probe.recv(65536) == b"":
                    break
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                break
        return time.monotonic() - started


def _silent(state: StackState, part: str) -> float:
    """Connect and send nothing, not even a TLS hello: seconds until the server closes."""
    port = state.ports[part]
    with socket.create_connection(("127.0.0.1", port), timeout=CUT_OFF_WITHIN_SECONDS + 3) as probe:
        started = time.monotonic()
        with suppress(TimeoutError, ConnectionResetError):
            probe.recv(1)
        return time.monotonic() - started


def test_clients_that_trickle_headers_or_a_body_are_cut_off_at_every_door(
    local_stack: StackState,
) -> None:
    """Three slow clients per door at once: one that says nothing (not even a TLS hello),
    two that send a byte a second. Each is closed within ~10 s."""
    probes: dict[str, Callable[[], float]] = {}
    for part in PARTS:
        probes[f"{part}: silent"] = partial(_silent, local_stack, part)
        line = f"POST {_path(part)} HTTP/1.1\r\n".encode()
        probes[f"{part}: headers"] = partial(_trickle, local_stack, part, line, b"X-Slow: 1\r\n")
        head = _head(local_stack, part, "Content-Length: 1000\r\n")
        probes[f"{part}: body"] = partial(_trickle, local_stack, part, head, b"a")
    took: dict[str, float] = {}

    def run(name: str, probe: Callable[[], float]) -> None:
        took[name] = probe()

    threads = [threading.Thread(target=run, args=item) for item in probes.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(took) == set(probes), "a probe failed"
    left_open = {name: round(s, 1) for name, s in took.items() if s > CUT_OFF_WITHIN_SECONDS}
    assert not left_open, f"still open after {CUT_OFF_WITHIN_SECONDS} s: {left_open}"
    _legitimate_call_works()


def test_a_long_answer_is_not_timed_only_a_slow_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Runtime streams its answer for as long as the agent takes; the request is timed."""
    monkeypatch.setattr(serving, "HEADER_TIMEOUT_SECONDS", 0.3)
    monkeypatch.setattr(serving, "BODY_TIMEOUT_SECONDS", 0.3)

    async def read_then_stream(scope: Any, receive: Any, send: Any) -> None:
        more = True
        while more:
            more = (await receive()).get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for _ in range(8):  # 1.6 s, five times the timeouts
            await asyncio.sleep(0.2)
            await send({"type": "http.response.body", "body": b"x", "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    app = serving.BodyLimit(read_then_stream, "test", 1024)
    with serve_on_a_thread(app, http=serving.BoundedProtocol) as served:
        assert httpx.post(served.url, content=b"question", timeout=5).content == b"x" * 8
        url = httpx.URL(served.url)
        with socket.create_connection((url.host, url.port), timeout=5) as slow:
            slow.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
            assert slow.recv(1024) == b"", "a late body was left open"


# --- services ------------------------------------------------------------------------------------


def _forged_call(state: StackState, service: str) -> httpx.Response:
    return httpx.post(
        state.aws_endpoint_url + "/",
        content=b"{}",
        headers={
            "Authorization": FORGED_SIGV4.format(service=service),
            "X-Amz-Target": "Service.Operation",
            "Content-Type": "application/x-amz-json-1.1",
        },
        timeout=30,
    )


def test_services_the_stack_does_not_serve_are_refused_before_moto_loads_them(
    local_stack: StackState, workshop_home: Path
) -> None:
    before = _settled_rss_kb(local_stack.pid)
    log_before = len(_daemon_log(workshop_home))
    answers = {service: _forged_call(local_stack, service) for service in UNUSED_SERVICES}
    growth = _rss_kb(local_stack.pid) - before
    assert {s: a.status_code for s, a in answers.items() if a.status_code != 404} == {}
    assert all(a.json()["__type"] == "UnknownOperationException" for a in answers.values())
    assert growth < RSS_SLACK_KB, f"the daemon grew {growth // 1024} MB: moto loaded services"
    log = _daemon_log(workshop_home)[log_before:]
    for service in UNUSED_SERVICES:
        assert log.count(f"refused the service {service!r}") == 1, service
    assert "Traceback" not in log
    _legitimate_call_works()


def test_moto_imports_nothing_for_a_service_it_is_not_asked_to_serve() -> None:
    """In this process, where sys.modules shows it: the refusal comes before moto's code."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    server = aws_api.AwsApiServer(port, {})
    server.start()
    try:
        url = f"http://127.0.0.1:{port}/"
        before = {name for name in sys.modules if name.startswith("moto.")}
        for service in UNUSED_SERVICES:
            answer = httpx.post(
                url, content=b"{}", headers={"Authorization": FORGED_SIGV4.format(service=service)}
            )
            assert answer.status_code == 404, (service, answer.text[:200])
        imported = {name for name in sys.modules if name.startswith("moto.")} - before
        assert not imported, sorted(imported)[:10]
    finally:
        server.stop()


# Requests with no valid credentials that moto could not parse before it checked them.
_UNPARSEABLE = [
    ("iam", {"X-Amz-Target": "Service.Operation"}, "/"),
    ("iam", {"Content-Type": "application/x-amz-json-1.1"}, "/?Action=ListUsers"),
    ("iam", {"Content-Type": "application/x-www-form-urlencoded"}, "/?Action=Nope&Version=1"),
    ("ssm", {"X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth"}, "/"),
    ("secretsmanager", {"X-Amz-Target": "AmazonSSM.GetParameter"}, "/"),
    ("bedrock-agentcore", {"Content-Type": "application/x-www-form-urlencoded"}, "/x"),
    ("bedrock", {}, "/foundation-models"),
    ("ssm", {}, "/latest/meta-data/"),
    ("ssm", {}, "/favicon.ico"),
    ("cognito-idp", {"X-Amz-Target": "AWSCognitoIdentityProviderService.Nope"}, "/"),
]


def test_no_request_without_credentials_gets_a_500_from_the_aws_api(
    local_stack: StackState, workshop_home: Path
) -> None:
    log_before = len(_daemon_log(workshop_home))
    statuses = {}
    for service, headers, path in _UNPARSEABLE:
        answer = httpx.post(
            local_stack.aws_endpoint_url + path,
            content=b"{}",
            headers={"Authorization": FORGED_SIGV4.format(service=service)} | headers,
            timeout=30,
        )
        statuses[(service, path, str(headers))] = answer.status_code
    for target in ("RespondToAuthChallenge", "GetUser", "SignUp", "Nope"):
        unsigned = httpx.post(
            local_stack.aws_endpoint_url + "/",
            content=b"{",
            headers={"X-Amz-Target": f"AWSCognitoIdentityProviderService.{target}"},
            timeout=30,
        )
        statuses[("unsigned", target, "")] = unsigned.status_code
    assert {k: v for k, v in statuses.items() if v >= 500} == {}
    log = _daemon_log(workshop_home)[log_before:]
    assert "Traceback" not in log and "Error on request" not in log
    _legitimate_call_works()
