"""The stack's control API: what ``agentcore-local``, the notebook kit and the tests talk to.

Loopback HTTP behind :class:`~helpers.emulator.core.guard.StackOnly`: only the stack's
owner (who can read its control token) gets past the door. Request bodies are JSON
(``Content-Type: application/json``, so a web page's "simple" form or text POST is
refused even before the token check), and a project folder is given as an absolute
path: nothing is resolved against the daemon's own folder.

- ``POST /deploy`` answers with a stream of JSON lines (plan, progress, then ``done``
  or ``error``) so a slow deploy shows its progress as it happens;
- ``GET /deployments``: what is deployed;
- ``GET /stats``: how many requests reached each agent and each Lambda (a refused
  request must reach neither);
- ``GET|POST /issuer/keys``, ``POST /issuer/keys/retire``: rotate the signing key;
- ``POST /faults``: take the issuer or the gateway down and bring it back;
- ``POST /clock``: move the stack's cache clock forward (key cache expiry without a wait).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TypeVar

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from helpers.basics.i18n import use_language
from helpers.emulator.control import wire
from helpers.emulator.control.clock import StackClock
from helpers.emulator.control.faults import Switchable
from helpers.emulator.deploy.deployer import Deployer
from helpers.emulator.deploy.plan import DeployRefused
from helpers.emulator.gateway.lambdas import LambdaRegistry
from helpers.emulator.identity.keys import SigningKeyStore
from helpers.emulator.runtime.front_door import RuntimeFrontDoor

log = logging.getLogger("agentcore_local.control")

_Value = TypeVar("_Value", str, bool)


def create_control_app(
    *,
    deployer: Deployer,
    keys: SigningKeyStore,
    front_door: RuntimeFrontDoor,
    registry: LambdaRegistry,
    switches: dict[str, Switchable],
    clock: StackClock,
) -> Starlette:
    """The control API's routes; wrap it in ``StackOnly`` before serving it."""

    async def health(_: Request) -> Response:
        return _answer(wire.Health(status="ok"))

    async def deployments(_: Request) -> Response:
        return _answer(deployer.describe().to_json())

    async def stats(_: Request) -> Response:
        return _answer(
            wire.Stats(
                runtime_invocations=dict(front_door.forwarded),
                lambda_invocations=dict(registry.invocations),
            )
        )

    def published_keys() -> wire.SigningKeys:
        return {"kids": [key["kid"] for key in keys.jwks()["keys"]]}

    async def signing_keys(request: Request) -> Response:
        if request.method == "POST":
            log.info("issuer: signing key rotated to %s", keys.rotate().kid)
        return _answer(published_keys())

    async def retire_key(request: Request) -> Response:
        kid = _retire_key_request(await _json_body(request))["kid"]
        try:
            keys.retire(kid)
        except (KeyError, ValueError) as error:
            return _refuse(str(error))
        log.info("issuer: signing key %s retired", kid)
        return _answer(published_keys())

    async def faults(request: Request) -> Response:
        # A FaultRequest, read a key at a time: an unknown part is refused before ``down``.
        wanted = await _json_body(request)
        switch = switches.get(_field(wanted, "part", str))
        if switch is None:
            return _refuse(f"parts that can fail: {sorted(switches)}")
        switch.down = _field(wanted, "down", bool)
        log.warning("fault: %s is %s", switch.part, "DOWN" if switch.down else "back up")
        states: wire.FaultStates = {
            part: "down" if s.down else "up" for part, s in switches.items()
        }
        return _answer(states)

    async def move_clock(request: Request) -> Response:
        seconds = _clock_request(await _json_body(request))["advance_seconds"]
        if seconds < 0:
            return _refuse("advance_seconds must be 0 or more")
        log.info("clock: moved forward %.3f s", seconds)
        offset = clock.advance(seconds)
        await deployer.reap_sessions()  # what the time that passed would have ended
        return _answer(wire.ClockOffset(offset_seconds=offset))

    async def deploy(request: Request) -> Response:
        project_dir = Path(_deploy_request(await _json_body(request))["project_dir"])
        if not project_dir.is_absolute():
            raise BadRequest("project_dir must be an absolute path")
        events: asyncio.Queue[wire.DeployEvent | None] = asyncio.Queue()
        # The deploy's progress and refusals are for the person who asked: in their language.
        asked_for = request.headers.get("accept-language")

        async def run() -> None:
            try:
                with use_language(asked_for):
                    described = await deployer.deploy(project_dir, events.put)
                await events.put({"event": "done", "ok": True, "deployed": described.to_json()})
            except DeployRefused as refusal:
                await events.put({"event": "error", "ok": False, "message": str(refusal)})
            except Exception as error:  # reported to the learner, not swallowed
                log.exception("deploy failed")
                await events.put({"event": "error", "ok": False, "message": repr(error)})
            finally:
                await events.put(None)

        task = asyncio.create_task(run())

        async def lines() -> AsyncIterator[bytes]:
            while (event := await events.get()) is not None:
                yield json.dumps(event).encode() + b"\n"
            await task

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    return Starlette(
        exception_handlers={BadRequest: _bad_request},
        routes=[
            Route("/health", health),
            Route("/deployments", deployments),
            Route("/stats", stats),
            Route("/issuer/keys", signing_keys, methods=["GET", "POST"]),
            Route("/issuer/keys/retire", retire_key, methods=["POST"]),
            Route("/faults", faults, methods=["POST"]),
            Route("/clock", move_clock, methods=["POST"]),
            Route("/deploy", deploy, methods=["POST"]),
        ],
    )


class BadRequest(Exception):
    """A request the control API cannot read; answered 400 (or 415) with the reason."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


async def _bad_request(_: Request, error: Exception) -> Response:
    status = error.status if isinstance(error, BadRequest) else 400
    return _refuse(str(error), status)


def _answer(body: wire.ControlAnswer) -> Response:
    """A 200 answer, one of the shapes :mod:`~helpers.emulator.control.wire` declares."""
    return JSONResponse(body)


def _refuse(message: str, status: int = 400) -> Response:
    return JSONResponse(wire.Refusal(message=message), status_code=status)


async def _json_body(request: Request) -> dict[str, object]:
    """The request's JSON object, not yet known to have any key: the readers below check."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise BadRequest("send the body as application/json", status=415)
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise BadRequest("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


def _deploy_request(body: dict[str, object]) -> wire.DeployRequest:
    return {"project_dir": _field(body, "project_dir", str)}


def _retire_key_request(body: dict[str, object]) -> wire.RetireKeyRequest:
    return {"kid": _field(body, "kid", str)}


def _clock_request(body: dict[str, object]) -> wire.ClockRequest:
    seconds = body.get("advance_seconds")
    # JSON has one number type: an integer is as good as a float; true is not a number here.
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        raise BadRequest("advance_seconds is missing or of the wrong type")
    return {"advance_seconds": float(seconds)}


def _field(body: dict[str, object], name: str, kind: type[_Value]) -> _Value:
    value = body.get(name)
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise BadRequest(f"{name} is missing or of the wrong type")
    return value
