"""The authorizer as the CLI states it (auth.ts), shared by runtimes and gateways.

A runtime and a gateway take the same CUSTOM_JWT configuration (discovery URL, allowed
audiences, clients and scopes, custom claims); they differ in which authorizer types they
accept and in the CLI's words when the configuration is missing. Those words are here too,
with the kit's fix, because the runtime's, the gateway's and the workshop's own checks
(:mod:`helpers.model.validation`) use them.
"""

from __future__ import annotations

from typing import Any

from helpers.basics.i18n import N_
from helpers.model.names import WELL_KNOWN_SUFFIX
from helpers.model.project_types import GatewayAuthorizerType, RuntimeAuthorizerType
from helpers.model.schema import (
    Choice,
    Fields,
    ListOf,
    NotChecked,
    Text,
    at_least,
    at_most,
    holds,
    is_url,
    matches,
    optional,
)
from helpers.model.schemas.common import UNSUPPORTED_FIX, non_empty

AUTH_CONFIG_REQUIRED = (
    "authorizerConfiguration with customJwtAuthorizer is required when authorizerType is CUSTOM_JWT"
)
AUTH_CONFIG_NOT_ALLOWED = (
    "authorizerConfiguration is only allowed when authorizerType is CUSTOM_JWT"
)
GATEWAY_JWT_REQUIRED = (
    "customJwtAuthorizer configuration is required when authorizerType is CUSTOM_JWT"
)
AT_LEAST_ONE = (
    "At least one of allowedAudience, allowedClients, allowedScopes, or customClaims "
    "must be provided"
)

GATEWAY_AUTHORIZER_TYPES: tuple[GatewayAuthorizerType, ...] = ("NONE", "AWS_IAM", "CUSTOM_JWT")
RUNTIME_AUTHORIZER_TYPES: tuple[RuntimeAuthorizerType, ...] = ("AWS_IAM", "CUSTOM_JWT")

ADD_JWT_CONFIG = N_(
    'Add "authorizerConfiguration": {"customJwtAuthorizer": {"discoveryUrl": ..., '
    '"allowedClients": [...]}} with the Cognito discovery URL and app client id.'
)

CLAIM_MATCH_VALUE = Fields(
    {
        "matchValueString": optional(
            Text(
                at_least(1),
                at_most(255),
                matches(r"[A-Za-z0-9_.-]+", "Match value must match [A-Za-z0-9_.-]+"),
            )
        ),
        "matchValueStringList": optional(
            ListOf(
                Text(
                    at_least(1),
                    at_most(255),
                    matches(r"[A-Za-z0-9_.-]+", "Each match value must match [A-Za-z0-9_.-]+"),
                ),
                at_least(1, kind="array"),
                at_most(255, kind="array"),
            )
        ),
    },
    holds(
        lambda value: "matchValueString" in value or "matchValueStringList" in value,
        "Either matchValueString or matchValueStringList must be provided",
        fix=N_(
            'Give exactly one of "matchValueString": "..." (EQUALS, CONTAINS) or '
            '"matchValueStringList": ["..."] (CONTAINS_ANY).'
        ),
    ),
    holds(
        lambda value: not ("matchValueString" in value and "matchValueStringList" in value),
        "Only one of matchValueString or matchValueStringList may be provided",
        fix=N_(
            'Keep "matchValueString" for EQUALS and CONTAINS, or "matchValueStringList" for '
            "CONTAINS_ANY, not both."
        ),
    ),
    strict=False,
)
CUSTOM_CLAIM = Fields(
    {
        "inboundTokenClaimName": Text(
            at_least(1),
            at_most(255),
            matches(r"[A-Za-z0-9_.:-]+", "Claim name must match [A-Za-z0-9_.-:]+"),
            holds(
                lambda name: name != "client_id",
                "Claim name cannot be a reserved name (client_id)",
                fix=N_("Match the client id with allowedClients instead of a custom claim."),
            ),
        ),
        "inboundTokenClaimValueType": Choice("STRING", "STRING_ARRAY"),
        "authorizingClaimMatchValue": Fields(
            {
                "claimMatchOperator": Choice("EQUALS", "CONTAINS", "CONTAINS_ANY"),
                "claimMatchValue": CLAIM_MATCH_VALUE,
            },
            strict=False,
        ),
    },
    strict=True,
)


def _some_list(jwt: dict[str, Any]) -> bool:
    return any(
        jwt.get(key)
        for key in ("allowedAudience", "allowedClients", "allowedScopes", "customClaims")
    )


CUSTOM_JWT = Fields(
    {
        "discoveryUrl": Text(
            is_url("Must be a valid URL"),
            holds(
                lambda url: url.startswith("https://"),
                "OIDC discovery URL must use HTTPS",
                fix=N_(
                    "Start the URL with https://: the discovery document names the token "
                    "signing keys, so it must not travel over plain HTTP."
                ),
            ),
            holds(
                lambda url: url.endswith(WELL_KNOWN_SUFFIX),
                f"OIDC discovery URL must end with '{WELL_KNOWN_SUFFIX}'",
                # The suffix is spelt out: a translator sees the whole sentence.
                fix=N_(
                    "Append /.well-known/openid-configuration to the issuer URL (the discovery "
                    "URL, not the issuer or the JWKS URL, goes here)."
                ),
            ),
        ),
        "allowedAudience": optional(ListOf(non_empty())),
        "allowedClients": optional(ListOf(non_empty())),
        "allowedScopes": optional(
            ListOf(
                Text(
                    at_least(1),
                    at_most(255),
                    matches(
                        r"[\x21\x23-\x5B\x5D-\x7E]+",
                        "Scope must be printable ASCII with no spaces or quotes",
                        fix=N_(
                            'Give each scope as its own entry, like ["customersupport/invoke"], '
                            "without spaces or quotes."
                        ),
                    ),
                )
            )
        ),
        "customClaims": optional(ListOf(CUSTOM_CLAIM, at_least(1, kind="array"))),
        "privateEndpoint": optional(NotChecked(N_("Private endpoints"), UNSUPPORTED_FIX)),
        "privateEndpointOverrides": optional(NotChecked(N_("Private endpoints"), UNSUPPORTED_FIX)),
    },
    holds(
        _some_list,
        AT_LEAST_ONE,
        fix=N_(
            'Add the Cognito app client id to allowedClients, like "allowedClients": '
            '["<client id>"].'
        ),
    ),
    strict=True,
)
AUTHORIZER_CONFIG = Fields({"customJwtAuthorizer": optional(CUSTOM_JWT)}, strict=False)
