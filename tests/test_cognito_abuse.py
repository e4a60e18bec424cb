"""The local Cognito under abuse: another local user gets no more from it than from Cognito.

Through the stack's AWS API, unsigned where AWS's SDKs send a call unsigned: no sign-up
in the workshop's admin-only pool and no confirmation without the code that was sent;
five wrong passwords lock a user (and a made-up name) out, the right password too; the
public operations are public, and sign-out and revocation revoke; password recovery
answers alike for a user and for nobody, and nothing of moto's leaks in a header; a name
that only looks like alice is not a new user; what sign-ins leave behind is bounded.
The lockout's schedule and the limits' bounds are checked on a fake clock.
"""

from __future__ import annotations

import io
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.cognitoidp.exceptions import NotAuthorizedError

from helpers.emulator.aws.api import AwsApiGuard
from helpers.emulator.core.state import StackLayout, StackState
from helpers.emulator.identity import sign_in as sign_in_service
from helpers.emulator.identity.limits import (
    LOCKOUT_MAX_SECONDS,
    HourlyAttempts,
    LimitExceededException,
    PasswordLockout,
    RecentEntries,
)
from helpers.emulator.identity.public_operations import public_targets
from helpers.kit.settings import WorkshopSettings
from helpers.kit.sign_in import UserTokens, sign_in, user_secret
from tests.support import new_user

pytestmark = pytest.mark.stack

WRONG = ("NotAuthorizedException", "Incorrect username or password.")
LOCKED = ("NotAuthorizedException", "Password attempts exceeded")
MASKED_EMAIL = re.compile(r"^\w\*\*\*@\w\*\*\*$")


@pytest.fixture(scope="module")
def unsigned(local_stack: StackState) -> Any:
    """A Cognito client that sends everything unsigned, as a stranger without keys would."""
    return boto3.client("cognito-idp", config=Config(signature_version=botocore.UNSIGNED))


@pytest.fixture(scope="module")
def cognito(local_stack: StackState) -> Any:
    """The stack owner's signed Cognito client."""
    return boto3.client("cognito-idp")


def _refused(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as refusal:
        call()
    error = refusal.value.response["Error"]
    return error["Code"], error["Message"]


def _password_of(username: str) -> str:
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=user_secret(username))
    return str(json.loads(secret["SecretString"])["password"])


def _sign_in(unsigned: Any, client_id: str, username: str, password: str) -> dict[str, Any]:
    result: dict[str, Any] = unsigned.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )["AuthenticationResult"]
    return result


def _refresh(unsigned: Any, client_id: str, refresh_token: str) -> dict[str, Any]:
    result: dict[str, Any] = unsigned.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": refresh_token},
    )["AuthenticationResult"]
    return result


def _take_over(unsigned: Any, client_id: str, username: str) -> tuple[str, str]:
    """A stranger's ConfirmForgotPassword with a guessed code and a password of theirs."""
    return _refused(
        lambda: unsigned.confirm_forgot_password(
            ClientId=client_id,
            Username=username,
            ConfirmationCode="0",
            Password="Taken-Over-Passw0rd!",
        )
    )


def _sent_code(workshop_home: Path, purpose: str, username: str, pool_id: str) -> str:
    """The code the stack "sent": it writes it to its log, Cognito would mail it."""
    current = StackLayout(workshop_home).log_file
    rolled_over = current.with_name(current.name + ".1")
    log = "".join(path.read_text() for path in (rolled_over, current) if path.exists())
    codes = re.findall(
        rf"{purpose} code for user {re.escape(username)} of pool {pool_id} .*: (\d{{6}})$",
        log,
        re.MULTILINE,
    )
    assert codes, f"no {purpose} code for {username} in the stack's log"
    return codes[-1]


