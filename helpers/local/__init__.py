"""The local stack: every AWS part of the workshop, on loopback, with real protocols.

- ``aws_api``: a moto server for SSM Parameter Store and the Cognito management API,
- ``issuer``: an OIDC issuer shaped like Cognito (discovery, JWKS, ``/oauth2/token``),

run by one background process (``daemon``) that ``stack`` starts, checks and stops,
and that ``agentcore-local up|down|status`` drives from the shell.
"""
