"""Send the workshop's traffic to the agent and time each interaction from the caller's side.

A real client must survive token expiry: :func:`send` asks the token cache for a
token on every call (it refreshes 5 minutes before the end), and if the Runtime still
answers 401 (a token that expired in flight, or a clock that is off) it fetches a
fresh token once and retries.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from html import escape

from helpers.basics.i18n import _
from helpers.kit.calling.invoke import stream_invoke
from helpers.kit.tokens import AccessToken
from helpers.wire.callers import Caller, caller_of
from helpers.wire.invoke_errors import InvokeError, InvokeUnauthorized

# The workshop text's four prompts, sent in one session, its $SESSION_D (notebook 04).
WORKSHOP_PROMPTS = (
    "What's the return policy for accessories?",
    "Tell me about the USB-C Hub",
    "Check the warranty for PROD-002",
    "Do you remember my name?",
)


@dataclass(frozen=True)
class Interaction:
    """One prompt and how it went, as the caller saw it."""

    prompt: str
    ok: bool
    first_chunk_ms: float | None
    total_ms: float
    answer: str
    retried: bool = False
    refused: bool = False
    caller: Caller | None = None  # who the token sent says called: a user or a machine

    @property
    def status(self) -> str:
        """How the call went, in a word or two: ``ok``, ``refused (HTTP 401)``, ``failed``."""
        verdict = _("ok") if self.ok else _("refused") if self.refused else _("failed")
        return verdict + (_(" (token refreshed)") if self.retried else "")


def _timed_call(url: str, prompt: str, token: AccessToken, session_id: str) -> Interaction:
    caller = caller_of(token.claims())
    started = time.perf_counter()
    first: float | None = None
    chunks = []
    for chunk in stream_invoke(url, prompt, token=token, session_id=session_id):
        if first is None:
            first = (time.perf_counter() - started) * 1000
        chunks.append(chunk)
    total_ms = (time.perf_counter() - started) * 1000
    return Interaction(prompt, True, first, total_ms, "".join(chunks), caller=caller)


def send(
    url: str,
    prompt: str,
    session_id: str,
    get_token: Callable[[bool], AccessToken],
) -> Interaction:
    """One interaction; on a 401 a fresh token is fetched and the call retried once."""
    token = get_token(False)
    try:
        return _timed_call(url, prompt, token, session_id)
    except InvokeUnauthorized:
        pass  # expired in flight, or a clock that is off: retry once with a fresh token
    except InvokeError as error:
        return _failed(prompt, error, token, retried=False)
    fresh = get_token(True)
    try:
        return replace(_timed_call(url, prompt, fresh, session_id), retried=True)
    except InvokeError as error:
        return _failed(prompt, error, fresh, retried=True)


def _failed(prompt: str, error: InvokeError, token: AccessToken, retried: bool) -> Interaction:
    refused = error.status in (401, 403)
    caller = caller_of(token.claims())
    return Interaction(
        prompt, False, None, 0.0, str(error), retried=retried, refused=refused, caller=caller
    )


def send_all(
    url: str,
    prompts: tuple[str, ...],
    session_id: str,
    get_token: Callable[[bool], AccessToken],
) -> list[Interaction]:
    """The prompts in order, in one session (so the agent's memory carries over)."""
    return [send(url, prompt, session_id, get_token) for prompt in prompts]


# JupyterLab right-aligns table cells; text reads from the left, numbers stay right.
_TEXT = "<td style='text-align:left'>{}</td>"
_ANSWER = "<td style='text-align:left; white-space:pre-wrap; min-width:24em'>{}</td>"


def html_table(interactions: list[Interaction]) -> str:
    """An HTML table for the notebook: caller, prompt, status, first chunk, total, answer.

    The answer is shown whole: the fact a checkpoint looks for (a price, a date) often
    comes at its end.
    """
    rows = "".join(
        "<tr>"
        + _TEXT.format(escape(str(i.caller or "—")))
        + _TEXT.format(escape(i.prompt))
        + _TEXT.format(escape(i.status))
        + f"<td>{i.first_chunk_ms or 0:.0f}</td><td>{i.total_ms:.0f}</td>"
        + _ANSWER.format(escape(i.answer.strip()))
        + "</tr>"
        for i in interactions
    )
    names = (_("caller"), _("prompt"), _("status"), _("first chunk (ms)"), _("total (ms)"))
    head = "".join(f"<th>{escape(name)}</th>" for name in (*names, _("answer")))
    return f"<table><tr>{head}</tr>{rows}</table>"
