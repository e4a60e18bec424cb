"""What the learner's agent code *does*, said in sentences with their fix.

The code checkers read a file's shape (:mod:`helpers.kit.checks`); shape passes code
that does not run, or that runs and sends the wrong token. So the step 3 and 4
checkers also run the code, in a child process, against stand-ins
(:mod:`helpers.kit.behaviour_probe`: a Gateway that records whose token each request
carried, the entrypoint called as the Runtime calls it, with two callers), and report
what happened: which token reached the Gateway, whether two callers shared an Agent,
whose memory a request used, and the line where the code stopped.

Each run is a fork of a probe process that has the agent's libraries imported (a
fraction of a second); its findings are kept per version of the code (a digest of its
files), so the several checker cells of a notebook run it once.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Literal

from helpers.basics.i18n import _
from helpers.model.agent_log import HEADER_NOT_FOUND, log_hint

Probe = Literal["client", "main"]
TIMEOUT_SECONDS = 60
_seen: dict[tuple[str, str], dict[str, Any]] = {}


def observe(code_dir: Path, probe: Probe) -> dict[str, Any]:
    """The probe's report on the code in ``code_dir`` (run once per version of the code)."""
    key = (probe, _digest(code_dir))
    if key not in _seen:
        _seen[key] = _run(code_dir, probe)
    return _seen[key]


def _digest(code_dir: Path) -> str:
    digest = hashlib.sha256(str(code_dir.resolve()).encode())
    for path in sorted(code_dir.rglob("*.py")):
        digest.update(path.relative_to(code_dir).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _run(code_dir: Path, probe: Probe) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="workshop-probe-") as scratch:
        report = Path(scratch, "report.json")
        outcome = _server.ask({"code_dir": str(code_dir), "what": probe, "report": str(report)})
        if outcome == "timeout":
            return {"timeout": True}
        if not report.exists():
            printed = Path(f"{report}.out")
            tail = printed.read_text().strip().splitlines()[-3:] if printed.exists() else []
            return {"crashed": "\n".join(tail) or outcome}
        reported: dict[str, Any] = json.loads(report.read_text())
        return reported


class _ProbeServer:
    """The probe process (``python -m helpers.kit.behaviour_probe``), started on first use.

    It imports strands, mcp and the AgentCore SDK once (a second and a half) and forks a
    probe per request, so a checker answers in a fraction of a second. It ends when this
    process does: its requests come on a pipe, and it stops when the pipe closes.
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def ask(self, request: dict[str, str]) -> str:
        with self._lock:
            for attempt in range(2):  # a server that died is started again, once
                process = self._started()
                try:
                    assert process.stdin is not None and process.stdout is not None
                    process.stdin.write(json.dumps(request) + "\n")
                    process.stdin.flush()
                    reply = process.stdout.readline().strip()
                except (BrokenPipeError, OSError):
                    reply = ""
                if reply:
                    return reply
                self._process = None
                if attempt:
                    break
            return "crashed"

    def _started(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "helpers.kit.behaviour_probe", str(TIMEOUT_SECONDS)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                env={**os.environ, "PYTHONPATH": _python_path()},
                cwd=tempfile.gettempdir(),
            )
            assert self._process.stdout is not None
            self._process.stdout.readline()  # "ready": the libraries are loaded
        return self._process


_server = _ProbeServer()


def _python_path() -> str:
    """The kit's folder first: the probe is its module, whatever folder the kernel is in."""
    kit = str(Path(__file__).resolve().parents[2])
    return os.pathsep.join(filter(None, [kit, os.environ.get("PYTHONPATH")]))


def _stopped(report: dict[str, Any], file: str) -> list[str]:
    """Why the run ended early: a timeout, a crash, or an error in the learner's code."""
    if report.get("timeout"):
        return [
            _(
                "Your code did not finish within {seconds} s when run (waiting on a "
                "connection, or a loop that does not end?).",
                seconds=TIMEOUT_SECONDS,
            )
        ]
    if "crashed" in report:
        return [_("Your code could not be run: {output}", output=report["crashed"])]
    error = report.get("error")
    if not error:
        return []
    if "file" in error:
        return [
            _(
                "{file} line {line}: {error}: {message}. The code stops there when the "
                "Runtime runs it; fix that line.",
                file=error["file"],
                line=error["line"],
                error=error["type"],
                message=error["message"],
            )
        ]
    return [
        _(
            "Running {file} raised {error}: {message}.",
            file=file,
            error=error["type"],
            message=error["message"],
        )
    ]


