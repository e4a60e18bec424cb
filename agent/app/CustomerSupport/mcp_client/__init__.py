"""MCP clients that give the agent tools from other servers (web search, the Gateway)."""
