"""What travels between a caller, AgentCore and the agent: the wire contracts.

The same on AWS and on the local stack, so the notebook kit (which calls) and the
emulator (which answers) share one definition. Of ``helpers`` it imports only
``helpers.basics``.

- ``invocation``: the Runtime's invoke contract (URL, session header, event stream);
- ``runtime_client``: its one client, for the kit and ``agentcore-local invoke``, and
  ``invoke_errors``, how a call fails (refused, or the agent's code raised);
- ``refusal_reasons``: why the CUSTOM_JWT authorizer refused a token, in its words;
- ``callers``: who called, by a token's claims;
- ``spans`` and ``interactions``: finished spans, and what one invocation did.
"""
