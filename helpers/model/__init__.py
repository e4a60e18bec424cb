"""The project model: what an AgentCore project, its invocation and its traces are.

A leaf: it imports no other room of ``helpers``, so the emulator and the notebook kit
can both build on it.

- ``config``: read and write ``agentcore/agentcore.json`` as the CLI does;
- ``edits`` and ``commands``: the ``agentcore`` CLI's ``add``/``remove``/``validate``;
- ``validation``, ``project_schema`` and ``schema``: the real CLI's rules for the project's
  files, reported in its words, and the workshop's own checks on top;
- ``deployed_state``: what a deploy records for the real CLI (``aws-targets.json`` and
  ``.cli/deployed-state.json``);
- ``headers``: which request headers a Runtime may forward (AgentCore's header rules);
- ``names``: naming rules shared by the validator, the deployer and the checkers;
- ``invocation``: the Runtime's invoke contract (URL, session header, event stream);
- ``spans`` and ``interactions``: finished spans, and what one invocation did;
- ``errors``: the root of every error meant for a person to read.
"""
