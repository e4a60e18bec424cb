"""Inbound auth: the CUSTOM_JWT authorizer in front of the Runtime and every Gateway.

``authorizer`` checks a bearer token as AgentCore does (discovery, JWKS, ``allowedClients``,
``allowedAudience``, ``allowedScopes``, ``customClaims``); ``refusals`` shapes the answer
to a refused request as AgentCore's.
"""
