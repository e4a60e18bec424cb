"""AgentCore Gateway: MCP over streamable HTTP, and the Lambda functions behind its targets."""
