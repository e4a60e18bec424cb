"""Model selection: Claude on Bedrock, or a scripted offline model for the local stack."""
