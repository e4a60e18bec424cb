"""Which Cognito operations are public: sent without AWS credentials, as on AWS.

"Amazon Cognito doesn't evaluate Identity and Access Management (IAM) policies in
requests for this API operation. For this operation, you can't use IAM credentials to
authorize requests": the user's password, code or token is the proof. botocore's model of
Cognito user pools marks exactly those operations ``"authtype": "none"`` (and the SDKs
send them unsigned), so the set is read from that model rather than written out here;
every other operation, the ``Admin...`` ones included, stays signed.
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pools-API-operations.html
"""

from __future__ import annotations

import functools

import botocore.session


@functools.cache
def public_targets() -> frozenset[str]:
    """The ``X-Amz-Target`` values of the public operations (``AWSCognito...Service.SignUp``)."""
    model = botocore.session.get_session().get_service_model("cognito-idp")
    prefix = model.metadata["targetPrefix"]
    return frozenset(
        f"{prefix}.{name}"
        for name in model.operation_names
        if model.operation_model(name).auth_type == "none"
    )


def is_public(target: str | None) -> bool:
    return target in public_targets()
