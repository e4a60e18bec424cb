"""The workshop's settings, read from SSM Parameter Store as the workshop does.

The prerequisite stack (on AWS) or the local stack writes these parameters; the
notebooks only ever read them, so both backends share one code path.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from typing import Any

import boto3

from helpers.basics.i18n import _
from helpers.kit.errors import SettingsError

PARAMETER_PREFIX = "/app/customersupport/agentcore/"


@dataclass(frozen=True)
class WorkshopSettings:
    """Cognito and Lambda settings for the module. None of these values is a secret.

    ``web_client_id`` is the web app client people sign in at (no secret,
    ``USER_PASSWORD_AUTH``); a prerequisite stack from before it existed has none, and
    then only the sign-in cells need it (:class:`~helpers.kit.errors.SignInError` says so).
    ``partner_client_id`` is another team's machine client of the same pool, allowed a
    scope of its own and not the workshop's (notebook 06); optional in the same way.
    """

    cognito_discovery_url: str
    client_id: str
    pool_id: str
    cognito_token_url: str
    cognito_auth_scope: str
    warranty_check_lambda_arn: str
    web_client_id: str | None = None
    partner_client_id: str | None = None

    @classmethod
    def parameter_names(cls) -> list[str]:
        return [PARAMETER_PREFIX + field.name for field in fields(cls)]

    @classmethod
    def required_parameter_names(cls) -> list[str]:
        return [PARAMETER_PREFIX + f.name for f in fields(cls) if f.default is MISSING]

    @classmethod
    def value_sources(cls) -> dict[str, str]:
        """Where a learner finds each value, for the validator's fix hints."""
        return {
            field.name: _("SSM parameter {name}", name=PARAMETER_PREFIX + field.name)
            for field in fields(cls)
        }


def load_settings(ssm: Any | None = None) -> WorkshopSettings:
    """Read every workshop parameter in one ``GetParameters`` call."""
    ssm = ssm or boto3.client("ssm")
    names = WorkshopSettings.parameter_names()
    response = ssm.get_parameters(Names=names)
    required = WorkshopSettings.required_parameter_names()
    if missing_names := [name for name in response["InvalidParameters"] if name in required]:
        missing = ", ".join(sorted(missing_names))
        raise SettingsError(
            _(
                "Parameter Store has no {missing}. On the local stack run `agentcore-local up`; "
                "on AWS deploy the workshop's prerequisite stack in this account and region.",
                missing=missing,
            )
        )
    values = {p["Name"].removeprefix(PARAMETER_PREFIX): p["Value"] for p in response["Parameters"]}
    return WorkshopSettings(**values)
