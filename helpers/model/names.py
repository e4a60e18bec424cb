"""Names and patterns shared by the validator, the deployer, the checkers and the tests."""

from __future__ import annotations

import re

LAMBDA_ARN = re.compile(
    r"arn:aws[-a-z]*:lambda:[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:function:[A-Za-z0-9_-]{1,64}"
    r"(?::[A-Za-z0-9_$-]+)?"
)
# A value the learner still has to paste in, like <COGNITO_CLIENT_ID value>.
PLACEHOLDER = re.compile(r"<[^<>\s][^<>]*>")
WELL_KNOWN_SUFFIX = "/.well-known/openid-configuration"

# The workshop's resources: the runtime, the gateway it starts with and the one it ends
# with, the Lambda target that moves from one to the other, and the memory.
RUNTIME = "CustomerSupport"
OLD_GATEWAY = "my-gateway"
SECURE_GATEWAY = "my-gateway-secure"
WARRANTY_TARGET = "WarrantyCheck"
MEMORY_NAME = "CustomerSupportMemory"


def gateway_url_env_var(name: str) -> str:
    """The env var through which a runtime learns a gateway's URL, named as the CLI names it.

    ``my-gateway-secure`` → ``AGENTCORE_GATEWAY_MY_GATEWAY_SECURE_URL``.
    """
    return f"AGENTCORE_GATEWAY_{name.upper().replace('-', '_')}_URL"


def memory_id_env_var(name: str) -> str:
    """The env var through which a runtime learns a memory's id, named as the CLI names it.

    ``CustomerSupportMemory`` → ``MEMORY_CUSTOMERSUPPORTMEMORY_ID``.
    """
    return f"MEMORY_{name.upper().replace('-', '_')}_ID"


# What the Runtime tells the agent each gateway's URL by (the old one's is gone after step 2).
SECURE_GATEWAY_ENV = gateway_url_env_var(SECURE_GATEWAY)
OLD_GATEWAY_ENV = gateway_url_env_var(OLD_GATEWAY)