def client_findings(code_dir: Path) -> list[str]:
    """What ``mcp_client/client.py`` did when the probe built and used its Gateway client."""
    report = observe(code_dir, "client")
    error = report.get("error") or {}
    if error.get("type") == "TypeError" and "file" not in error:
        return [
            _(
                "get_gateway_mcp_client could not be given the caller's token ({message}): "
                "def get_gateway_mcp_client(caller_token: CallerToken).",
                message=error.get("message", ""),
            )
        ]
    stopped = _stopped(report, "mcp_client/client.py")
    if stopped:
        return stopped
    facts = report.get("facts", {})
    if not facts.get("built"):
        if "none" in facts.get("while_building", []):
            causes = [
                _(
                    "get_gateway_mcp_client returned no client: its reachability check "
                    "reached the Gateway without the token, and was refused (HTTP 401). "
                    "Pass the token: mcp_server_problem(url, caller_token)."
                )
            ]
        else:
            causes = _hints(report) or [
                _("Run against a stand-in Gateway, get_gateway_mcp_client returned no client.")
            ]
        return causes + _logged(report)
    findings = []
    calls = facts.get("calls", [])
    if any("none" in call["seen"] for call in calls[:1]):
        findings.append(
            _(
                "Its MCP requests reached the Gateway without a token: "
                "streamablehttp_client(url, auth=caller_token)."
            )
        )
    if any(call["caller"] != "alice" and "alice" in call["seen"] for call in calls[1:]):
        findings.append(
            _(
                "When the token holder was given another token (the next request's, or a "
                "refreshed one), the Gateway still got the first: headers fixed when the "
                "client was built. Pass auth=caller_token, which every request asks for "
                "the token of the moment."
            )
        )
    return findings


def main_findings(code_dir: Path) -> list[str]:
    """What ``main.py``'s entrypoint did with two callers' requests (step 3's concerns:
    the token the Gateway got, and whether the callers shared an Agent)."""
    report = observe(code_dir, "main")
    stopped = _stopped(report, "main.py")
    if stopped:
        return stopped
    requests = report.get("facts", {}).get("requests")
    if requests is None:
        return [_("main.py has no @app.entrypoint function for the Runtime to call.")]
    findings = []
    for request in requests:
        caller, seen = request["caller"], request["seen"]
        name = caller.split("-")[0]  # alice-refreshed is alice
        if not request["gateway_client"]:
            findings.append(
                _(
                    "{caller}'s request got an Agent without the Gateway's tools: no "
                    "Gateway client was built (see the check of mcp_client/client.py, and "
                    "pass it the token holder: get_gateway_mcp_client(gateway_token)).",
                    caller=name,
                )
            )
        elif "none" in seen:
            findings.append(
                _(
                    "{caller}'s request reached the Gateway without a token: hand the "
                    "request's Authorization header to the Gateway client "
                    "(async with session.gateway_token.presenting(authorization):).",
                    caller=name,
                )
            )
        elif caller == "alice-refreshed" and "alice" in seen:
            findings.append(
                _(
                    "alice called again in her session with a refreshed token, and the "
                    "Gateway got her earlier one: the Agent kept the token it was built "
                    "with, which expires within the hour. Present each request's own: "
                    "async with session.gateway_token.presenting(authorization):."
                )
            )
        elif any(who not in (caller, "none") for who in seen):
            findings.append(
                _(
                    "{caller}'s request reached the Gateway with another caller's token: "
                    "the Agent kept the token it was built with. Present each request's "
                    "own: async with session.gateway_token.presenting(authorization):.",
                    caller=name,
                )
            )
    first, second = requests[0], requests[1] if len(requests) > 1 else None
    if second and not second["new_agent"] and second["agent"] == first["agent"]:
        findings.append(
            _(
                "alice and bob, calling in the same session, were answered by one Agent "
                "(one conversation, one Gateway client): key the agents by caller too, "
                "key = (session_id, user_id, actor_id(authorization))."
            )
        )
    if any(HEADER_NOT_FOUND in line for line in report.get("logged", [])):
        # The probe sent the header: the code looked for it in the wrong place.
        findings.insert(
            0,
            _(
                "Every request carried an Authorization header, but your code did not find "
                'it: (context.request_headers or {}).get("Authorization").'
            ),
        )
    return list(dict.fromkeys(findings + _hints(report) + _logged(report)))


def memory_findings(code_dir: Path) -> list[str]:
    """Whose memory ``main.py`` used for each request (step 4: the token's caller only)."""
    report = observe(code_dir, "main")
    stopped = _stopped(report, "main.py")
    if stopped:
        return stopped
    findings = []
    for request in report.get("facts", {}).get("requests") or []:
        memory = request.get("memory")
        wanted = request["caller"].split("-")[0] + "-0000-probe-sub"
        actor = memory.get("actor") if isinstance(memory, dict) else None
        if actor == wanted:
            continue
        if request["forged"] and actor == "alice-0000-probe-sub":
            findings.append(
                _(
                    "bob wrote alice's id in the payload (user_id) and was given alice's "
                    "memory: take the actor from the verified token alone."
                )
            )
        elif actor is None:
            findings.append(
                _(
                    "{caller}'s request used no memory: keep "
                    "get_memory_session_manager(session_id, actor) where the Agent is built.",
                    caller=request["caller"].split("-")[0],
                )
            )
        else:
            findings.append(
                _(
                    "{caller}'s request used the memory of {actor}, not of the caller its "
                    "token names: actor = actor_id(authorization), then "
                    "get_memory_session_manager(session_id, actor).",
                    caller=request["caller"].split("-")[0],
                    actor=repr(actor),
                )
            )
    return list(dict.fromkeys(findings))


def _logged(report: dict[str, Any]) -> list[str]:
    """The warnings the run logged, as they were written."""
    return [_("It logged: {line}", line=line) for line in report.get("logged", [])]


def _hints(report: dict[str, Any]) -> list[str]:
    """The fixes for the warnings the run logged, where the kit knows them."""
    hints = (log_hint(line) for line in report.get("logged", []))
    return list(dict.fromkeys(hint for hint in hints if hint))
