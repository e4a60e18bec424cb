"""What every part of the local stack stands on; it imports none of the parts.

- ``state``: where a stack keeps its files, and what a running stack tells its clients;
- ``ports``, ``serving``, ``tls``: loopback ports kept across restarts, uvicorn servers
  with their bounds, and the CA every local endpoint's certificate comes from;
- ``credentials`` and ``guard``: the stack's own secrets, and the lock on its own doors;
- ``log_files``: logs that roll over;
- ``model_choice``: which model answers ``Converse``, as ``up`` was told.
"""
