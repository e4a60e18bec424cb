"""No side door around the lock: the stack probed as another local user and as a web page.

Loopback is no trust boundary. A co-tenant of a shared workshop host (here uid 65534,
``nobody``, through ``setpriv``) can connect to every port and read every file the
owner left readable; a web page can make the owner's browser send "simple" requests
(a ``text/plain`` POST) with its own ``Origin``, or rebind a name of its own to
127.0.0.1. Each probe below must be refused, and nothing may have run behind it: the
stack's counters, its SSM parameters and its fault switches stay as they were.

The stack under test has its home in a world-readable folder, so what keeps the
probes out is the stack's own doing, not the test's temporary folder.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from helpers.emulator import stack
from helpers.emulator.client import ControlClient
from helpers.emulator.core import serving
from helpers.emulator.core.state import StackLayout, StackState
from helpers.kit import steps
from helpers.kit.backends import commands
from helpers.kit.backends.local import LocalBackend
from helpers.kit.calling.invoke import invoke, new_session_id
from helpers.kit.settings import PARAMETER_PREFIX, WorkshopSettings, load_settings
from helpers.kit.tokens import get_token
from tests.support import (
    WARRANTY_END,
    WARRANTY_PROMPT,
    agent_pid,
    serve_on_a_thread,
    start_stack,
)

pytestmark = pytest.mark.stack

ATTACKER_UID = 65534  # nobody
SYSTEM_PYTHON = Path("/usr/bin/python3")  # the kit's own interpreter may live under /root
FOREIGN_ORIGIN = "https://attacker.example"
# Made-up SigV4: the form AWS expects, a key and a signature nobody issued.
FORGED_SIGV4 = (
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261201/us-east-1/ssm/aws4_request, "
    "SignedHeaders=host;x-amz-date;x-amz-target, Signature=" + "0" * 64
)


@dataclass(frozen=True)
class Exposed:
    """A stack with the finished workshop deployed and used once, its home in plain view."""

    home: Path
    state: StackState
    control: ControlClient
    settings: WorkshopSettings
    backend: LocalBackend
    folder: Path
    runtime_url: str

    @property
    def layout(self) -> StackLayout:
        return StackLayout(self.home)

    def observable(self) -> dict[str, Any]:
        """What a probe that got through would change: counters, SSM, fault switches."""
        ssm = boto3.client("ssm").get_parameters_by_path(Path=PARAMETER_PREFIX)
        return {
            "stats": self.control.stats(),
            "parameters": sorted((p["Name"], p["Value"]) for p in ssm["Parameters"]),
            "issuer up": httpx.get(self.state.issuer_url + "/health").status_code == 200,
        }


@pytest.fixture(scope="module")
def exposed() -> Iterator[Exposed]:
    parent = Path(tempfile.mkdtemp(prefix="side-doors-"))
    parent.chmod(0o755)  # anyone may look in; the stack must close its own home
    home = parent / "home"
    with pytest.MonkeyPatch.context() as patch:
        state = start_stack(home, patch)
        try:
            settings = load_settings(boto3.client("ssm"))
            folder = parent / "project"
            steps.fresh_project(folder)
            backend = LocalBackend(home)
            steps.prepare(folder, settings, backend, through_step=3)
            runtime_url = backend.invoke_url(folder, steps.RUNTIME)
            token = get_token(settings, force_refresh=True)
            answer = invoke(runtime_url, WARRANTY_PROMPT, token=token, session_id=new_session_id())
            assert WARRANTY_END in answer  # logs, spans and a session now exist
            yield Exposed(home, state, stack.control(home), settings, backend, folder, runtime_url)
        finally:
            stack.down(home)
            shutil.rmtree(parent, ignore_errors=True)


def _unix_socket_of(pid: int) -> str:
    """The path of the Unix socket process ``pid`` listens on (from /proc)."""
    inodes = {
        link.readlink().name.removeprefix("socket:[").removesuffix("]")
        for link in Path(f"/proc/{pid}/fd").iterdir()
        if link.readlink().name.startswith("socket:[")
    }
    for line in Path("/proc/net/unix").read_text().splitlines()[1:]:
        fields = line.split()
        if len(fields) == 8 and fields[6] in inodes:
            return fields[7]
    raise AssertionError(f"process {pid} listens on no Unix socket")


# --- what the stack keeps -------------------------------------------------------------------


def _mode(path: Path) -> int:
    """``path``'s permission bits; 0 for a file removed while the folder is walked (SQLite
    drops a ``-shm`` or ``-journal`` file when its last connection closes): nobody reads it."""
    try:
        return path.stat().st_mode
    except FileNotFoundError:
        return 0


def test_every_file_of_the_stack_is_its_owners_alone(exposed: Exposed) -> None:
    readable = [
        str(path) for path in [exposed.home, *exposed.home.rglob("*")] if _mode(path) & 0o077
    ]
    assert not readable, f"readable by others: {readable[:5]}"
    assert exposed.layout.traces_file.exists() and exposed.layout.credentials_file.exists()


def test_the_agent_listens_on_no_port(exposed: Exposed) -> None:
    """It listens on a Unix socket in an owner-only folder, and on no TCP port."""
    pid = agent_pid(exposed.control.deployments())
    socket_path = Path(_unix_socket_of(pid))
    assert socket_path.is_socket()
    assert socket_path.parent.stat().st_mode & 0o777 == 0o700
    listening = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
    assert f"pid={pid}," not in listening


# --- as another local user --------------------------------------------------------------------

_PROBE = r"""
import json, socket, ssl, sys, urllib.error, urllib.request
targets = json.loads(sys.argv[1])
# An attacker does not care whose certificate it is.
insecure = ssl.create_default_context()
insecure.check_hostname, insecure.verify_mode = False, ssl.CERT_NONE
found = {}
for path in targets.get("files", []):
    try:
        open(path, "rb").read(1)
        found[path] = "read"
    except OSError as error:
        found[path] = type(error).__name__
