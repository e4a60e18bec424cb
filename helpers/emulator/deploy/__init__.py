"""``deploy``: the plan, and making the running runtimes and gateways match ``agentcore.json``."""
