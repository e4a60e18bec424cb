"""Talk to a running stack's control API: deploy, see what is deployed, and test switches.

The CLI, the notebook kit's local backend and the tests all go through
:class:`ControlClient`, which presents the stack's control token (from its owner-only
credentials file); the API itself is :mod:`helpers.emulator.control.api`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import httpx

from helpers.basics.errors import ActionableError
from helpers.basics.i18n import _, language
from helpers.emulator.control import wire
from helpers.emulator.core.credentials import StackCredentials
from helpers.emulator.core.state import StackState
from helpers.emulator.deploy.report import Deployments, PlanItem

DEPLOY_TIMEOUT_SECONDS = 600.0

_Answer = TypeVar("_Answer", bound=wire.ControlAnswer)


class StackUnreachable(ActionableError):
    """The stack's control API did not answer: the stack is stopped or stopping."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            _(
                "The local stack's control API did not answer ({detail}). "
                "Check it with `agentcore-local status`; start it with `agentcore-local up`.",
                detail=detail,
            )
        )


class ControlClient:
    """The control API of the stack ``state`` describes."""

    def __init__(
        self, state: StackState, credentials: StackCredentials, timeout: float = 10.0
    ) -> None:
        self._base = state.control_url
        self._headers = {"Authorization": f"Bearer {credentials.control_token}"}
        self._timeout = timeout

    def deployments(self) -> Deployments:
        """What is deployed now."""
        return Deployments.from_json(self._call("GET", "/deployments", wire.DeploymentsDocument))

    def deploy(self, project_dir: Path, say: Callable[[str], None]) -> bool:
        """Deploy ``project_dir``; each line of plan and progress goes to ``say`` as it comes.

        True when the deploy succeeded; a refusal is said (why, and what to do) and is False.
        The stack words its progress in this process's language (``Accept-Language``).
        """
        timeout = httpx.Timeout(self._timeout, read=DEPLOY_TIMEOUT_SECONDS)
        body = wire.DeployRequest(project_dir=str(Path(project_dir).resolve()))
        headers = {**self._headers, "Accept-Language": language()}
        try:
            with httpx.stream(
                "POST", self._base + "/deploy", json=body, headers=headers, timeout=timeout
            ) as response:
                response.raise_for_status()
                return _follow_deploy(response.iter_lines(), say)
        except httpx.HTTPError as error:
            raise StackUnreachable(type(error).__name__) from None

    def stats(self) -> wire.Stats:
        """How many requests reached each agent (by runtime) and each Lambda (by ARN)."""
        return self._call("GET", "/stats", wire.Stats)

    def signing_key_ids(self) -> list[str]:
        return self._call("GET", "/issuer/keys", wire.SigningKeys)["kids"]

    def rotate_signing_key(self) -> list[str]:
        """Add a new signing key (it signs from now on); every key stays published."""
        return self._call("POST", "/issuer/keys", wire.SigningKeys)["kids"]

    def retire_signing_key(self, kid: str) -> list[str]:
        """Stop publishing ``kid``: tokens it signed stop verifying once caches expire."""
        retire = wire.RetireKeyRequest(kid=kid)
        return self._call("POST", "/issuer/keys/retire", wire.SigningKeys, retire)["kids"]

    def set_fault(self, part: str, down: bool) -> None:
        """Take ``part`` (issuer or gateway) down, answering 503, or bring it back."""
        self._call("POST", "/faults", wire.FaultStates, wire.FaultRequest(part=part, down=down))

    def advance_clock(self, seconds: float) -> float:
        """Move the stack's cache clock forward; return how far it is ahead of the wall clock."""
        advance = wire.ClockRequest(advance_seconds=seconds)
        return float(self._call("POST", "/clock", wire.ClockOffset, advance)["offset_seconds"])

    def _call(
        self,
        method: str,
        path: str,
        answer: type[_Answer],
        body: wire.ControlRequest | None = None,
    ) -> _Answer:
        """Call ``path``; ``answer`` names the shape the control API builds its body in
        (:mod:`~helpers.emulator.control.wire`), for the type checker: it is not checked."""
        try:
            response = httpx.request(
                method, self._base + path, json=body, headers=self._headers, timeout=self._timeout
            )
        except httpx.HTTPError as error:
            raise StackUnreachable(type(error).__name__) from None
        if response.status_code >= 400:
            raise ActionableError(
                _(
                    "The local stack refused {method} {path}: HTTP {status} {message}",
                    method=method,
                    path=path,
                    status=response.status_code,
                    message=response.json().get("message", response.text),
                )
            )
        # Not checked again here: the stack's control API built it as ``answer`` (wire.py).
        answered: _Answer = response.json()
        return answered


def _follow_deploy(lines: Iterable[str], say: Callable[[str], None]) -> bool:
    """Turn the deploy's stream of JSON events into lines for a person; True on success."""
    ok = False
    for raw in lines:
        if not raw:
            continue
        event: wire.DeployEvent = json.loads(raw)  # as the control API built it (wire.py)
        if event["event"] == "plan" and event["items"]:
            say(_("Plan:"))
            for item in event["items"]:
                say(PlanItem.from_json(item).line())
        elif event["event"] == "progress":
            say(event["message"])
        elif event["event"] == "done":
            ok = True
            say(Deployments.from_json(event["deployed"]).summary())
        elif event["event"] == "error":
            say(_("Deploy failed: {reason}", reason=event["message"]))
    return ok
