"""People signing in on the local stack: Cognito's InitiateAuth, its tokens, refresh and refusals.

Through the stack's SigV4-guarded AWS API, with boto3 and the ``aws`` CLI, as on AWS:
``InitiateAuth`` is a public Cognito operation (sent unsigned), its tokens carry
Cognito's claims and verify against the stack issuer's JWKS, which every authorizer of
the stack trusts; refresh keeps the sign-in's identity; and everything a real user pool
refuses is refused, with Cognito's words.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import boto3
import botocore
import jwt
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.utilities.utils import load_resource

from helpers.emulator import stack
from helpers.emulator.core.state import StackLayout, StackState
from helpers.emulator.identity.keys import SigningKeyStore
from helpers.emulator.inbound.authorizer import JwtAuthorizer, JwtAuthorizerConfig, Unauthorized
from helpers.kit.errors import SignInError
from helpers.kit.settings import WorkshopSettings
from helpers.kit.sign_in import UserTokens, UserTokenSource, refresh, sign_in, user_secret
from helpers.kit.tokens import AccessToken, tampered
from helpers.model.project_types import CustomJwtAuthorizer
from tests.support import REPO_ROOT, new_user

pytestmark = pytest.mark.stack

ACCESS_CLAIMS = {
    "sub",
    "iss",
    "client_id",
    "origin_jti",
    "event_id",
    "token_use",
    "scope",
    "auth_time",
    "exp",
    "iat",
    "jti",
    "username",
}
ID_CLAIMS = {
    "sub",
    "iss",
    "aud",
    "origin_jti",
    "event_id",
    "token_use",
    "auth_time",
    "exp",
    "iat",
    "jti",
    "cognito:username",
    "email",
    "email_verified",
}


@pytest.fixture(scope="module")
def alice(settings: WorkshopSettings) -> UserTokens:
    return sign_in(settings, "alice")


def _verified(token: str, settings: WorkshopSettings) -> dict[str, Any]:
    """The claims, checked as an authorizer checks them: the issuer's JWKS, its issuer."""
    discovery = requests.get(settings.cognito_discovery_url, timeout=5).json()
    key = jwt.PyJWKClient(discovery["jwks_uri"]).get_signing_key_from_jwt(token)
    return jwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        issuer=discovery["issuer"],
        options={"verify_aud": False},
    )


def _authorizer(settings: WorkshopSettings, clients: list[str]) -> JwtAuthorizer:
    config: CustomJwtAuthorizer = {
        "discoveryUrl": settings.cognito_discovery_url,
        "allowedClients": clients,
    }
    return JwtAuthorizer(JwtAuthorizerConfig.from_agentcore(config))


