"""The Cognito API as the local stack serves it: moto's, with the user-facing side the stack's.

moto keeps pools, clients and users and serves the administrators' operations. Where it
is kinder than Cognito, the stack answers instead (see
:mod:`helpers.emulator.identity.sign_in` and :mod:`helpers.emulator.identity.accounts`):
``InitiateAuth``, ``GlobalSignOut``, ``RevokeToken``, ``SignUp``, ``ConfirmSignUp``,
``ForgotPassword`` and ``ConfirmForgotPassword``. Two rules apply to every operation:

- the public ones take no SigV4 signature (moto's own list of them is short);
- a ``Username`` names whom the pool means by it (:mod:`.usernames`: any case in a pool
  that ignores case), and a new one must not pass for an existing user.
"""

from __future__ import annotations

from typing import Any

from moto.cognitoidp.exceptions import ResourceNotFoundError
from moto.cognitoidp.models import CognitoIdpUserPool
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult, EmptyResult

from helpers.emulator.identity import usernames
from helpers.emulator.identity.clients import find_client
from helpers.emulator.identity.public_operations import is_public
from helpers.emulator.identity.sign_in import SignInService


class CognitoResponse(CognitoIdpResponse):
    """moto's Cognito protocol handler with the stack's user-facing operations."""

    def __init__(self, sign_in: SignInService) -> None:
        super().__init__()
        self._sign_in = sign_in

    def _authenticate_and_authorize_normal_action(self, resource: str = "*") -> None:
        if is_public(self.headers.get("X-Amz-Target")):
            return
        super()._authenticate_and_authorize_normal_action(resource)

    def _get_param(self, param_name: str, if_none: Any = None) -> Any:
        value = self._sent(param_name, if_none)
        if param_name == "Username" and isinstance(value, str):
            pool = self._pool_of_request()
            if pool is not None:
                return usernames.stored_name(pool, value)
        return value

    def _sent(self, param_name: str, if_none: Any = None) -> Any:
        """A parameter as the request has it (a ``SECRET_HASH`` is of the name as sent)."""
        return super()._get_param(param_name, if_none)

    def _pool_of_request(self) -> CognitoIdpUserPool | None:
        pool_id = self._sent("UserPoolId")
        if pool_id:
            pool: CognitoIdpUserPool | None = self.backend.user_pools.get(pool_id)
            return pool
        client_id = self._sent("ClientId")
        if not client_id:
            return None
        try:
            return find_client(self.current_account, client_id)[1]
        except ResourceNotFoundError:
            return None

    def admin_create_user(self) -> ActionResult:
        if self._sent("MessageAction") != "RESEND":
            pool = self.backend.describe_user_pool(self._sent("UserPoolId"))
            usernames.check_new_username(pool, self._sent("Username"))
        return super().admin_create_user()

    def initiate_auth(self) -> ActionResult:
        return ActionResult(
            self._sign_in.initiate_auth(
                self.current_account,
                self._sent("ClientId"),
                self._sent("AuthFlow"),
                self._sent("AuthParameters") or {},
            )
        )

    def global_sign_out(self) -> ActionResult:
        self._sign_in.global_sign_out(self.current_account, self._sent("AccessToken"))
        return EmptyResult()

    def revoke_token(self) -> ActionResult:
        self._sign_in.revoke_token(
            self.current_account,
            self._sent("ClientId"),
            self._sent("Token"),
            self._sent("ClientSecret"),
        )
        return EmptyResult()

    def sign_up(self) -> ActionResult:
        return ActionResult(
            self._sign_in.accounts.sign_up(
                self.current_account,
                self._sent("ClientId"),
                self._sent("Username"),
                self._sent("Password"),
                self._sent("UserAttributes", []),
                self._sent("SecretHash"),
            )
        )

    def confirm_sign_up(self) -> ActionResult:
        self._sign_in.accounts.confirm_sign_up(
            self.current_account,
            self._sent("ClientId"),
            self._sent("Username"),
            self._sent("ConfirmationCode"),
            self._sent("SecretHash"),
        )
        return EmptyResult()

    def forgot_password(self) -> ActionResult:
        return ActionResult(
            self._sign_in.accounts.forgot_password(
                self.current_account,
                self._sent("ClientId"),
                self._sent("Username"),
                self._sent("SecretHash"),
            )
        )

    def confirm_forgot_password(self) -> ActionResult:
        self._sign_in.accounts.confirm_forgot_password(
            self.current_account,
            self._sent("ClientId"),
            self._sent("Username"),
            self._sent("ConfirmationCode"),
            self._sent("Password"),
            self._sent("SecretHash"),
        )
        return EmptyResult()
