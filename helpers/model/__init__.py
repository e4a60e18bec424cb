"""The project model: what an AgentCore project is, as the ``agentcore`` CLI reads and writes it.

Imports only ``helpers.basics``, so the emulator and the notebook kit both build on it.

- ``config``: read and write ``agentcore/agentcore.json`` as the CLI does;
  ``project_types``: its shapes as TypedDicts, for what the kit builds and for a project
  that passed validation (a file read from disk may hold anything);
- ``edits`` and ``commands``: the ``agentcore`` CLI's ``add``/``remove``/``validate``;
  ``cli_options``: its refusal of an unknown option;
- ``validation``, ``schemas`` (a module per resource) and ``schema``: the real CLI's rules
  for the project's files, reported in its words (``issues``: each problem and its fix), and
  the workshop's own checks on top (``guard_rails``);
- ``deployed_state``: what a deploy records for the real CLI (``aws-targets.json`` and
  ``.cli/deployed-state.json``);
- ``headers``: which request headers a Runtime may forward (AgentCore's header rules);
- ``names``: naming rules and the workshop's resource names;
- ``agent_log``: what an agent's log says went wrong in the project.
"""
