"""The emulator: a local Amazon Bedrock AgentCore, on loopback, with inbound JWT authorizers.

It may import ``helpers.model`` and nothing else of ``helpers``, so it runs any
AgentCore project, not only this workshop's. One background process (``daemon``)
serves every part; ``stack`` starts, checks and stops it; ``client`` talks to its
control API; ``cli`` is ``agentcore-local``. ``state`` owns every path and fact of a
stack. The parts:

- ``identity``: the Cognito-shaped OIDC issuer, its signing keys, the app-client lookup;
- ``authorizer`` and ``refusals``: the CUSTOM_JWT check in front of Runtime and Gateway;
- ``runtime``: the Runtime's front door and one process per deployed agent;
- ``gateway``: MCP Gateways and the Lambda functions behind their targets;
- ``deploy``: make what runs match ``agentcore.json``;
- ``control``: the control API and its fault switches;
- ``telemetry``: OpenTelemetry set-up, the OTLP collector and its span store;
- ``prerequisites``: the pools, clients, Lambdas and SSM parameters made at each start.
"""