for path in targets.get("sockets", []):
    probe = socket.socket(socket.AF_UNIX)
    try:
        probe.connect(path)
        found[path] = "connected"
    except OSError as error:
        found[path] = type(error).__name__
for name, (url, headers, body) in targets.get("requests", {}).items():
    request = urllib.request.Request(url, data=body.encode() if body else None, headers=headers)
    try:
        found[name] = urllib.request.urlopen(request, timeout=10, context=insecure).status
    except urllib.error.HTTPError as error:
        found[name] = error.code
    except OSError as error:
        found[name] = type(error).__name__
print(json.dumps(found))
"""


def _as_another_user(targets: dict[str, Any]) -> dict[str, Any]:
    if os.geteuid() != 0:
        pytest.skip("probing as another user needs root to switch to uid 65534 (CI runs as root)")
    if shutil.which("setpriv") is None or not SYSTEM_PYTHON.exists():
        pytest.skip("probing as another user needs setpriv (util-linux) and /usr/bin/python3")
    result = subprocess.run(
        [
            *("setpriv", f"--reuid={ATTACKER_UID}", f"--regid={ATTACKER_UID}", "--clear-groups"),
            *(str(SYSTEM_PYTHON), "-c", _PROBE, json.dumps(targets)),
        ],
        capture_output=True,
        text=True,
        cwd="/",
        env={"PATH": "/usr/bin:/bin"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _aws_request(
    exposed: Exposed, target: str, body: dict[str, Any], sigv4: bool, service: str = "ssm"
) -> Any:
    headers = {"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"}
    if sigv4:
        headers["Authorization"] = FORGED_SIGV4.replace("/ssm/", f"/{service}/")
    return [exposed.state.aws_endpoint_url + "/", headers, json.dumps(body)]


def _token_with_header(**header: Any) -> str:
    """A JWT-shaped string with this JOSE header (nobody signed it)."""

    def part(value: Any) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return ".".join((part(header), part({"sub": "mallory"}), "c2lnbmF0dXJl"))


def test_a_secret_in_a_processs_environment_is_out_of_another_users_reach(
    exposed: Exposed,
) -> None:
    """How the kit hands the real CLI its token (helpers/kit/backends/commands.py): another
    user reads every command line, and no other process's environment."""
    argv, env = commands.token_in_environment(
        commands.invoke("Hello", new_session_id(), "eyJ.secret.token"), {"PATH": "/usr/bin:/bin"}
    )
    holder = subprocess.Popen(["sleep", "30", *argv[1:]], env=env)
    try:
        found = _as_another_user(
            {"files": [f"/proc/{holder.pid}/environ", f"/proc/{holder.pid}/cmdline"]}
        )
        assert found[f"/proc/{holder.pid}/environ"] == "PermissionError"
        assert found[f"/proc/{holder.pid}/cmdline"] == "read"
        assert b"eyJ.secret.token" not in Path(f"/proc/{holder.pid}/cmdline").read_bytes()
    finally:
        holder.kill()
        holder.wait()


