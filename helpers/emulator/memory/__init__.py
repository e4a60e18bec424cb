"""AgentCore Memory on the local stack, reached with boto3 as on AWS.

Split the way moto splits a service: what is kept (``store``: memories, events and
records in one SQLite file, so they outlive a stack restart as on AWS), what the
service decides (``service``: AWS's rules, namespaces, search), how the long-term
records are made (``extraction`` and ``relevance``, deterministic stand-ins for the
model-driven extraction and the semantic search of AWS), and the protocol
(``control_api`` and ``data_api``: moto's handlers for ``bedrock-agentcore-control``
and ``bedrock-agentcore`` with the memory operations taken over). The routing is
:func:`helpers.emulator.aws.api.create_app`.
"""
