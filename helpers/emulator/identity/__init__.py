"""Cognito's token side: the OIDC issuer, its RSA signing keys, and the app clients it serves."""