def _refused(call: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as refusal:
        call()
    error = refusal.value.response["Error"]
    return error["Code"], error["Message"]


def test_a_user_gets_cognitos_access_id_and_refresh_tokens_signed_by_the_stack(
    settings: WorkshopSettings, alice: UserTokens
) -> None:
    access = _verified(alice.access.value, settings)
    identity = _verified(alice.id_token.value, settings)
    # alice is in the prerequisites' one group; both tokens say so, as Cognito's do.
    assert set(access) == ACCESS_CLAIMS | {"cognito:groups"}
    assert set(identity) == ID_CLAIMS | {"cognito:groups"}
    assert access["cognito:groups"] == identity["cognito:groups"] == ["support-staff"]
    assert access["token_use"] == "access" and identity["token_use"] == "id"
    assert access["username"] == identity["cognito:username"] == "alice"
    assert access["client_id"] == identity["aud"] == settings.web_client_id
    assert access["scope"] == "aws.cognito.signin.user.admin"
    assert access["sub"] == identity["sub"] != "alice"  # the user's id, not the user name
    assert identity["email"] == "alice@example.com" and identity["email_verified"] is True
    for shared in ("origin_jti", "event_id", "auth_time", "iss"):
        assert access[shared] == identity[shared], shared
    assert access["exp"] - access["iat"] == 3600
    assert access["iss"].endswith("/" + settings.pool_id)
    # Opaque to the client, like Cognito's (a JWE), and not a JWT anyone could read.
    assert alice.refresh_token.count(".") == 4
    with pytest.raises(jwt.DecodeError):
        jwt.decode(alice.refresh_token, options={"verify_signature": False})


def test_a_user_in_no_group_has_no_groups_claim_and_a_refresh_sees_a_new_group(
    settings: WorkshopSettings,
) -> None:
    """Cognito leaves ``cognito:groups`` out for a user in none, and mints each token
    (a refresh's too) with the groups the user is in at that moment."""
    bob = sign_in(settings, "bob")
    assert "cognito:groups" not in _verified(bob.access.value, settings)
    cognito = boto3.client("cognito-idp")
    cognito.create_group(UserPoolId=settings.pool_id, GroupName="night-shift", Precedence=0)
    try:
        cognito.admin_add_user_to_group(
            UserPoolId=settings.pool_id, Username="bob", GroupName="night-shift"
        )
        refreshed = refresh(bob)
        assert _verified(refreshed.access.value, settings)["cognito:groups"] == ["night-shift"]
    finally:
        cognito.delete_group(UserPoolId=settings.pool_id, GroupName="night-shift")


def test_the_stacks_authorizers_take_a_users_access_token_and_refuse_the_id_token(
    settings: WorkshopSettings, alice: UserTokens
) -> None:
    web_allowed = _authorizer(settings, [settings.client_id, str(settings.web_client_id)])
    assert web_allowed.authorize(f"Bearer {alice.access.value}")["username"] == "alice"
    with pytest.raises(Unauthorized, match="no client_id"):
        web_allowed.authorize(f"Bearer {alice.id_token.value}")
    with pytest.raises(Unauthorized, match="not in allowedClients"):
        _authorizer(settings, [settings.client_id]).authorize(f"Bearer {alice.access.value}")
    with pytest.raises(Unauthorized, match="signature"):
        web_allowed.authorize(f"Bearer {tampered(alice.access).value}")


def test_a_token_signed_by_motos_own_key_or_for_another_issuer_is_refused(
    settings: WorkshopSettings, alice: UserTokens, workshop_home: Path, local_stack: StackState
) -> None:
    """moto's key ships with moto (its private half is public): nothing may trust it."""
    claims = jwt.decode(alice.access.value, options={"verify_signature": False})
    motos_key = jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json"))
    with_motos_key = jwt.encode(claims, motos_key.key, "RS256", headers={"kid": "dummy"})
    web_allowed = _authorizer(settings, [str(settings.web_client_id)])
    with pytest.raises(Unauthorized, match="unknown signing key"):
        web_allowed.authorize(f"Bearer {with_motos_key}")
    # Signed with the stack's own key, but naming Cognito's issuer, as moto's tokens do.
    key = SigningKeyStore(StackLayout(workshop_home).signing_keys_file).active
    cognitos = f"https://cognito-idp.{local_stack.region}.amazonaws.com/{settings.pool_id}"
    elsewhere = jwt.encode(
        {**claims, "iss": cognitos}, key.private_key, "RS256", headers={"kid": key.kid}
    )
    with pytest.raises(Unauthorized, match="issuer"):
        web_allowed.authorize(f"Bearer {elsewhere}")


def test_an_expired_user_token_is_refused(settings: WorkshopSettings, alice: UserTokens) -> None:
    clock = [time.time()]
    assert settings.web_client_id is not None  # the workshop's stack has a web client
    config: CustomJwtAuthorizer = {
        "discoveryUrl": settings.cognito_discovery_url,
        "allowedClients": [settings.web_client_id],
    }
    authorizer = JwtAuthorizer(
        JwtAuthorizerConfig.from_agentcore(config), wall_clock=lambda: clock[0]
    )
    assert authorizer.authorize(f"Bearer {alice.access.value}")
    clock[0] = alice.access.expires_at + 60
    with pytest.raises(Unauthorized, match="expired"):
        authorizer.authorize(f"Bearer {alice.access.value}")


def test_refresh_gives_new_tokens_of_the_same_sign_in(
    settings: WorkshopSettings, alice: UserTokens
) -> None:
    renewed = refresh(alice)
    before = _verified(alice.access.value, settings)
    after = _verified(renewed.access.value, settings)
    assert after["jti"] != before["jti"]
    for kept in ("sub", "username", "client_id", "auth_time", "origin_jti", "event_id"):
        assert after[kept] == before[kept], kept
    assert _verified(renewed.id_token.value, settings)["origin_jti"] == before["origin_jti"]
    assert renewed.refresh_token == alice.refresh_token  # Cognito keeps the refresh token


def test_a_users_token_source_refreshes_on_request_and_near_the_end_never_with_the_password(
    settings: WorkshopSettings, alice: UserTokens
) -> None:
    """What the token panel and the traffic helpers hold for a signed-in user."""
    source = UserTokenSource(alice)
    assert source(False) is alice.access  # fresh enough: kept
    forced = source(True)
    assert forced.value != alice.access.value
    same_user = _verified(alice.access.value, settings)["sub"]
    assert _verified(forced.value, settings)["sub"] == same_user
    assert source(False) is forced
    # A token in its last minutes is renewed before it is handed out.
    ending = dataclasses.replace(alice, access=AccessToken(alice.access.value, time.time() + 60))
    renewed = UserTokenSource(ending)(False)
    assert renewed.value != alice.access.value and renewed.seconds_left() > 3000
    assert "refresh token (hidden)" in repr(source) and alice.refresh_token not in repr(source)


def test_a_refresh_token_works_only_at_its_client_and_until_it_is_revoked(
    settings: WorkshopSettings,
) -> None:
    cognito = boto3.client("cognito-idp")
    guest = new_user(settings)
    assert refresh(guest).access.claims()["username"] == guest.username
    # At another app client (here the machine client): not this client's token.
    code, message = _refused(
        lambda: cognito.initiate_auth(
            ClientId=settings.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": guest.refresh_token},
        )
    )
    assert code in ("InvalidParameterException", "NotAuthorizedException"), message
    code, message = _refused(
        lambda: cognito.initiate_auth(
            ClientId=str(settings.web_client_id),
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": guest.refresh_token[:-4] + "AAAA"},
        )
    )
    assert (code, message) == ("NotAuthorizedException", "Invalid Refresh Token")
    cognito.admin_user_global_sign_out(UserPoolId=settings.pool_id, Username=guest.username)
    with pytest.raises(SignInError, match="revoked"):
        refresh(guest)


def test_wrong_password_and_unknown_user_get_the_same_answer(settings: WorkshopSettings) -> None:
    cognito = boto3.client("cognito-idp")

    def attempt(username: str) -> tuple[str, str]:
        return _refused(
            lambda: cognito.initiate_auth(
                ClientId=str(settings.web_client_id),
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": "Not-the-password-1"},
            )
        )

    expected = ("NotAuthorizedException", "Incorrect username or password.")
    assert attempt("alice") == expected
    assert attempt("nobody-at-all") == expected


def test_a_client_that_allows_user_existence_errors_tells_an_unknown_user(
    settings: WorkshopSettings,
) -> None:
    """``PreventUserExistenceErrors`` is ``LEGACY`` for a client made without it, as on
    AWS; the workshop's web client (above) has it ``ENABLED``."""
    cognito = boto3.client("cognito-idp")
    client_id = cognito.create_user_pool_client(
        UserPoolId=settings.pool_id,
        ClientName=f"legacy-{time.time_ns()}",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
    )["UserPoolClient"]["ClientId"]

    def attempt(username: str) -> tuple[str, str]:
        return _refused(
            lambda: cognito.initiate_auth(
                ClientId=client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": "Not-the-password-1"},
            )
        )

    assert attempt("nobody-at-all") == ("UserNotFoundException", "User does not exist.")
    assert attempt(new_user(settings).username) == (
        "NotAuthorizedException",
        "Incorrect username or password.",
    )


def test_the_machine_client_does_not_allow_password_sign_in(
    settings: WorkshopSettings,
) -> None:
    password = json.loads(
        boto3.client("secretsmanager").get_secret_value(SecretId=user_secret("alice"))[
            "SecretString"
        ]
    )["password"]
    code, message = _refused(
        lambda: boto3.client("cognito-idp").initiate_auth(
            ClientId=settings.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "alice", "PASSWORD": password},
        )
    )
    assert (code, message) == (
        "InvalidParameterException",
        "USER_PASSWORD_AUTH flow not enabled for this client",
    )


