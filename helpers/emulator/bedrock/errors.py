"""Bedrock Runtime's modeled errors, as a model of the stack raises them.

Each is one of the error shapes of botocore's ``bedrock-runtime`` model, so moto's
serializer writes it as AWS does (status code, ``x-amzn-ErrorType``, JSON body) and
boto3 raises it as a ``ClientError`` with that code. A model raises them from its
iterator of events: before its first event the call fails with the error's HTTP status;
after it, :mod:`.converse` ends ``ConverseStream`` with an exception frame (see
:func:`helpers.emulator.bedrock.converse.frames`).

None of these codes is retried by botocore (424, 408, 400), so an agent sees the first
failure at once instead of after four retries with backoff.
"""

from __future__ import annotations

from moto.core.exceptions import ServiceException


class BedrockRuntimeError(ServiceException):
    """A Bedrock Runtime error; ``code`` names its shape in botocore's model."""


class ModelError(BedrockRuntimeError):
    """HTTP 424: the model failed the request (unreachable, or it answered with an error)."""

    code = "ModelErrorException"

    def __init__(self, message: str, original_status_code: int | None = None) -> None:
        super().__init__(message)
        # The shape's own member names: moto serializes them from these attributes.
        self.originalStatusCode = original_status_code


class ModelTimeout(BedrockRuntimeError):
    """HTTP 408: the model took too long to answer."""

    code = "ModelTimeoutException"


class ModelStreamError(BedrockRuntimeError):
    """The model's answer broke off after it began (``modelStreamErrorException``)."""

    code = "ModelStreamErrorException"

    def __init__(self, message: str, original_message: str | None = None) -> None:
        super().__init__(message)
        self.originalMessage = original_message


class Invalid(BedrockRuntimeError):
    """HTTP 400: the request asks for something this model cannot take."""

    code = "ValidationException"
