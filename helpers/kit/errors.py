"""Every error the notebook kit lets a learner see, in one hierarchy.

All derive from :class:`~helpers.basics.errors.ActionableError` (as do the project
model's and the local stack's): its message says what went wrong and what to do, so
the notebooks' widgets and the CLI catch that type and show the message. Anything
else is a bug and keeps its traceback. None of these messages holds a token or a
secret. A Runtime invocation's errors (:class:`InvokeError` and its kinds,
:class:`AgentFailed`) are in :mod:`helpers.wire.invoke_errors`, since
``agentcore-local invoke`` raises them too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from helpers.basics.errors import ActionableError
from helpers.basics.i18n import _
from helpers.wire.invoke_errors import InvokeError
from helpers.wire.refusal_reasons import explain

if TYPE_CHECKING:
    from helpers.kit.backends.base import CommandResult


class WorkshopUsageError(ActionableError, ValueError):
    """A kit call with a value the workshop does not take; the message lists the ones it does."""


class LetIn(ActionableError, AssertionError):
    """A call the notebook expected to be refused was let in and answered."""


class DeployedStateError(ActionableError, ValueError):
    """What the CLI recorded of a deploy cannot be read; the message says how to restore it."""


class TraceQueryFailed(ActionableError, RuntimeError):
    """A CloudWatch Logs Insights query for traces failed on the service's side."""


class TraceQueryTimeout(ActionableError, TimeoutError):
    """A CloudWatch Logs Insights query for traces ran past its time limit."""


class SettingsError(ActionableError):
    """A parameter the workshop needs is missing from Parameter Store."""


class TokenError(ActionableError):
    """The token endpoint refused (an RFC 6749 error) or could not be reached."""

    def __init__(self, message: str, *, error: str | None = None, status: int | None = None):
        super().__init__(message)
        self.error = error
        self.status = status


class SignInError(ActionableError):
    """A user could not sign in (or refresh): which value is missing or refused, and the fix."""


class MemoryRecordsMissing(ActionableError, TimeoutError):
    """Long-term memory did not hold what was expected in time (extraction runs after a call)."""


class CliRefused(InvokeError):
    """``agentcore invoke`` failed, so there is no HTTP status to show, only the CLI's words.

    The AWS backend's tokenless call ends here: CLI 0.30.0 will not call a CUSTOM_JWT runtime
    without a bearer token and refuses before it sends anything
    (:attr:`refused_before_sending`). ``message`` is what the CLI printed, in its words (it
    stays English); ``results`` are the commands run, each as typed and with its output.
    """

    def __init__(
        self, message: str, results: Sequence[CommandResult], *, before_sending: bool
    ) -> None:
        ActionableError.__init__(
            self,
            _(
                "`{command}` refused the call:\n{output}",
                command=results[0].command,
                output=message,
            ),
        )
        self.status = None
        self.error_type = "agentcore invoke"
        self.message = message
        self.results = tuple(results)
        self.refused_before_sending = before_sending

    def explained(self) -> str:
        """The CLI's own words: they are not the local stack's, so nothing is translated."""
        return self.message


class GatewayRefused(ActionableError):
    """The Gateway refused the call; ``status`` is the HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {explain(message)}")
        self.status = status
        self.message = message


class CommandFailed(ActionableError):
    """A workshop command failed; the message holds the command and its output."""

    def __init__(self, result: CommandResult) -> None:
        super().__init__(
            _("`{command}` failed:\n{output}", command=result.command, output=result.output)
        )
        self.result = result


class NotDeployed(ActionableError):
    """The runtime or gateway is not deployed yet: run the deploy step first."""


class CliNotFound(ActionableError):
    """The ``agentcore`` executable is not on PATH, so the AWS backend cannot run a step."""


class CliVersionMismatch(ActionableError):
    """``agentcore --version`` is not the version the kit was proven with (or did not answer).

    ``found`` is the first line it printed ("" for none), ``expected`` the version the kit
    demands.
    """

    def __init__(self, message: str, *, found: str, expected: str) -> None:
        super().__init__(message)
        self.found = found
        self.expected = expected


class TransactionSearchNotEnabled(ActionableError):
    """There is no ``aws/spans`` log group: Transaction Search was never turned on."""


class CommandLineError(ActionableError):
    """A typed ``agentcore`` command line the kit cannot read: says what to type instead."""