def test_a_client_with_a_secret_wants_the_secret_hash(settings: WorkshopSettings) -> None:
    cognito = boto3.client("cognito-idp")
    client = cognito.create_user_pool_client(
        UserPoolId=settings.pool_id,
        ClientName=f"confidential-{time.time_ns()}",
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    guest = new_user(settings)
    password = json.loads(
        boto3.client("secretsmanager").get_secret_value(SecretId=user_secret(guest.username))[
            "SecretString"
        ]
    )["password"]
    parameters = {"USERNAME": guest.username, "PASSWORD": password}

    def attempt(**extra: str) -> Any:
        return cognito.initiate_auth(
            ClientId=client["ClientId"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={**parameters, **extra},
        )

    code, message = _refused(attempt)
    assert code == "NotAuthorizedException" and "SECRET_HASH was not received" in message
    assert _refused(lambda: attempt(SECRET_HASH="d3Jvbmc="))[1].startswith("Unable to verify")
    digest = hmac.new(
        client["ClientSecret"].encode(),
        (guest.username + client["ClientId"]).encode(),
        hashlib.sha256,
    ).digest()
    signed_in = attempt(SECRET_HASH=base64.b64encode(digest).decode())
    assert signed_in["AuthenticationResult"]["AccessToken"]


def test_sign_in_is_public_but_everything_else_of_cognito_wants_a_signature(
    settings: WorkshopSettings, alice: UserTokens
) -> None:
    """As on AWS: InitiateAuth and GetUser take no AWS credentials; admin calls do."""
    unsigned = boto3.client("cognito-idp", config=Config(signature_version=botocore.UNSIGNED))
    assert unsigned.get_user(AccessToken=alice.access.value)["Username"] == "alice"
    code, _ = _refused(
        lambda: unsigned.admin_get_user(UserPoolId=settings.pool_id, Username="alice")
    )
    assert code == "MissingAuthenticationTokenException"


def test_the_aws_cli_signs_in_through_the_local_aws_api(
    settings: WorkshopSettings, workshop_home: Path, tmp_path: Path
) -> None:
    """What a terminal runs: the password in an owner-only file, never on a command line
    (another user of the machine can read every process's arguments)."""
    request = {
        "ClientId": settings.web_client_id,
        "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {
            "USERNAME": "alice",
            "PASSWORD": json.loads(
                boto3.client("secretsmanager").get_secret_value(SecretId=user_secret("alice"))[
                    "SecretString"
                ]
            )["password"],
        },
    }
    request_file = tmp_path / "sign-in.json"
    request_file.touch(mode=0o600)
    request_file.write_text(json.dumps(request))
    answered = subprocess.run(
        [
            str(REPO_ROOT / ".venv" / "bin" / "aws"),
            "cognito-idp",
            "initiate-auth",
            "--cli-input-json",
            f"file://{request_file}",
            "--query",
            "AuthenticationResult.AccessToken",
            "--output",
            "text",
        ],
        env={**os.environ, **stack.client_environment(workshop_home)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    access = answered.stdout.strip()
    assert _verified(access, settings)["username"] == "alice"
