"""Seed the Cognito and SSM emulator like the workshop's prerequisite stack.

One user pool with a resource server and its scope; the workshop's machine-to-machine
app client (secret, client_credentials); a second client from another team, allowed
the same flow and scope, so the notebooks can show a valid token being refused by
``allowedClients``; and the SSM parameters the notebooks read.

moto runs with the HASH id strategies, so pool and client ids stay the same across
stack restarts and a learner's edited ``agentcore.json`` keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from helpers.settings import PARAMETER_PREFIX, WorkshopSettings

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
USER_POOL_NAME = "CustomerSupportUserPool"
RESOURCE_SERVER_ID = "customersupport-agentcore"
SCOPE_NAME = "invoke"
WORKSHOP_CLIENT_NAME = "CustomerSupportM2MClient"
OTHER_CLIENT_NAME = "PartnerTeamM2MClient"
WARRANTY_LAMBDA_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:warranty-check"
ACCESS_TOKEN_MINUTES = 60


@dataclass(frozen=True)
class SeededIdentity:
    """What seeding created, for the stack's status file."""

    pool_id: str
    client_id: str
    other_client_id: str
    scope: str


def _create_client(cognito: Any, pool_id: str, name: str, scope: str) -> str:
    response = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=name,
        GenerateSecret=True,
        AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthScopes=[scope],
        AllowedOAuthFlowsUserPoolClient=True,
        SupportedIdentityProviders=["COGNITO"],
        AccessTokenValidity=ACCESS_TOKEN_MINUTES,
        TokenValidityUnits={"AccessToken": "minutes"},
    )
    return response["UserPoolClient"]["ClientId"]


def seed(cognito: Any, ssm: Any, issuer_base_url: str) -> SeededIdentity:
    """Create the identity resources and the SSM parameters pointing at the local issuer."""
    pool_id = cognito.create_user_pool(PoolName=USER_POOL_NAME)["UserPool"]["Id"]
    cognito.create_resource_server(
        UserPoolId=pool_id,
        Identifier=RESOURCE_SERVER_ID,
        Name="CustomerSupport AgentCore",
        Scopes=[{"ScopeName": SCOPE_NAME, "ScopeDescription": "Invoke the support agent"}],
    )
    scope = f"{RESOURCE_SERVER_ID}/{SCOPE_NAME}"
    client_id = _create_client(cognito, pool_id, WORKSHOP_CLIENT_NAME, scope)
    other_client_id = _create_client(cognito, pool_id, OTHER_CLIENT_NAME, scope)
    settings = WorkshopSettings(
        cognito_discovery_url=f"{issuer_base_url}/{pool_id}/.well-known/openid-configuration",
        client_id=client_id,
        pool_id=pool_id,
        cognito_token_url=f"{issuer_base_url}/oauth2/token",
        cognito_auth_scope=scope,
        warranty_check_lambda_arn=WARRANTY_LAMBDA_ARN,
    )
    for name, value in vars(settings).items():
        ssm.put_parameter(Name=PARAMETER_PREFIX + name, Value=value, Type="String", Overwrite=True)
    return SeededIdentity(pool_id, client_id, other_client_id, scope)