def test_another_user_can_neither_read_call_nor_reconfigure_anything(exposed: Exposed) -> None:
    layout, before = exposed.layout, exposed.observable()
    control, collector = exposed.state.control_url, exposed.state.url("collector")
    settings = exposed.settings
    agent_socket = _unix_socket_of(agent_pid(exposed.control.deployments()))
    json_post = {"Content-Type": "application/json"}
    found = _as_another_user(
        {
            "files": [
                str(layout.credentials_file),
                str(layout.status_file),
                str(layout.signing_keys_file),
                str(layout.log_file),
                str(layout.runtime_log(steps.RUNTIME)),
                str(layout.traces_file),
            ],
            "sockets": [agent_socket],
            "requests": {
                "control: deployments": [control + "/deployments", {}, None],
                "control: deploy ../agent": [
                    control + "/deploy",
                    json_post,
                    json.dumps({"project_dir": "../agent"}),
                ],
                "control: issuer down": [
                    control + "/faults",
                    json_post,
                    json.dumps({"part": "issuer", "down": True}),
                ],
                "control: rotate key": [control + "/issuer/keys", json_post, "{}"],
                "aws: client secret, unsigned": _aws_request(
                    exposed,
                    "AWSCognitoIdentityProviderService.DescribeUserPoolClient",
                    {"UserPoolId": settings.pool_id, "ClientId": settings.client_id},
                    sigv4=False,
                ),
                "aws: parameters, made-up SigV4": _aws_request(
                    exposed,
                    "AmazonSSM.GetParametersByPath",
                    {"Path": PARAMETER_PREFIX},
                    sigv4=True,
                ),
                "aws: overwrite a parameter, made-up SigV4": _aws_request(
                    exposed,
                    "AmazonSSM.PutParameter",
                    {
                        "Name": PARAMETER_PREFIX + "cognito_discovery_url",
                        "Value": "https://attacker.example/.well-known/openid-configuration",
                        "Overwrite": True,
                    },
                    sigv4=True,
                ),
                "aws: moto's state dump": [
                    exposed.state.aws_endpoint_url + "/moto-api/data.json",
                    {},
                    None,
                ],
                "collector: a fake tool call": [
                    collector + "/v1/traces",
                    json_post,
                    json.dumps({"resourceSpans": []}),
                ],
                "runtime: no token": [exposed.runtime_url, json_post, '{"prompt": "hi"}'],
                "runtime: alg as a list": [
                    exposed.runtime_url,
                    json_post | {"Authorization": f"Bearer {_token_with_header(alg=['RS256'])}"},
                    '{"prompt": "hi"}',
                ],
                "aws: sign up, unsigned": [
                    exposed.state.aws_endpoint_url + "/",
                    {
                        "X-Amz-Target": "AWSCognitoIdentityProviderService.SignUp",
                        "Content-Type": "application/x-amz-json-1.1",
                    },
                    json.dumps(
                        {
                            "ClientId": settings.web_client_id,
                            "Username": "mallory",
                            "Password": "Mallory-Passw0rd!",
                        }
                    ),
                ],
                "aws: a service the stack does not serve, made-up SigV4": _aws_request(
                    exposed,
                    "AmazonEC2ContainerServiceV20141113.ListClusters",
                    {},
                    sigv4=True,
                    service="ecs",
                ),
            },
        }
    )
    for path in (str(layout.credentials_file), str(layout.traces_file), agent_socket):
        assert found[path] == "PermissionError", (path, found[path])
    assert all(found[str(path)] != "read" for path in [layout.log_file, layout.status_file])
    assert found["control: deployments"] == 401
    assert found["control: deploy ../agent"] == 401
    assert found["control: issuer down"] == 401
    assert found["control: rotate key"] == 401
    assert found["aws: client secret, unsigned"] == 403
    assert found["aws: parameters, made-up SigV4"] == 403
    assert found["aws: overwrite a parameter, made-up SigV4"] == 403
    assert found["aws: moto's state dump"] == 404
    assert found["collector: a fake tool call"] == 401
    assert found["runtime: no token"] == 401
    assert found["runtime: alg as a list"] == 401
    assert found["aws: sign up, unsigned"] == 400
    assert found["aws: a service the stack does not serve, made-up SigV4"] == 404
    assert exposed.observable() == before, "a probe changed something"


# --- as a web page ----------------------------------------------------------------------------


