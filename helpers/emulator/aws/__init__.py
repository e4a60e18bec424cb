"""The local AWS API: moto's services behind a SigV4 guard, and AWS's request limits.

``api`` serves the AWS JSON APIs the workshop calls (SSM, Cognito, AgentCore's control
and data planes, CloudWatch Logs, Bedrock Runtime) on one port; ``limits`` checks a
request's members against its botocore model, as the real services do.
"""
