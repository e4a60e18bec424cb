"""The Cognito API as the local stack serves it: moto's, with ``InitiateAuth`` from the stack.

Everything else (pools, clients, users, ``GetUser``, sign-out) stays moto's; see
:mod:`helpers.emulator.identity.sign_in` for why sign-in does not.
"""

from __future__ import annotations

from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult

from helpers.emulator.identity.sign_in import SignInService


class CognitoResponse(CognitoIdpResponse):
    """moto's Cognito protocol handler whose ``InitiateAuth`` issues the stack's tokens."""

    def __init__(self, sign_in: SignInService) -> None:
        super().__init__()
        self._sign_in = sign_in

    def initiate_auth(self) -> ActionResult:
        return ActionResult(
            self._sign_in.initiate_auth(
                self.current_account,
                self._get_param("ClientId"),
                self._get_param("AuthFlow"),
                self._get_param("AuthParameters") or {},
            )
        )
