"""What a user does about an account without an administrator: sign up, confirm, recover.

moto creates the account (``SignUp``) and keeps it; the rest decides as Cognito does,
where moto is kinder:

- ``SignUp`` is refused in a pool only administrators add users to
  (``AdminCreateUserConfig.AllowAdminCreateUserOnly``, as the workshop's pool is):
  "When true, only administrators can create new user profiles."
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cognito-userpool-admincreateuserconfig.html
  A new name follows :func:`usernames.check_new_username`.
- ``ConfirmSignUp`` and ``ConfirmForgotPassword`` want the code that was sent, not any
  code (moto accepts any); see :mod:`helpers.emulator.identity.codes`.
  https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html
- ``ForgotPassword`` answers a user who does not exist as it answers one who does when
  the client prevents user existence errors: "Account confirmation and password
  recovery return a response indicating a code was sent to a simulated destination."
  The simulated destination is masked as a real one is, and steady for a name.
  https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-managing-errors.html
  https://docs.aws.amazon.com/cognito/latest/developerguide/how-to-recover-a-user-account.html
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from typing import Any

from moto.cognitoidp.exceptions import (
    InvalidParameterException,
    NotAuthorizedError,
    UserNotFoundError,
)
from moto.cognitoidp.models import (
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    UserStatus,
    cognitoidp_backends,
)

from helpers.emulator.aws.moto_internals import check_password_policy
from helpers.emulator.identity import usernames
from helpers.emulator.identity.clients import check_secret_hash, find_client, hides_unknown_users
from helpers.emulator.identity.codes import PASSWORD_RESET, SIGN_UP, VerificationCodes

log = logging.getLogger("agentcore_local.cognito")

# Without an AccountRecoverySetting: "Cognito uses a verified phone first. If the verified
# phone is not found for the user, Cognito falls back and will use verified email next."
_LEGACY_RECOVERY = ("verified_phone_number", "verified_email")
_RECOVERY_ATTRIBUTE = {"verified_phone_number": "phone_number", "verified_email": "email"}
_NO_SUCH_CLIENT_USER = "Username/client id combination not found."


class AccountService:
    """``SignUp``, ``ConfirmSignUp``, ``ForgotPassword`` and ``ConfirmForgotPassword``."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._codes = VerificationCodes(clock)
        # Keys the simulated destinations: steady per name, unguessable from outside.
        self._simulation_key = secrets.token_bytes(32)

    def sign_up(
        self,
        account_id: str,
        client_id: str,
        username: str,
        password: str,
        attributes: list[dict[str, str]],
        secret_hash: str | None,
    ) -> dict[str, Any]:
        region, pool, client = find_client(account_id, client_id)
        if (pool.extended_config.get("AdminCreateUserConfig") or {}).get(
            "AllowAdminCreateUserOnly"
        ):
            raise NotAuthorizedError("SignUp is not permitted for this user pool")
        check_secret_hash(client, username, secret_hash)
        usernames.check_new_username(pool, username)
        user, delivery = cognitoidp_backends[account_id][region].sign_up(
            client_id, username, password, attributes
        )
        self._send(pool, user, SIGN_UP, delivery)
        answer: dict[str, Any] = {"UserConfirmed": False, "UserSub": user.id}
        if delivery:
            answer["CodeDeliveryDetails"] = delivery
        return answer

    def confirm_sign_up(
        self,
        account_id: str,
        client_id: str,
        username: str,
        code: str,
        secret_hash: str | None,
    ) -> None:
        _, pool, client = find_client(account_id, client_id)
        check_secret_hash(client, username, secret_hash)
        user = _user_or_refusal(pool, client, username)
        if user is not None and user.status is not UserStatus.UNCONFIRMED:
            raise NotAuthorizedError(
                f"User cannot be confirmed. Current status is {UserStatus(user.status).value}"
            )
        self._codes.redeem(pool.id, usernames.attempt_key(pool, username), SIGN_UP, code)
        if user is not None:
            user.status = UserStatus.CONFIRMED

    def forgot_password(
        self, account_id: str, client_id: str, username: str, secret_hash: str | None
    ) -> dict[str, Any]:
        _, pool, client = find_client(account_id, client_id)
        check_secret_hash(client, username, secret_hash)
        user = _user_or_refusal(pool, client, username)
        if user is not None and user.status is UserStatus.FORCE_CHANGE_PASSWORD:
            raise NotAuthorizedError("User password cannot be reset in the current state.")
        delivery = self._recovery_destination(pool, user, username)
        if user is None:
            self._codes.issue(pool.id, usernames.attempt_key(pool, username), PASSWORD_RESET, False)
        else:
            self._send(pool, user, PASSWORD_RESET, delivery)
        return {"CodeDeliveryDetails": delivery}

    def confirm_forgot_password(
        self,
        account_id: str,
        client_id: str,
        username: str,
        code: str,
        password: str,
        secret_hash: str | None,
    ) -> None:
        region, pool, client = find_client(account_id, client_id)
        check_secret_hash(client, username, secret_hash)
        user = _user_or_refusal(pool, client, username)
        # Before the code is used up, so a refused password leaves it for the next try.
        check_password_policy(account_id, region, pool.id, password)
        self._codes.redeem(pool.id, usernames.attempt_key(pool, username), PASSWORD_RESET, code)
        if user is not None:
            user.password = password
            if user.status is UserStatus.RESET_REQUIRED:
                user.status = UserStatus.CONFIRMED

    def _send(
        self,
        pool: CognitoIdpUserPool,
        user: CognitoIdpUser,
        purpose: str,
        delivery: dict[str, str] | None,
    ) -> None:
        code = self._codes.issue(pool.id, usernames.attempt_key(pool, user.username), purpose, True)
        where = delivery["Destination"] if delivery else "no verified email or phone number"
        log.info(
            "cognito: %s code for user %s of pool %s (Cognito would send it to %s): %s",
            purpose,
            user.username,
            pool.id,
            where,
            code,
        )

    def _recovery_destination(
        self, pool: CognitoIdpUserPool, user: CognitoIdpUser | None, username: str
    ) -> dict[str, str]:
        """Where the reset code goes, masked: the first verified recovery attribute."""
        setting = pool.extended_config.get("AccountRecoverySetting") or {}
        mechanisms = [
            m["Name"] for m in sorted(setting.get("RecoveryMechanisms") or [], key=_priority)
        ] or list(_LEGACY_RECOVERY)
        if mechanisms[0] == "admin_only":
            raise NotAuthorizedError("Contact administrator to reset password.")
        attributes = [_RECOVERY_ATTRIBUTE[name] for name in mechanisms]
        if user is None:
            attribute = "email" if "email" in attributes else attributes[0]
            who = usernames.attempt_key(pool, username)  # ALICE and alice alike, if so
            return _delivery(attribute, self._simulated(attribute, who))
        for attribute in attributes:
            value = user.attribute_lookup.get(attribute)
            if value and user.attribute_lookup.get(f"{attribute}_verified") == "true":
                return _delivery(attribute, _masked(attribute, value))
        raise InvalidParameterException(
            "Cannot reset password for the user as there is no registered/verified email "
            "or phone_number"
        )

    def _simulated(self, attribute: str, who: str) -> str:
        digest = hmac.new(self._simulation_key, who.encode(), hashlib.sha256).digest()
        if attribute == "phone_number":
            return _masked(attribute, "+1" + "".join(str(b % 10) for b in digest[:10]))
        letters = "abcdefghijklmnopqrstuvwxyz"
        return _masked(attribute, f"{letters[digest[0] % 26]}@{letters[digest[1] % 26]}")


def _user_or_refusal(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, username: str
) -> CognitoIdpUser | None:
    """The user; None for an unknown one the client hides, else ``UserNotFoundException``."""
    user = usernames.find_user(pool, username)
    if user is None and not hides_unknown_users(client):
        raise UserNotFoundError(_NO_SUCH_CLIENT_USER)
    return user


def _priority(mechanism: dict[str, Any]) -> int:
    return int(mechanism["Priority"])


def _delivery(attribute: str, destination: str) -> dict[str, str]:
    medium = "SMS" if attribute == "phone_number" else "EMAIL"
    return {"Destination": destination, "DeliveryMedium": medium, "AttributeName": attribute}


def _masked(attribute: str, value: str) -> str:
    """As Cognito shows a destination: ``a***@e***``, ``+*******1234``."""
    if attribute == "phone_number":
        return "+*******" + value[-4:]
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"
