"""Inbound auth: the CUSTOM_JWT authorizer in front of the Runtime and every Gateway.

``authorizer`` checks a bearer token as AgentCore does (``allowedClients``,
``allowedAudience``, ``allowedScopes``, ``customClaims``) against the signing keys
``keys`` fetches from the issuer's discovery document and JWKS and keeps; ``refusals``
shapes the answer to a refused request as AgentCore's.
"""
