"""Helpers for the AgentCore auth workshop.

The notebooks stay short because the logic lives here: SSM look-ups, tokens,
invoke, the ``agentcore.json`` model and validator, and ``helpers.local``, the
local stack that plays every AWS part on loopback.
"""
