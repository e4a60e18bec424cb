"""Creating a prerequisites file's resources in moto, at every stack start.

What :mod:`helpers.emulator.prerequisites.format` reads becomes, through the stack's
boto3 clients, what a prerequisite stack would create on AWS: user pools with their
resource servers, app clients, users and groups, the Lambda functions' ARNs, and the
SSM parameters, their ``${...}`` references filled in from what was created. moto's HASH
id strategies, and its random numbers seeded per stack, keep the ids and the
passwords the same on every start.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from helpers.basics.i18n import _
from helpers.emulator.prerequisites.format import (
    AppClient,
    Prerequisites,
    PrerequisitesError,
    User,
)

_REFERENCE = re.compile(r"\$\{([^}]+)\}")


def create(
    prerequisites: Prerequisites, cognito: Any, ssm: Any, secrets: Any, issuer_url: str
) -> dict[str, str]:
    """Create the user pools, users and SSM parameters; return the outputs parameters use.

    ``cognito``, ``ssm`` and ``secrets`` are boto3 clients of ``cognito-idp``, ``ssm``
    and ``secretsmanager``.
    """
    outputs = {"TokenUrl": f"{issuer_url}/oauth2/token"}
    for pool in prerequisites.user_pools:
        pool_id = cognito.create_user_pool(
            PoolName=pool.name,
            AdminCreateUserConfig={"AllowAdminCreateUserOnly": pool.allow_admin_create_user_only},
            UsernameConfiguration={"CaseSensitive": pool.username_case_sensitive},
        )["UserPool"]["Id"]
        outputs[f"{pool.name}.Id"] = pool_id
        outputs[f"{pool.name}.DiscoveryUrl"] = (
            f"{issuer_url}/{pool_id}/.well-known/openid-configuration"
        )
        for server in pool.resource_servers:
            cognito.create_resource_server(
                UserPoolId=pool_id,
                Identifier=server.identifier,
                Name=server.name,
                Scopes=[
                    {"ScopeName": s.name, "ScopeDescription": s.description} for s in server.scopes
                ],
            )
        for client in pool.app_clients:
            outputs[f"{pool.name}.{client.name}.ClientId"] = _create_client(
                cognito, pool_id, client
            )
        for user in pool.users:
            _create_user(cognito, secrets, pool_id, user)
        for group in pool.groups:
            cognito.create_group(
                UserPoolId=pool_id,
                GroupName=group.name,
                Description=group.description,
                Precedence=group.precedence,
            )
            for member in group.members:
                cognito.admin_add_user_to_group(
                    UserPoolId=pool_id, Username=member, GroupName=group.name
                )
    for function in prerequisites.lambda_functions:
        outputs[f"{function.name}.Arn"] = prerequisites.lambda_arn(function)
    for name, template in prerequisites.ssm_parameters.items():
        value = _substitute(template, outputs, name)
        ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)
    return outputs


def _create_client(cognito: Any, pool_id: str, client: AppClient) -> str:
    oauth = (
        {
            "AllowedOAuthFlows": list(client.oauth_flows),
            "AllowedOAuthScopes": list(client.oauth_scopes),
            "AllowedOAuthFlowsUserPoolClient": True,
        }
        if client.oauth_flows
        else {}
    )
    flows = {"ExplicitAuthFlows": list(client.explicit_auth_flows)}
    response = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=client.name,
        GenerateSecret=client.generate_secret,
        SupportedIdentityProviders=["COGNITO"],
        PreventUserExistenceErrors="ENABLED",
        AccessTokenValidity=client.access_token_minutes,
        IdTokenValidity=client.access_token_minutes,
        TokenValidityUnits={"AccessToken": "minutes", "IdToken": "minutes"},
        **(flows if client.explicit_auth_flows else {}),
        **oauth,
    )
    return str(response["UserPoolClient"]["ClientId"])


def _create_user(cognito: Any, secrets: Any, pool_id: str, user: User) -> None:
    """The user, confirmed with a generated password that only its secret holds."""
    password = secrets.get_random_password(PasswordLength=24)["RandomPassword"]
    secrets.create_secret(
        Name=user.password_secret,
        SecretString=json.dumps({"username": user.username, "password": password}),
    )
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=user.username,
        UserAttributes=[
            {"Name": "email", "Value": user.email},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username=user.username, Password=password, Permanent=True
    )


def _substitute(template: str, outputs: Mapping[str, str], parameter: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in outputs:
            raise PrerequisitesError(
                _(
                    "SSM parameter {parameter} refers to ${{{name}}}, which nothing creates. "
                    "Known outputs: {known}.",
                    parameter=parameter,
                    name=name,
                    known=", ".join(sorted(outputs)),
                )
            )
        return outputs[name]

    return _REFERENCE.sub(value, template)
