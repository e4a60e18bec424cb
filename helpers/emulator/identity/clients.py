"""An app client as Cognito's public operations find and check it.

The operations a user calls without AWS credentials (``InitiateAuth``, ``SignUp``,
``ForgotPassword``, ``RevokeToken``...) name an app client, not a pool; the client says
which pool, whether a ``SECRET_HASH`` is due, and whether an unknown user may be told
apart from a wrong password.
"""

from __future__ import annotations

from moto.cognitoidp.exceptions import NotAuthorizedError, ResourceNotFoundError
from moto.cognitoidp.models import (
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    cognitoidp_backends,
)
from moto.cognitoidp.utils import check_secret_hash as _matches


def find_client(
    account_id: str, client_id: str
) -> tuple[str, CognitoIdpUserPool, CognitoIdpUserPoolClient]:
    """The region, pool and client of ``client_id``, in whichever region holds it."""
    for region, backend in cognitoidp_backends[account_id].items():
        for pool in backend.user_pools.values():
            if client_id in pool.clients:
                return region, pool, pool.clients[client_id]
    raise ResourceNotFoundError(f"User pool client {client_id} does not exist.")


def check_secret_hash(client: CognitoIdpUserPoolClient, username: str, sent: str | None) -> None:
    """A client with a secret wants ``SECRET_HASH`` (HMAC of username and client id).

    https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html#cognito-user-pools-computing-secret-hash
    """
    if not client.generate_secret:
        return
    if sent is None:
        raise NotAuthorizedError(
            f"Client {client.id} is configured with secret but SECRET_HASH was not received"
        )
    if not _matches(client.secret, client.id, username, sent):
        raise NotAuthorizedError(f"Unable to verify secret hash for client {client.id}")


def hides_unknown_users(client: CognitoIdpUserPoolClient) -> bool:
    """Whether the client's ``PreventUserExistenceErrors`` is ``ENABLED``.

    Then an unknown user gets the answer a wrong password gets, and account recovery
    answers as if a code was sent; ``LEGACY``, the API's default for a new client, says
    ``UserNotFoundException``.
    https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-managing-errors.html
    """
    return client.extended_config.get("PreventUserExistenceErrors") == "ENABLED"
