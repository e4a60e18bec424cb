"""Choose the model the agent thinks with.

On AWS that is Claude on Amazon Bedrock. The local stack has no Bedrock, so it sets
``AGENT_MODEL_PROVIDER=offline`` and the agent runs on a scripted model instead: every
other part of the request (auth, Gateway, tools, memory) stays real.
"""

from __future__ import annotations

import os

from strands.models import BedrockModel, Model

from .offline import OfflineSupportModel

PROVIDER_ENV = "AGENT_MODEL_PROVIDER"
MODEL_ID_ENV = "BEDROCK_MODEL_ID"
DEFAULT_BEDROCK_MODEL_ID = "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
PROVIDERS = ("bedrock", "offline")


def load_model() -> Model:
    """The model named by ``AGENT_MODEL_PROVIDER`` (default: Bedrock)."""
    provider = os.environ.get(PROVIDER_ENV, "bedrock").strip().lower() or "bedrock"
    if provider == "bedrock":
        return BedrockModel(model_id=os.environ.get(MODEL_ID_ENV) or DEFAULT_BEDROCK_MODEL_ID)
    if provider == "offline":
        return OfflineSupportModel()
    raise ValueError(
        f"{PROVIDER_ENV}={os.environ[PROVIDER_ENV]!r} is not a model provider this agent knows; "
        f"use one of: {', '.join(PROVIDERS)} (unset means bedrock)."
    )
