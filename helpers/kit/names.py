"""The workshop's resource names, and the variables AgentCore derives from them."""

from __future__ import annotations

from helpers.model.names import gateway_url_env_var

# The runtime, the gateway it starts with and the one it ends with, and the Lambda
# target that moves from one to the other.
RUNTIME = "CustomerSupport"
OLD_GATEWAY = "my-gateway"
SECURE_GATEWAY = "my-gateway-secure"
WARRANTY_TARGET = "WarrantyCheck"
MEMORY_NAME = "CustomerSupportMemory"
# What the Runtime tells the agent each gateway's URL by (the old one's is gone after step 2).
SECURE_GATEWAY_ENV = gateway_url_env_var(SECURE_GATEWAY)
OLD_GATEWAY_ENV = gateway_url_env_var(OLD_GATEWAY)