@pytest.fixture
def open_pool(cognito: Any) -> Iterator[tuple[str, str]]:
    """A pool of the owner's that takes sign-ups, and its web client: (pool id, client id)."""
    pool_id = cognito.create_user_pool(
        PoolName=f"open-{uuid.uuid4().hex[:8]}",
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": False},
    )["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="web",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        PreventUserExistenceErrors="ENABLED",
    )["UserPoolClient"]["ClientId"]
    yield pool_id, client_id
    cognito.delete_user_pool(UserPoolId=pool_id)


def test_nobody_signs_up_in_the_workshops_pool(
    settings: WorkshopSettings, unsigned: Any, cognito: Any
) -> None:
    """The red team's way in: unsigned SignUp, ConfirmSignUp with "0", a web token."""
    web_client = str(settings.web_client_id)
    described = cognito.describe_user_pool(UserPoolId=settings.pool_id)["UserPool"]
    assert described["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    mallory = f"mallory-{uuid.uuid4().hex[:8]}"
    password = "Mallory-Passw0rd!"
    assert _refused(
        lambda: unsigned.sign_up(ClientId=web_client, Username=mallory, Password=password)
    ) == ("NotAuthorizedException", "SignUp is not permitted for this user pool")
    code, _ = _refused(
        lambda: unsigned.confirm_sign_up(
            ClientId=web_client, Username=mallory, ConfirmationCode="0"
        )
    )
    assert code in ("ExpiredCodeException", "CodeMismatchException")
    assert _refused(lambda: _sign_in(unsigned, web_client, mallory, password)) == WRONG
    users = cognito.list_users(UserPoolId=settings.pool_id)["Users"]
    assert mallory not in {user["Username"] for user in users}


def test_where_sign_up_is_open_only_the_code_that_was_sent_confirms(
    open_pool: tuple[str, str], unsigned: Any, workshop_home: Path
) -> None:
    pool_id, client_id = open_pool
    eve, password = f"eve-{uuid.uuid4().hex[:8]}", "Eve-Passw0rd!"
    signed_up = unsigned.sign_up(ClientId=client_id, Username=eve, Password=password)
    assert signed_up["UserConfirmed"] is False
    sent = _sent_code(workshop_home, "sign-up", eve, pool_id)
    wrong = "000000" if sent != "000000" else "111111"
    assert _refused(
        lambda: unsigned.confirm_sign_up(ClientId=client_id, Username=eve, ConfirmationCode=wrong)
    ) == ("CodeMismatchException", "Invalid verification code provided, please try again.")
    assert _refused(lambda: _sign_in(unsigned, client_id, eve, password)) == (
        "UserNotConfirmedException",
        "User is not confirmed.",
    )
    unsigned.confirm_sign_up(ClientId=client_id, Username=eve, ConfirmationCode=sent)
    assert _sign_in(unsigned, client_id, eve, password)["AccessToken"]
    # Guessing is limited: five wrong codes an hour, then even the right one is refused.
    victim = f"victim-{uuid.uuid4().hex[:8]}"
    unsigned.sign_up(ClientId=client_id, Username=victim, Password=password)
    right = _sent_code(workshop_home, "sign-up", victim, pool_id)

    def confirm(code: str) -> tuple[str, str]:
        return _refused(
            lambda: unsigned.confirm_sign_up(
                ClientId=client_id, Username=victim, ConfirmationCode=code
            )
        )

    guesses = [f"{n:06d}" for n in range(7) if f"{n:06d}" != right][:5]
    assert [confirm(guess)[0] for guess in guesses] == ["CodeMismatchException"] * 5
    assert confirm(right) == (
        "LimitExceededException",
        "Attempt limit exceeded, please try after some time.",
    )


def test_five_wrong_passwords_lock_the_user_out_and_the_right_one_waits(
    settings: WorkshopSettings, unsigned: Any
) -> None:
    web_client = str(settings.web_client_id)
    target = new_user(settings, "target").username
    password = _password_of(target)
    for _ in range(5):
        assert _refused(lambda: _sign_in(unsigned, web_client, target, "Not-it-0!")) == WRONG
    # Locked for a second: the right password is refused too, another user is not.
    assert _refused(lambda: _sign_in(unsigned, web_client, target, password)) == LOCKED
    assert sign_in(settings, "bob").access.claims()["username"] == "bob"
    time.sleep(1.2)
    assert _sign_in(unsigned, web_client, target, password)["AccessToken"]
    # A name nobody has is locked out the same way: the lockout tells nobody who exists.
    nobody = f"nobody-{uuid.uuid4().hex[:8]}"
    answers = [_refused(lambda: _sign_in(unsigned, web_client, nobody, "x")) for _ in range(6)]
    assert answers == [WRONG] * 5 + [LOCKED]


def test_the_lockout_follows_cognitos_schedule() -> None:
    """2^(n-5) seconds after the n-th failure, capped at 15 minutes; attempts while
    locked change nothing; 15 quiet minutes start over."""
    now = [0.0]
    lockout = PasswordLockout(lambda: now[0])

    def answer(right: bool) -> str:
        try:
            return "signed in" if lockout.attempt("alice", lambda: right) else "wrong"
        except NotAuthorizedError as refusal:
            assert refusal.message == "Password attempts exceeded"
            return "locked"

    assert [answer(False) for _ in range(5)] == ["wrong"] * 5
    assert answer(True) == "locked"  # the fifth failure locks one second
    now[0] += 0.99
    assert answer(False) == "locked"  # not counted
    now[0] += 0.02
    assert answer(False) == "wrong"  # the sixth: two seconds
    now[0] += 1.98
    assert [answer(True), answer(True)] == ["locked", "locked"]
    now[0] += 0.03
    lock = 4.0
    for _ in range(8):  # the seventh to the fourteenth: 4 s, 8 s ... 512 s
        assert answer(False) == "wrong"
        now[0] += lock + 0.01
        lock *= 2
    assert answer(False) == "wrong"  # the fifteenth: 1024 s, but at most 15 minutes
    now[0] += LOCKOUT_MAX_SECONDS - 0.5
    assert answer(True) == "locked"
    now[0] += 0.6
    assert answer(True) == "signed in"  # after the lockout: the count starts over
    assert [answer(False) for _ in range(5)] == ["wrong"] * 5
    now[0] += 2 * LOCKOUT_MAX_SECONDS  # fifteen quiet minutes after the last attempt
    assert [answer(False) for _ in range(4)] + [answer(True)] == ["wrong"] * 4 + ["signed in"]


def test_public_operations_are_unsigned_and_admin_ones_stay_signed(
    local_stack: StackState, settings: WorkshopSettings
) -> None:
    """Every operation botocore marks authtype none passes unsigned; an Admin one never."""
    targets = public_targets()
    assert {
        "AWSCognitoIdentityProviderService.GlobalSignOut",
        "AWSCognitoIdentityProviderService.RevokeToken",
        "AWSCognitoIdentityProviderService.ConfirmForgotPassword",
    } <= targets
    assert not any(".Admin" in target for target in targets)

    def unsigned_call(target: str) -> httpx.Response:
        return httpx.post(
            local_stack.aws_endpoint_url + "/",
            content=json.dumps({"ClientId": "nope", "AccessToken": "nope", "Token": "nope"}),
            headers={
                "X-Amz-Target": target,
                "Content-Type": "application/x-amz-json-1.1",
            },
            timeout=10,
        )

    for target in ("GlobalSignOut", "RevokeToken", "ForgotPassword", "ConfirmSignUp"):
        answer = unsigned_call(f"AWSCognitoIdentityProviderService.{target}")
        assert answer.headers.get("x-amzn-ErrorType", "").split(":")[0] != (
            "MissingAuthenticationTokenException"
        ), target
        assert answer.status_code == 400, (target, answer.text)
    for target in ("AdminUserGlobalSignOut", "AdminCreateUser", "AdminSetUserPassword"):
        answer = unsigned_call(f"AWSCognitoIdentityProviderService.{target}")
        assert answer.status_code == 403, target
        assert answer.json()["__type"] == "MissingAuthenticationTokenException", target


def test_the_guard_lets_public_calls_through_unsigned_and_no_moto_header_out() -> None:
    """What moto would add (its ForgotPassword code in ``x-moto-...``) never leaves."""
    answered: list[tuple[str, list[tuple[str, str]]]] = []

    def moto(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/x-amz-json-1.1"),
                ("x-moto-forgot-password-confirmation-code", "moto-confirmation-code:123456"),
                ("Access-Control-Allow-Origin", "*"),
            ],
        )
        return [b"{}"]

    guard = AwsApiGuard(moto, port=1)
    guard.signatures_required = True

    def unsigned(operation: str) -> str:
        environ = {
            "HTTP_HOST": "127.0.0.1:1",
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/",
            "HTTP_X_AMZ_TARGET": f"AWSCognitoIdentityProviderService.{operation}",
            "CONTENT_LENGTH": "2",
            "wsgi.input": io.BytesIO(b"{}"),
        }
        guard(environ, lambda status, headers, *_: answered.append((status, headers)))
        return answered[-1][0]

    assert unsigned("ForgotPassword") == "200 OK"
    assert [name for name, _ in answered[-1][1]] == ["Content-Type"]
    assert unsigned("AdminCreateUser") == "403 Forbidden"


