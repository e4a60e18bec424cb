"""The local AWS API: moto's services behind a SigV4 guard, and AWS's request limits.

``api`` serves the AWS JSON APIs the workshop calls (SSM, Cognito, AgentCore's control
and data planes, CloudWatch Logs, Bedrock Runtime) on one port; ``bounds`` bounds what a
client can make it hold (a request's deadline, a body's size); ``limits`` checks a
request's members against its botocore model, as the real services do;
``moto_internals`` is every use of moto's private names, each with why.
"""