def test_a_web_page_is_refused_at_every_door_even_with_the_owners_credentials(
    exposed: Exposed,
) -> None:
    """A page's requests carry its Origin, or the page's own Host name after a DNS rebind."""
    before = exposed.observable()
    credentials = stack.credentials(exposed.home)
    simple_post = {"Origin": FOREIGN_ORIGIN, "Content-Type": "text/plain"}
    doors = {
        "control": (
            exposed.state.control_url + "/faults",
            {"Authorization": f"Bearer {credentials.control_token}"},
        ),
        "collector": (
            exposed.state.url("collector") + "/v1/traces",
            {"Authorization": f"Bearer {credentials.otlp_token}"},
        ),
        "aws": (exposed.state.aws_endpoint_url + "/", {"X-Amz-Target": "AmazonSSM.PutParameter"}),
    }
    for name, (url, owners) in doors.items():
        body = '{"part": "issuer", "down": true}'
        from_page = httpx.post(url, content=body, headers=owners | simple_post)
        assert from_page.status_code == 403, name
        assert "access-control-allow-origin" not in from_page.headers, name
        preflight = httpx.options(url, headers={"Origin": FOREIGN_ORIGIN})
        assert "access-control-allow-origin" not in preflight.headers, name
        port = url.split(":")[2].split("/")[0]
        rebound = httpx.post(
            url, content=body, headers=owners | {"Host": f"attacker.example:{port}"}
        )
        assert rebound.status_code == 403, name
    assert exposed.observable() == before


def test_the_control_api_takes_json_and_absolute_paths_only(exposed: Exposed) -> None:
    credentials = stack.credentials(exposed.home)
    owner = {"Authorization": f"Bearer {credentials.control_token}"}
    deploy = exposed.state.control_url + "/deploy"
    as_text = httpx.post(deploy, content='{"project_dir": "/x"}', headers=owner)
    assert as_text.status_code == 415
    relative = httpx.post(deploy, json={"project_dir": "../agent"}, headers=owner)
    assert relative.status_code == 400
    assert "absolute" in relative.json()["message"]


def test_the_aws_api_answers_unsigned_and_forged_calls_as_aws_does(exposed: Exposed) -> None:
    unsigned = httpx.post(
        exposed.state.aws_endpoint_url + "/",
        content=json.dumps({"Path": PARAMETER_PREFIX}),
        headers={"X-Amz-Target": "AmazonSSM.GetParametersByPath"},
    )
    assert unsigned.status_code == 403
    assert unsigned.json()["__type"] == "MissingAuthenticationTokenException"
    forged = boto3.client(
        "ssm",
        endpoint_url=exposed.state.aws_endpoint_url,
        region_name=exposed.state.region,
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="not-the-stacks",
    )
    with pytest.raises(forged.exceptions.ClientError, match="InvalidClientTokenId"):
        forged.get_parameters_by_path(Path=PARAMETER_PREFIX)
    wrong_secret = boto3.client(
        "ssm",
        endpoint_url=exposed.state.aws_endpoint_url,
        region_name=exposed.state.region,
        aws_access_key_id=stack.credentials(exposed.home).aws_access_key_id,
        aws_secret_access_key="not-the-stacks",
    )
    with pytest.raises(wrong_secret.exceptions.ClientError, match="SignatureDoesNotMatch"):
        wrong_secret.get_parameters_by_path(Path=PARAMETER_PREFIX)


# --- at the front door ---------------------------------------------------------------------------


def _post(
    exposed: Exposed,
    content: bytes,
    session_id: bytes | None = None,
    content_type: str = "application/json",
) -> httpx.Response:
    """A POST with a valid token; ``session_id`` as raw bytes (latin-1 is allowed)."""
    token = get_token(exposed.settings)
    headers = {
        b"Authorization": f"Bearer {token.value}".encode(),
        b"Content-Type": content_type.encode(),
    }
    if session_id is not None:
        headers[b"X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"] = session_id
    return httpx.post(exposed.runtime_url, content=content, headers=headers, timeout=30)


