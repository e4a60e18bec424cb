"""CustomerSupport: a Strands agent served by Amazon Bedrock AgentCore Runtime.

This is the agent after step 4: the Runtime only lets in callers with a valid Cognito
JWT, the agent forwards the caller's ``Authorization`` header to the Gateway (where the
warranty check lives), which checks the same JWT, and the caller that token names is
whose memory the agent reads and writes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from bedrock_agentcore.runtime import BedrockAgentCoreApp, RequestContext
from mcp_client.client import get_gateway_mcp_client, get_streamable_http_mcp_client
from memory.actor import actor_id
from memory.session import get_session_manager
from model.load import load_model
from strands import Agent
from tool.catalog import get_product_info, get_return_policy

app = BedrockAgentCoreApp()

SYSTEM_PROMPT = """You are a friendly customer support assistant for an electronics store.
Use your tools to answer questions about return policies, products and warranties.
If a tool you need is not available, say so plainly instead of guessing."""


def build_agent(session_id: str | None, actor: str, authorization: str | None) -> Agent:
    """A new Agent for one request; the session manager brings back the conversation.

    Nothing here is cached across requests, on purpose: the Gateway client carries this
    caller's token, and an Agent kept from an earlier request would go on calling the
    Gateway with that request's token, even after it expired.
    """
    mcp_clients = [get_streamable_http_mcp_client(), get_gateway_mcp_client(authorization)]
    return Agent(
        model=load_model(),
        system_prompt=SYSTEM_PROMPT,
        tools=[get_return_policy, get_product_info, *(c for c in mcp_clients if c)],
        session_manager=get_session_manager(session_id, actor),
        callback_handler=None,  # the entrypoint streams the text itself
    )


@app.entrypoint
async def invoke(payload: dict[str, Any], context: RequestContext) -> AsyncIterator[str]:
    """Answer ``payload["prompt"]``, streaming the text as the model writes it."""
    prompt = payload.get("prompt")
    if not prompt:
        yield 'Send a JSON body like {"prompt": "What is your return policy?"}.'
        return
    # The Runtime forwards only allow-listed headers; request_headers is None if there are none.
    authorization = (context.request_headers or {}).get("Authorization")
    # Whose memory this is: the caller the Runtime verified, never what the payload says.
    actor = actor_id(authorization)

    # Connecting to MCP servers blocks; a worker thread keeps other sessions streaming.
    agent = await asyncio.to_thread(build_agent, context.session_id, actor, authorization)
    try:
        async for event in agent.stream_async(prompt):
            if text := event.get("data"):
                yield text
    finally:
        await asyncio.to_thread(agent.cleanup)  # closes this request's MCP connections


if __name__ == "__main__":
    app.run()
