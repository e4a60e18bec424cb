"""Calling the agent and its Gateway as a client does: invoke, MCP, traffic and load."""
