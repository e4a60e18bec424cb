"""Conversation persistence between requests (local files or AgentCore Memory)."""
