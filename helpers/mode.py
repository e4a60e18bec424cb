"""Choose the backend once, and point AWS SDKs at the local stack in local mode.

``WORKSHOP_BACKEND`` is ``local`` (the default: no AWS account, no network) or
``aws``. Everything that differs between the two lives behind this choice, so
the notebooks have one code path.
"""

from __future__ import annotations

import os
from typing import Literal

from helpers.local.stack import StackStatus

Backend = Literal["local", "aws"]
BACKENDS: tuple[Backend, ...] = ("local", "aws")


def backend() -> Backend:
    """The selected backend, from ``WORKSHOP_BACKEND`` (default ``local``)."""
    chosen = os.environ.get("WORKSHOP_BACKEND", "local").strip().lower()
    if chosen not in BACKENDS:
        raise ValueError(
            f"WORKSHOP_BACKEND={chosen!r} is not a backend; set it to 'local' or 'aws'."
        )
    return chosen  # type: ignore[return-value]


def local_environment(stack: StackStatus) -> dict[str, str]:
    """Variables that send boto3, the AWS CLI, requests, httpx and urllib to the stack.

    The credentials are moto's dummy ones; the CA bundle holds the public roots
    plus the stack's own CA, so HTTPS to real hosts keeps working too.
    """
    assert stack.aws_endpoint_url and stack.region and stack.ca_bundle
    return {
        "AWS_ENDPOINT_URL": stack.aws_endpoint_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": stack.region,
        "AWS_DEFAULT_REGION": stack.region,
        "REQUESTS_CA_BUNDLE": stack.ca_bundle,
        "SSL_CERT_FILE": stack.ca_bundle,
    }


def use_local_stack(stack: StackStatus) -> None:
    """Apply :func:`local_environment` to this process (a notebook kernel, a test)."""
    os.environ.pop("AWS_PROFILE", None)
    os.environ.update(local_environment(stack))
