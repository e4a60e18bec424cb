"""CustomerSupport: a Strands agent served by Amazon Bedrock AgentCore Runtime.

This is the agent at the start of the module: anyone who can reach the Runtime may call
it, and it calls the Gateway (where the warranty check lives) without credentials.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from bedrock_agentcore.runtime import BedrockAgentCoreApp, RequestContext
from mcp_client.client import get_gateway_mcp_client, get_streamable_http_mcp_client
from memory.session import get_session_manager
from model.load import load_model
from strands import Agent
from tool.catalog import get_product_info, get_return_policy

app = BedrockAgentCoreApp()

SYSTEM_PROMPT = """You are a friendly customer support assistant for an electronics store.
Use your tools to answer questions about return policies, products and warranties.
If a tool you need is not available, say so plainly instead of guessing."""


def build_agent(session_id: str | None, user_id: str) -> Agent:
    """A new Agent for one request; the session manager brings back the conversation.

    Nothing here is cached across requests, on purpose: the Gateway client is going to
    carry the caller's token (step 3), and an Agent kept from an earlier request would go
    on calling the Gateway with that request's token, even after it expired.
    """
    mcp_clients = [get_streamable_http_mcp_client(), get_gateway_mcp_client()]
    return Agent(
        model=load_model(),
        system_prompt=SYSTEM_PROMPT,
        tools=[get_return_policy, get_product_info, *(c for c in mcp_clients if c)],
        session_manager=get_session_manager(session_id, user_id),
        callback_handler=None,  # the entrypoint streams the text itself
    )


@app.entrypoint
async def invoke(payload: dict[str, Any], context: RequestContext) -> AsyncIterator[str]:
    """Answer ``payload["prompt"]``, streaming the text as the model writes it."""
    prompt = payload.get("prompt")
    if not prompt:
        yield 'Send a JSON body like {"prompt": "What is your return policy?"}.'
        return
    user_id = str(payload.get("user_id", "default_user"))

    # Connecting to MCP servers blocks; a worker thread keeps other sessions streaming.
    agent = await asyncio.to_thread(build_agent, context.session_id, user_id)
    try:
        async for event in agent.stream_async(prompt):
            if text := event.get("data"):
                yield text
    finally:
        await asyncio.to_thread(agent.cleanup)  # closes this request's MCP connections


if __name__ == "__main__":
    app.run()
