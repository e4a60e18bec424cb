"""The model the agent thinks with: Claude on Amazon Bedrock (the local stack plays Bedrock)."""
