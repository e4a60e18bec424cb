"""AgentCore Runtime: the invoke endpoint (front door) and the process each agent runs in."""