def _status_line_of_a_declared_100_mb_post(exposed: Exposed) -> bytes:
    """Announce a payload over AgentCore's 100 MB and send none of it: a raw request."""
    url = httpx.URL(exposed.runtime_url)
    context = ssl.create_default_context(cafile=str(exposed.state.ca_bundle))
    token = get_token(exposed.settings).value
    request = (
        f"POST {url.raw_path.decode()} HTTP/1.1\r\nHost: {url.host}:{url.port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {100 * 1024 * 1024 + 1}\r\n\r\n"
    )
    with (
        socket.create_connection((url.host, url.port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=url.host) as tls,
    ):
        tls.sendall(request.encode())
        return tls.recv(4096).split(b"\r\n")[0]


def test_bad_input_at_the_front_door_is_a_400_never_a_500(exposed: Exposed) -> None:
    before = exposed.control.stats()
    latin1 = _post(
        exposed,
        b'{"prompt": "hi"}',
        session_id=("s\xe9ssion-" + "x" * 40).encode("latin-1"),
    )
    assert latin1.status_code == 400 and latin1.headers["x-amzn-errortype"] == "ValidationException"
    broken = _post(exposed, b'{"prompt": ')
    assert broken.status_code == 400 and "not valid JSON" in broken.json()["message"]
    # The agent's SDK parses any payload as JSON: nesting it could not parse, whatever
    # the type says, and a lone surrogate that no UTF-8 encoder after it could write.
    for content_type in ("application/json", "text/plain"):
        deep = _post(exposed, b"[" * 950 + b"]" * 950, content_type=content_type)
        assert deep.status_code == 400 and "nested too deeply" in deep.json()["message"]
    lone = _post(exposed, b'{"prompt": "\\ud800"}')
    assert lone.status_code == 400, lone.text
    assert _status_line_of_a_declared_100_mb_post(exposed).startswith(b"HTTP/1.1 413")
    assert exposed.control.stats() == before, "a bad request reached the agent"


def test_what_the_learners_code_prints_of_a_credential_is_blotted_out_of_its_log(
    exposed: Exposed,
) -> None:
    """The workshop text's ``print(f"Authorization header: {auth_header}")``, deployed,
    beside a learner's ``print(os.environ)`` and a URL-encoded header."""
    main = exposed.folder / "app" / steps.RUNTIME / "main.py"
    working = main.read_text()
    main.write_text(
        working.replace(
            '    authorization = (context.request_headers or {}).get("Authorization")\n',
            '    authorization = (context.request_headers or {}).get("Authorization")\n'
            '    print(f"Authorization header: {authorization}", flush=True)\n'
            "    import os, urllib.parse\n"
            "    print(dict(os.environ), flush=True)\n"
            '    print("encoded:", urllib.parse.quote(str(authorization)), flush=True)\n',
        )
    )
    try:
        exposed.backend.deploy(exposed.folder).raise_for_failure()
        token = get_token(exposed.settings)
        invoke(exposed.runtime_url, "Hello", token=token, session_id=new_session_id())
        log = exposed.layout.runtime_log(steps.RUNTIME).read_text()
        assert "Authorization header: Bearer (redacted)" in log
        assert "encoded: Bearer (redacted)" in log
        assert "AWS_SECRET_ACCESS_KEY" in log, "the environment was not printed"
        credentials = stack.credentials(exposed.home)
        for secret in (
            token.value[:20],
            credentials.aws_secret_access_key,
            credentials.otlp_token,
        ):
            assert secret not in log
    finally:
        main.write_text(working)
        exposed.backend.deploy(exposed.folder).raise_for_failure()


def test_a_client_that_trickles_its_headers_is_cut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """uvicorn starts no timer before a request; the stack's protocol does."""
    monkeypatch.setattr(serving, "HEADER_TIMEOUT_SECONDS", 0.2)

    async def hello(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"hello"})

    with serve_on_a_thread(hello, http=serving.HeaderTimeoutProtocol) as served:
        url = httpx.URL(served.url)
        with socket.create_connection((url.host, url.port), timeout=5) as slow:
            slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # never finishes its headers
            assert slow.recv(1024) == b"", "the connection was left open"
        assert httpx.get(served.url).text == "hello"  # a whole request is answered


@pytest.mark.parametrize("depth", [900, 100_000])
def test_deeply_nested_tool_arguments_never_crash_the_gateway(exposed: Exposed, depth: int) -> None:
    """Refused as a parse error when too deep to parse, else a tool error; never a 500."""
    before = exposed.control.stats()
    nested = "[" * depth + "]" * depth
    body = (
        '{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "'
        + "WarrantyCheck___check_warranty_status"
        + '", "arguments": {"product_id": '
        + nested
        + "}}}"
    )
    token = get_token(exposed.settings)
    answer = httpx.post(
        exposed.backend.gateway_url(exposed.folder, steps.SECURE_GATEWAY),
        content=body,
        headers={
            "Authorization": f"Bearer {token.value}",
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
        },
        timeout=30,
    )
    assert answer.status_code < 500, answer.text[:200]
    assert exposed.control.stats() == before, "the Lambda ran on a nested product id"