def test_global_sign_out_and_revoke_token_revoke_what_they_name(
    settings: WorkshopSettings, unsigned: Any
) -> None:
    web_client = str(settings.web_client_id)
    user = new_user(settings, "leaver")
    phone = _sign_in(unsigned, web_client, user.username, _password_of(user.username))
    # RevokeToken: this sign-in's refresh token and access token, not the other sign-in's.
    unsigned.revoke_token(Token=phone["RefreshToken"], ClientId=web_client)
    assert _refused(lambda: _refresh(unsigned, web_client, phone["RefreshToken"])) == (
        "NotAuthorizedException",
        "Refresh Token has been revoked",
    )
    assert _refused(lambda: unsigned.get_user(AccessToken=phone["AccessToken"]))[0] == (
        "NotAuthorizedException"
    )
    assert unsigned.get_user(AccessToken=user.access.value)["Username"] == user.username
    assert _refresh(unsigned, web_client, user.refresh_token)["AccessToken"]
    # GlobalSignOut, with the user's own access token, unsigned as the SDKs send it.
    unsigned.global_sign_out(AccessToken=user.access.value)
    assert _refused(lambda: _refresh(unsigned, web_client, user.refresh_token)) == (
        "NotAuthorizedException",
        "Refresh Token has been revoked",
    )
    assert _refused(lambda: unsigned.get_user(AccessToken=user.access.value))[0] == (
        "NotAuthorizedException"
    )
    # A refresh token is revoked only at the client it was issued to, with its secret.
    other = new_user(settings, "kept")
    code, _ = _refused(
        lambda: unsigned.revoke_token(Token=other.refresh_token, ClientId=settings.client_id)
    )
    assert code == "UnauthorizedException"
    assert _refresh(unsigned, web_client, other.refresh_token)["AccessToken"]


