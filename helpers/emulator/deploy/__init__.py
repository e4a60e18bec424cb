"""``deploy``: the plan, and making the running runtimes and gateways match ``agentcore.json``.

- ``plan``: what must change, and the refusals decided before anything is deployed;
- ``packaging``: what a deploy takes of a runtime's code, and what changed since;
- ``deployer``: applies the plan (starts and stops runtimes, gateways and memories);
- ``memories``: the project's memories, made with the control-plane API;
- ``records``: what is recorded on disk (``deployed.json``, the project's deployed state);
- ``report``: what a deploy tells its clients (the plan's items, what is deployed);
- ``published`` and ``control_api``: the runtimes as ``GetAgentRuntime`` answers them.
"""
