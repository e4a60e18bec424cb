"""``prerequisites``: what must exist in the account before a project is deployed.

- ``format``: the prerequisites file (``agent/prerequisites.json`` for this workshop),
  read and checked into frozen dataclasses;
- ``seeding``: creating what it asks for in moto at every stack start (user pools, app
  clients, users, groups, Lambda ARNs, SSM parameters).
"""
