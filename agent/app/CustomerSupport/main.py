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
from strands import Agent, tool

app = BedrockAgentCoreApp()

SYSTEM_PROMPT = """You are a friendly customer support assistant for an electronics store.
Use your tools to answer questions about return policies, products and warranties.
If a tool you need is not available, say so plainly instead of guessing."""

RETURN_POLICIES: dict[str, dict[str, str]] = {
    "electronics": {
        "window": "30 days",
        "conditions": "original packaging, all accessories included, no physical damage",
        "refund": "to the original payment method within 5-7 business days",
    },
    "accessories": {
        "window": "14 days",
        "conditions": "unused and in the original packaging",
        "refund": "to the original payment method within 3-5 business days",
    },
    "audio": {
        "window": "30 days",
        "conditions": "all parts included; in-ear products only with the hygiene seal intact",
        "refund": "to the original payment method within 5-7 business days",
    },
}

PRODUCTS: dict[str, dict[str, Any]] = {
    "PROD-001": {
        "name": "Wireless Headphones",
        "price": 149.99,
        "category": "audio",
        "description": "Over-ear noise-cancelling headphones with a 30-hour battery",
        "warranty_months": 24,
    },
    "PROD-002": {
        "name": "Smart Watch",
        "price": 299.99,
        "category": "electronics",
        "description": "Fitness and health tracking, GPS and a 5-day battery",
        "warranty_months": 24,
    },
    "PROD-003": {
        "name": "Laptop Stand",
        "price": 49.99,
        "category": "accessories",
        "description": "Adjustable aluminium stand for laptops up to 17 inches",
        "warranty_months": 12,
    },
    "PROD-004": {
        "name": "USB-C Hub",
        "price": 39.99,
        "category": "accessories",
        "description": "7-in-1 hub: HDMI 4K, 3x USB-A, SD and microSD readers, 100 W passthrough",
        "warranty_months": 24,
    },
    "PROD-005": {
        "name": "Mechanical Keyboard",
        "price": 129.99,
        "category": "accessories",
        "description": "Full-size keyboard with hot-swappable switches and RGB backlight",
        "warranty_months": 24,
    },
}


@tool
def get_return_policy(category: str) -> str:
    """Get the return policy for a product category: electronics, accessories or audio.

    Args:
        category: The product category, for example "electronics".
    """
    policy = RETURN_POLICIES.get(category.strip().lower())
    if policy is None:
        known = ", ".join(RETURN_POLICIES)
        return f"No return policy found for category {category!r}. Known categories: {known}."
    return (
        f"Return policy for {category.strip().lower()}:\n"
        f"- Return window: {policy['window']}\n"
        f"- Conditions: {policy['conditions']}\n"
        f"- Refund: {policy['refund']}"
    )


@tool
def get_product_info(product_id: str) -> str:
    """Get the details of a product: name, price, category, description and warranty.

    Args:
        product_id: The product identifier, for example "PROD-001".
    """
    product_id = product_id.strip().upper()
    product = PRODUCTS.get(product_id)
    if product is None:
        return f"No product found with id {product_id!r}. Known ids: {', '.join(PRODUCTS)}."
    return (
        f"{product_id}: {product['name']}\n"
        f"- Price: ${product['price']:.2f}\n"
        f"- Category: {product['category']}\n"
        f"- Description: {product['description']}\n"
        f"- Warranty: {product['warranty_months']} months"
    )


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
