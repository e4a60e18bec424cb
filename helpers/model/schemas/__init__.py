"""The CLI's schemas: the rules of the real CLI's files, as ``agentcore`` 0.30.0 states them.

``agentcore validate`` checks three files of a project, in this order, and stops at the
first that fails: ``agentcore/agentcore.json`` (``PROJECT``, :mod:`.project`),
``agentcore/aws-targets.json`` (``AWS_TARGETS``, :mod:`.aws_targets`) and, once a deploy
wrote it, ``agentcore/.cli/deployed-state.json`` (``deployed_state``, :mod:`.deployed`).
The schemas restate the CLI's, built from :mod:`helpers.model.schema` so that a problem is
found where the CLI finds it and worded as the CLI words it.

The part of the project a workshop touches is modelled in full: the project's own keys
and tags, runtimes, memories, gateways and their targets, authorizers. The resource kinds
it does not use (credentials, evaluators, harnesses, ...) are refused by a workshop
check (:class:`~helpers.model.schema.NotChecked`) rather than waved through unchecked,
so the kit never calls valid a file the CLI would refuse.

One module per resource, each imported from its own module (this package re-exports
nothing):

- ``common``: what several share (the fix under what the kit does not model, name
  helpers, tags);
- ``authorizer``: the CUSTOM_JWT authorizer's configuration and custom claims, which
  runtimes and gateways share, and the CLI's words about it;
- ``runtime``, ``memory``: an agent runtime, a memory;
- ``gateway``: a gateway and its targets, and a Lambda target's tool schema file;
- ``project``: ``agentcore.json`` as a whole, composing the others;
- ``aws_targets``: ``aws-targets.json`` (and the regions the CLI knows);
- ``deployed``: ``.cli/deployed-state.json``, checked against the targets' names.
"""
