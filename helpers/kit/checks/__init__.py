"""Checkers for the learner's edits and commands: what is done and, precisely, what is missing.

Each checker reads the learner's file the way a reviewer would, on structure rather
than text: the parsed ``agentcore.json`` for steps 1, 2 and 4, the Python AST of
``mcp_client/client.py`` and ``main.py`` for steps 3 and 4. So formatting, comments or a
different variable name never fail a correct edit. Every checker lists every
problem it finds at once, each with its fix, so one run tells the whole story.

- ``config``: the checks of ``agentcore.json`` (steps 1 and 2, step 4's web app client);
- ``code``: the checks of ``main.py`` and the MCP client (steps 3 and 4), which run the
  code too;
- ``common``: what both share with :mod:`helpers.kit.further`: the result a checker
  returns, the project's ``agentcore.json`` read for it, a resource's JWT authorizer.
"""
