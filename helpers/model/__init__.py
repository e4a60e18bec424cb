"""The project model: what an AgentCore project, its invocation and its traces are.

A leaf: it imports no other room of ``helpers``, so the emulator and the notebook kit
can both build on it.

- ``config``: read and write ``agentcore/agentcore.json`` as the CLI does;
- ``edits`` and ``commands``: the ``agentcore`` CLI's ``add``/``remove``/``validate``;
- ``validation`` and ``names``: the rules a config must follow;
- ``invocation``: the Runtime's invoke contract (URL, session header, event stream);
- ``spans`` and ``interactions``: finished spans, and what one invocation did;
- ``errors``: the root of every error meant for a person to read.
"""