def test_password_recovery_answers_alike_for_a_user_and_for_nobody(
    settings: WorkshopSettings, unsigned: Any, cognito: Any, local_stack: StackState
) -> None:
    web_client = str(settings.web_client_id)
    target = new_user(settings, "recovering").username
    cognito.admin_update_user_attributes(
        UserPoolId=settings.pool_id,
        Username=target,
        UserAttributes=[
            {"Name": "email", "Value": f"{target}@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
    )
    nobody = f"nobody-{uuid.uuid4().hex[:8]}"
    answers = {}
    for name in (target, nobody):
        answered = unsigned.forgot_password(ClientId=web_client, Username=name)
        headers = answered["ResponseMetadata"]["HTTPHeaders"]
        assert not [header for header in headers if header.lower().startswith("x-moto")]
        details = answered["CodeDeliveryDetails"]
        assert MASKED_EMAIL.match(details["Destination"]), details
        answers[name] = (details["DeliveryMedium"], details["AttributeName"], sorted(headers))
        assert _take_over(unsigned, web_client, name) == (
            "CodeMismatchException",
            "Invalid verification code provided, please try again.",
        )
    assert answers[target] == answers[nobody]
    # The password was not taken over; the raw answer carries no moto header either.
    assert _sign_in(unsigned, web_client, target, _password_of(target))["AccessToken"]
    raw = httpx.post(
        local_stack.aws_endpoint_url + "/",
        content=json.dumps({"ClientId": web_client, "Username": target}),
        headers={
            "X-Amz-Target": "AWSCognitoIdentityProviderService.ForgotPassword",
            "Content-Type": "application/x-amz-json-1.1",
        },
        timeout=10,
    )
    assert raw.status_code == 200
    assert not [name for name in raw.headers if name.lower().startswith("x-moto")]


def test_a_name_that_only_looks_like_alice_is_not_a_new_user(
    settings: WorkshopSettings, cognito: Any, unsigned: Any
) -> None:
    def create(username: str) -> tuple[str, str]:
        return _refused(
            lambda: cognito.admin_create_user(
                UserPoolId=settings.pool_id, Username=username, MessageAction="SUPPRESS"
            )
        )

    assert create("ALICE") == ("UsernameExistsException", "User account already exists")
    for look_alike in ("alice\u200b", "\u0430lice", "\uff41lice", "ali\u0107e"):
        code, message = create(look_alike)
        assert code == "InvalidParameterException", look_alike
        assert "Value at 'username'" in message, look_alike
    # The pool ignores case, as Cognito recommends: ALICE signs in as alice.
    web_client = str(settings.web_client_id)
    tokens = _sign_in(unsigned, web_client, "ALICE", _password_of("alice"))
    assert unsigned.get_user(AccessToken=tokens["AccessToken"])["Username"] == "alice"
    found = cognito.admin_get_user(UserPoolId=settings.pool_id, Username="Alice")
    assert found["Username"] == "alice"


def test_what_sign_ins_leave_behind_is_bounded(settings: WorkshopSettings, unsigned: Any) -> None:
    web_client = str(settings.web_client_id)
    first: UserTokens = new_user(settings, "looping")
    password = _password_of(first.username)
    later = [
        _sign_in(unsigned, web_client, first.username, password)
        for _ in range(sign_in_service.MAX_SIGN_INS_PER_USER)
    ]
    # The oldest sign-in was revoked to make room; the newest still refreshes.
    code, _ = _refused(lambda: _refresh(unsigned, web_client, first.refresh_token))
    assert code == "NotAuthorizedException"
    newest = later[-1]
    minted = [
        _refresh(unsigned, web_client, newest["RefreshToken"])["AccessToken"]
        for _ in range(sign_in_service.MAX_TOKENS_PER_SIGN_IN)
    ]
    assert _refused(lambda: unsigned.get_user(AccessToken=newest["AccessToken"]))[0] == (
        "NotAuthorizedException"
    )
    assert unsigned.get_user(AccessToken=minted[-1])["Username"] == first.username


def test_the_limits_tables_stay_within_their_bounds() -> None:
    now = [0.0]
    table: RecentEntries[int] = RecentEntries(keep_seconds=60, capacity=3)
    for key in range(10):
        table.put(key, key, now[0])
    assert [table.get(key, now[0]) for key in range(10)] == [None] * 7 + [7, 8, 9]
    now[0] += 61
    assert table.get(9, now[0]) is None
    attempts = HourlyAttempts(lambda: now[0], limit=2, capacity=3)
    attempts.spend("code")
    attempts.spend("code")
    with pytest.raises(LimitExceededException):
        attempts.check("code")
    now[0] += 3600
    attempts.check("code")  # an hour later, the attempts are spent no more
