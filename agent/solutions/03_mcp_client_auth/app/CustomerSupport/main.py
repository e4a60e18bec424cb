"""CustomerSupport: a Strands agent served by Amazon Bedrock AgentCore Runtime.

This is the agent after step 3: the Runtime only lets in callers with a valid Cognito
JWT, and the agent forwards each request's ``Authorization`` header to the Gateway
(where the warranty check lives), which checks the same JWT.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from bedrock_agentcore.runtime import BedrockAgentCoreApp, RequestContext
from mcp_client.caller_token import CallerToken
from mcp_client.client import get_gateway_mcp_client, get_streamable_http_mcp_client
from memory.actor import actor_id
from memory.session import get_memory_session_manager
from model.load import load_model
from strands import Agent
from tool.catalog import get_product_info, get_return_policy

app = BedrockAgentCoreApp()
log = app.logger

SYSTEM_PROMPT = """You are a helpful and professional customer support assistant for an e-commerce company.
Your role is to:
- Provide accurate information using the tools available to you
- Be friendly, patient, and understanding with customers
- Always offer additional help after answering questions
- If you can't help with something, direct customers to the appropriate contact
You have access to the following tools:
1. get_return_policy() - For return policy questions
2. get_product_info() - To look up product information and specifications
3. Web search - To search the web for troubleshooting help
Always use the appropriate tool to get accurate, up-to-date information rather than guessing."""  # noqa: E501

# A runtime session runs in a process of its own (a microVM on AWS), which ends when
# the session idles out; it keeps the agents of that session's callers, at most this many.
MAX_AGENTS = 16


@dataclass
class SessionAgent:
    """An Agent kept for a runtime session: its conversation and MCP connections stay open."""

    agent: Agent
    # What its Gateway calls present: the token of the request being answered.
    gateway_token: CallerToken
    # strands runs one invocation of an Agent at a time: a second request waits its turn.
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)


def agent_factory() -> Callable[..., SessionAgent]:
    """The workshop text's factory: ``get_or_create_agent`` keeps one Agent per key.

    A session's first request builds the Agent (its session manager restores the
    conversation from Memory, its MCP clients connect); the session's later requests
    reuse it, so a turn costs the same however long the session has run.
    The key names the caller the token names: two callers never share an Agent.
    """
    cache: OrderedDict[tuple[str | None, ...], SessionAgent] = OrderedDict()
    building = threading.Lock()

    def get_or_create_agent(
        session_id: str | None, user_id: str, authorization: str | None
    ) -> SessionAgent:
        key = (session_id, user_id, actor_id(authorization))
        with building:
            if key not in cache:
                # Building lists the Gateway's tools: that call carries this request's token.
                gateway_token = CallerToken(authorization)
                mcp_clients = [
                    get_streamable_http_mcp_client(),
                    get_gateway_mcp_client(gateway_token),
                ]
                agent = Agent(
                    model=load_model(),
                    session_manager=get_memory_session_manager(session_id, user_id),
                    system_prompt=SYSTEM_PROMPT,
                    tools=[get_return_policy, get_product_info, *filter(None, mcp_clients)],
                    callback_handler=None,  # the entrypoint streams the text itself
                )
                cache[key] = SessionAgent(agent, gateway_token)
                if len(cache) > MAX_AGENTS:
                    # A request still using the oldest keeps it until it ends.
                    cache.popitem(last=False)
            cache.move_to_end(key)
            return cache[key]

    return get_or_create_agent


get_or_create_agent = agent_factory()


@app.entrypoint
async def invoke(payload: dict[str, Any], context: RequestContext) -> AsyncIterator[str]:
    """Answer ``payload["prompt"]``, streaming the text as the model writes it."""
    prompt = payload.get("prompt")
    if not prompt:
        yield 'Send a JSON body like {"prompt": "What is your return policy?"}.'
        return
    log.info("Invoking Agent.....")
    # RequestContext has no user_id: every caller is "default-user".
    user_id = getattr(context, "user_id", "default-user")
    # The Runtime forwards only allow-listed headers; request_headers is None if there are none.
    authorization = (context.request_headers or {}).get("Authorization")

    # Building an Agent connects to MCP servers, which blocks: a worker thread keeps
    # other requests streaming meanwhile.
    session = await asyncio.to_thread(
        get_or_create_agent, context.session_id, user_id, authorization
    )
    async with session.turn, session.gateway_token.presenting(authorization):
        async for event in session.agent.stream_async(prompt):
            if text := event.get("data"):
                yield text


if __name__ == "__main__":
    app.run()
