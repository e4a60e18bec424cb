"""The emulator: a local Amazon Bedrock AgentCore, on loopback, with inbound JWT authorizers.

It may import ``helpers.basics``, ``helpers.model`` and ``helpers.wire``, and nothing else
of ``helpers``, so it runs any AgentCore project, not only this workshop's.

The stack as a whole, at the top: one background process (``daemon``) serves every
part; ``stack`` starts, checks and stops it; ``client`` talks to its control API;
``cli`` is ``agentcore-local``; ``real_cli`` is what the real ``agentcore`` CLI needs in a
shell to answer from the stack (with its Node preload).

``core``: what every part stands on (paths and status, ports, servers, TLS, the stack's
own secrets and the lock on its doors, logs, the model choice); it imports no part.

The parts, one package each:

- ``aws``: the local AWS API (moto behind a SigV4 guard) and AWS's request limits;
- ``identity``: the Cognito-shaped OIDC issuer, its signing keys, user sign-in;
- ``inbound``: the CUSTOM_JWT authorizer in front of Runtime and Gateway, and its refusals;
- ``runtime``: the Runtime's front door and one process per deployed agent;
- ``gateway``: MCP Gateways and the Lambda functions behind their targets;
- ``deploy``: make what runs match ``agentcore.json``;
- ``control``: the control API and its fault switches;
- ``telemetry``: OpenTelemetry set-up, the OTLP collector and its span store;
- ``logs``: CloudWatch Logs as AgentCore fills it;
- ``memory``: AgentCore Memory and its local extractor;
- ``bedrock``: Bedrock Runtime's Converse, scripted or forwarded;
- ``prerequisites``: the pools, clients, Lambdas and SSM parameters made at each start.
"""
