"""Who gets in: one call made with several tokens, side by side, let in or refused and why.

Notebook 04 puts the kinds of token a caller can bring next to each other: a machine's
client-credentials token, a person's access token from signing in at the web app, and
the ID token that sign-in also returns. Each row says which caller the token describes
(from its claims) and what the Runtime did with it: the start of the answer, or the
refusal's reason, in the learner's language. No row holds any part of a token.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape

from helpers.basics.i18n import _
from helpers.kit.calling.invoke import DEFAULT_AGENT_LOG, invoke, new_session_id
from helpers.kit.tokens import AccessToken
from helpers.wire.callers import Caller, caller_of
from helpers.wire.invoke_errors import InvokeError

# Any question the agent answers without a tool: the call's outcome is what is compared.
ADMISSION_PROMPT = "What's the return policy for electronics?"
# HTTP statuses that mean "not let in" rather than "let in, then failed".
_REFUSED = (401, 403)


@dataclass(frozen=True)
class Admission:
    """What the Runtime did with one token: ``admitted``, and the answer or the reason."""

    label: str
    caller: Caller
    token_use: str
    admitted: bool
    detail: str

    @property
    def outcome(self) -> str:
        """``let in`` or ``refused (401)``, in the learner's language."""
        return _("let in") if self.admitted else _("refused (401)")


def admit(
    url: str,
    tokens: Mapping[str, AccessToken],
    *,
    prompt: str = ADMISSION_PROMPT,
    agent_log: str = DEFAULT_AGENT_LOG,
) -> list[Admission]:
    """Call the runtime at ``url`` once with each token (each in a new session), in order.

    A refusal is a result, not an error; any other failure (the agent's own code raised,
    the runtime is down) raises, since then nothing was learnt about the token.
    """
    rows = []
    for label, token in tokens.items():
        claims = token.claims()
        caller, token_use = caller_of(claims), str(claims.get("token_use", "?"))
        try:
            answer = invoke(
                url, prompt, token=token, session_id=new_session_id(), agent_log=agent_log
            )
        except InvokeError as error:
            if error.status not in _REFUSED:
                raise
            rows.append(Admission(label, caller, token_use, False, error.explained()))
            continue
        shortened = textwrap.shorten(answer, 60, placeholder=" …")
        rows.append(Admission(label, caller, token_use, True, shortened))
    return rows


def html_table(rows: list[Admission]) -> str:
    """One row per token: which token, the caller it names, its use, and what happened."""
    columns = (_("token"), _("caller"), "token_use", _("outcome"), _("answer or reason"))
    head = "".join(f"<th>{escape(name)}</th>" for name in columns)
    body = "".join(
        "<tr>"
        f"<td>{escape(row.label)}</td><td>{escape(str(row.caller))}</td>"
        f"<td><code>{escape(row.token_use)}</code></td>"
        f"<td>{'✅' if row.admitted else '⛔'} {escape(row.outcome)}</td>"
        f"<td style='text-align:left'>{escape(row.detail)}</td>"
        "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"
