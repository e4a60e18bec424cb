"""Read app clients from the Cognito management API, as the token endpoint needs them.

The local issuer does not keep its own list of clients: it asks the Cognito API
(moto, through boto3) on every token request, so a change made with
``update-user-pool-client`` takes effect at once, exactly as on AWS.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
_DEFAULT_ACCESS_TOKEN_SECONDS = 3600


@dataclass(frozen=True)
class AppClient:
    """The parts of a user-pool app client that decide whether a token is issued."""

    pool_id: str
    client_id: str
    secret: str | None
    oauth_flows_enabled: bool
    allowed_flows: tuple[str, ...]
    allowed_scopes: tuple[str, ...]
    access_token_seconds: int


def app_client_from_description(description: dict[str, Any]) -> AppClient:
    """Build an :class:`AppClient` from ``describe_user_pool_client()['UserPoolClient']``."""
    validity = description.get("AccessTokenValidity")
    unit = description.get("TokenValidityUnits", {}).get("AccessToken", "hours")
    seconds = validity * _UNIT_SECONDS[unit] if validity else _DEFAULT_ACCESS_TOKEN_SECONDS
    return AppClient(
        pool_id=description["UserPoolId"],
        client_id=description["ClientId"],
        secret=description.get("ClientSecret"),
        oauth_flows_enabled=bool(description.get("AllowedOAuthFlowsUserPoolClient")),
        allowed_flows=tuple(description.get("AllowedOAuthFlows", [])),
        allowed_scopes=tuple(description.get("AllowedOAuthScopes", [])),
        access_token_seconds=seconds,
    )


class CognitoDirectory:
    """Find app clients and pools through a boto3 ``cognito-idp`` client."""

    def __init__(self, cognito: Any) -> None:
        self._cognito = cognito
        # Which pool a client id lives in never changes, so it is safe to remember.
        self._pool_of_client: dict[str, str] = {}
        self._lock = threading.Lock()

    def pool_exists(self, pool_id: str) -> bool:
        try:
            self._cognito.describe_user_pool(UserPoolId=pool_id)
        except ClientError:
            return False
        return True

    def find_client(self, client_id: str) -> AppClient | None:
        """The app client with this id in any pool, or None when there is none."""
        with self._lock:
            known_pool = self._pool_of_client.get(client_id)
        pools = [known_pool] if known_pool else self._pool_ids()
        for pool_id in pools:
            try:
                response = self._cognito.describe_user_pool_client(
                    UserPoolId=pool_id, ClientId=client_id
                )
            except ClientError:
                continue
            with self._lock:
                self._pool_of_client[client_id] = pool_id
            return app_client_from_description(response["UserPoolClient"])
        return None

    def _pool_ids(self) -> list[str]:
        paginator = self._cognito.get_paginator("list_user_pools")
        return [
            pool["Id"]
            for page in paginator.paginate(MaxResults=60)
            for pool in page.get("UserPools", [])
        ]
