"""The stack's control API: what ``agentcore-local deploy`` and ``status`` talk to.

Loopback HTTP, never carrying a token. ``POST /deploy`` answers with a stream of
JSON lines (plan, progress, then ``done`` or ``error``) so a slow deploy shows its
progress as it happens.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from helpers.local.deployer import Deployer, DeployRefused

log = logging.getLogger("agentcore_local.control")


def create_control_app(deployer: Deployer) -> Starlette:
    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def deployments(_: Request) -> Response:
        return JSONResponse(deployer.describe())

    async def deploy(request: Request) -> Response:
        project_dir = Path((await request.json())["project_dir"])
        events: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()

        async def run() -> None:
            try:
                described = await deployer.deploy(project_dir, events.put)
                await events.put({"event": "done", "ok": True, "deployed": described})
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
        routes=[
            Route("/health", health),
            Route("/deployments", deployments),
            Route("/deploy", deploy, methods=["POST"]),
        ]
    )
