"""The agent's tools: the local catalog, and the schema of the Gateway's warranty tool."""
