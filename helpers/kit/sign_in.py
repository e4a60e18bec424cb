"""People signing in: Cognito ``USER_PASSWORD_AUTH`` at the web app client, and refreshing.

A web app asks Cognito for a user's tokens with ``InitiateAuth``: an **access token**
(what an API such as the Runtime accepts; it names the user in ``username`` and the app
in ``client_id``), an **ID token** (for the app itself: who signed in, with ``aud``
instead of ``client_id``) and a **refresh token** (to get new ones without the
password, with ``REFRESH_TOKEN_AUTH``). ``InitiateAuth`` is one of Cognito's public
operations: it is not signed with AWS credentials, the password is the proof.

The workshop's users' passwords are in AWS Secrets Manager, where the prerequisite stack
generated them (``/app/customersupport/agentcore/users/<name>``, ``{"username",
"password"}``): read when signing in, never printed, never kept. Every token here shows
only its redacted form, the refresh token not even that.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError

from helpers.basics.i18n import _
from helpers.kit.errors import SignInError
from helpers.kit.settings import PARAMETER_PREFIX, WorkshopSettings
from helpers.kit.tokens import REFRESH_MARGIN_SECONDS, AccessToken, IdToken

USER_SECRET_PREFIX = PARAMETER_PREFIX + "users/"
WORKSHOP_USERS = ("alice", "bob")


@dataclass(frozen=True)
class UserTokens:
    """What a user's sign-in returned. ``refresh_token`` is a secret: never shown."""

    username: str
    client_id: str
    access: AccessToken
    id_token: IdToken
    refresh_token: str = field(repr=False)

    def __repr__(self) -> str:
        return _(
            "UserTokens({username}: access {access}, id {id}, refresh token (hidden))",
            username=self.username,
            access=self.access.redacted,
            id=self.id_token.redacted,
        )

    __str__ = __repr__


def user_secret(username: str) -> str:
    """The Secrets Manager secret that holds ``username``'s password."""
    return USER_SECRET_PREFIX + username


def _password(username: str, secrets: Any) -> str:
    try:
        secret = secrets.get_secret_value(SecretId=user_secret(username))["SecretString"]
    except ClientError as error:
        raise SignInError(
            _(
                "Secrets Manager has no readable secret {secret} ({code}). On the local stack "
                "the workshop's users are {users}; on AWS the prerequisite stack must create "
                "each user's secret (see the README).",
                secret=user_secret(username),
                code=error.response["Error"]["Code"],
                users=", ".join(WORKSHOP_USERS),
            )
        ) from None
    return str(json.loads(secret)["password"])


def _web_client(settings: WorkshopSettings) -> str:
    if not settings.web_client_id:
        raise SignInError(
            _(
                "Parameter Store has no {parameter}, the app client people sign in at. On the "
                "local stack run `agentcore-local down` and `up` again (the prerequisites "
                "create it); on AWS the prerequisite stack must create the web client (no "
                "secret, ALLOW_USER_PASSWORD_AUTH) and that parameter.",
                parameter=PARAMETER_PREFIX + "web_client_id",
            )
        )
    return settings.web_client_id


def _initiate(cognito: Any, client_id: str, flow: str, parameters: dict[str, str]) -> Any:
    requested_at = time.time()
    try:
        result = cognito.initiate_auth(
            ClientId=client_id, AuthFlow=flow, AuthParameters=parameters
        )["AuthenticationResult"]
    except ClientError as error:
        code, message = error.response["Error"]["Code"], error.response["Error"]["Message"]
        # Cognito's own words (code and message) are quoted as it says them.
        raise SignInError(
            _(
                "Cognito refused {flow} at client {client_id}: {code}: {message}. Fix: check "
                "that the user exists with a permanent password and that the web client "
                "allows ALLOW_USER_PASSWORD_AUTH and ALLOW_REFRESH_TOKEN_AUTH.",
                flow=flow,
                client_id=client_id,
                code=code,
                message=message,
            )
        ) from None
    expires_at = requested_at + int(result["ExpiresIn"])
    return result, expires_at


def sign_in(
    settings: WorkshopSettings,
    username: str,
    *,
    cognito: Any | None = None,
    secrets: Any | None = None,
) -> UserTokens:
    """``username`` signs in at the web client with the password from its secret."""
    client_id = _web_client(settings)
    password = _password(username, secrets or boto3.client("secretsmanager"))
    result, expires_at = _initiate(
        cognito or boto3.client("cognito-idp"),
        client_id,
        "USER_PASSWORD_AUTH",
        {"USERNAME": username, "PASSWORD": password},
    )
    return UserTokens(
        username=username,
        client_id=client_id,
        access=AccessToken(result["AccessToken"], expires_at),
        id_token=IdToken(result["IdToken"], expires_at),
        refresh_token=result["RefreshToken"],
    )


def refresh(tokens: UserTokens, *, cognito: Any | None = None) -> UserTokens:
    """New access and ID tokens for the same sign-in (``REFRESH_TOKEN_AUTH``), no password."""
    result, expires_at = _initiate(
        cognito or boto3.client("cognito-idp"),
        tokens.client_id,
        "REFRESH_TOKEN_AUTH",
        {"REFRESH_TOKEN": tokens.refresh_token},
    )
    return UserTokens(
        username=tokens.username,
        client_id=tokens.client_id,
        access=AccessToken(result["AccessToken"], expires_at),
        id_token=IdToken(result["IdToken"], expires_at),
        refresh_token=tokens.refresh_token,
    )


class UserTokenSource:
    """A signed-in user's current access token, as a web app keeps it for its user.

    Called with ``True``, or when the token is within :data:`REFRESH_MARGIN_SECONDS` of
    its end, it first gets new tokens with the refresh token (no password). It is what
    the token panel and the traffic helpers take, the same as the machine's token cache.
    """

    def __init__(self, tokens: UserTokens, *, cognito: Any | None = None) -> None:
        self.tokens = tokens
        self._cognito = cognito
        self._lock = threading.Lock()

    def __call__(self, force_refresh: bool = False) -> AccessToken:
        with self._lock:
            stale = self.tokens.access.seconds_left() <= REFRESH_MARGIN_SECONDS
            if force_refresh or stale:
                self.tokens = refresh(self.tokens, cognito=self._cognito)
            return self.tokens.access

    def __repr__(self) -> str:
        return f"UserTokenSource({self.tokens})"
