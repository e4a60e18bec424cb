"""ipywidgets for the notebooks: a token panel, a claims table, a chat box, deploy progress.

Each widget wraps a plain function that tests call directly; the widget only adds
clicking. The token panel and the claims table show who a token is for and how long it
lives, never the token itself.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Iterator, Mapping

import ipywidgets as widgets

from helpers.kit.errors import InvokeError
from helpers.kit.tokens import AccessToken
from helpers.model.callers import caller_of
from helpers.model.errors import ActionableError


def token_summary(token: AccessToken) -> dict[str, str]:
    """What the token panel shows: caller, client, scopes, time left. Never the value."""
    claims = token.claims()
    minutes, seconds = divmod(max(0, int(token.seconds_left())), 60)
    return {
        "caller": str(caller_of(claims)),
        "client_id": claims.get("client_id", "?"),
        "scopes": claims.get("scope", ""),
        "token_use": claims.get("token_use", "?"),
        "expires in": f"{minutes} min {seconds:02d} s",
        "token": token.redacted,
    }


def token_panel(get_token: Callable[[bool], AccessToken]) -> widgets.VBox:
    """A panel with the current token's summary and a button that forces a refresh."""
    table = widgets.HTML()
    refresh = widgets.Button(description="Refresh token", icon="refresh")

    def render(force: bool) -> None:
        rows = "".join(
            f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(k)}</th>"
            f"<td><code>{html.escape(v)}</code></td></tr>"
            for k, v in token_summary(get_token(force)).items()
        )
        table.value = f"<table>{rows}</table><small>shown at {time.strftime('%H:%M:%S')}</small>"

    refresh.on_click(lambda _: render(True))
    render(False)
    return widgets.VBox([table, refresh])


# The claims that tell the two kinds of token apart, in the order the table shows them.
COMPARED_CLAIMS = (
    "token_use",
    "client_id",
    "aud",
    "username",
    "cognito:username",
    "sub",
    "scope",
    "email",
    "iss",
    "auth_time",
    "exp",
)


def claims_table(tokens: Mapping[str, AccessToken]) -> widgets.HTML:
    """The claims of several tokens side by side, one column per token; never a value.

    A claim a token does not carry shows as "—": an access token has no ``aud``, an ID
    token no ``client_id``, a machine's token no ``username``.
    """
    columns = {label: token.claims() for label, token in tokens.items()}
    head = "".join(f"<th>{html.escape(label)}</th>" for label in columns)
    rows = [
        "<tr><th style='text-align:left'>caller</th>"
        + "".join(f"<td>{html.escape(str(caller_of(c)))}</td>" for c in columns.values())
        + "</tr>"
    ]
    for claim in COMPARED_CLAIMS:
        if not any(claim in claims for claims in columns.values()):
            continue
        cells = "".join(
            f"<td><code>{html.escape(str(claims[claim]))}</code></td>"
            if claim in claims
            else "<td>—</td>"
            for claims in columns.values()
        )
        rows.append(f"<tr><th style='text-align:left'>{html.escape(claim)}</th>{cells}</tr>")
    return widgets.HTML(f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table>")


def chat_box(reply: Callable[[str], Iterator[str]]) -> widgets.VBox:
    """A text box and a Send button; the answer streams into the area below."""
    prompt = widgets.Text(placeholder="Ask the support agent…", layout={"width": "70%"})
    send = widgets.Button(description="Send", button_style="primary")
    transcript = widgets.Output(layout={"border": "1px solid #ccc", "padding": "4px"})

    def on_send(_: object) -> None:
        text = prompt.value.strip()
        if not text:
            return
        prompt.value = ""
        with transcript:
            print(f"you: {text}\nagent: ", end="", flush=True)
            try:
                for chunk in reply(text):
                    print(chunk, end="", flush=True)
            except InvokeError as error:
                label = "refused" if error.status in (401, 403) else "failed"
                print(f"[{label}: {error}]", end="")
            except ActionableError as error:  # a token that cannot be had: safe to show
                print(f"[{error}]", end="")
            print("\n")

    send.on_click(on_send)
    prompt.on_submit(on_send)
    return widgets.VBox([widgets.HBox([prompt, send]), transcript])


class DeployProgress:
    """A live view of a deploy: a status line and the log of its progress messages."""

    def __init__(self, title: str) -> None:
        self.status = widgets.HTML(f"<b>{html.escape(title)}</b>: starting…")
        self.log = widgets.Textarea(layout={"width": "100%", "height": "10em"}, disabled=True)
        self.widget = widgets.VBox([self.status, self.log])
        self._title = title
        self._started = time.monotonic()

    def __call__(self, line: str) -> None:
        self.log.value += line + "\n"
        elapsed = time.monotonic() - self._started
        self.status.value = (
            f"<b>{html.escape(self._title)}</b>: {html.escape(line)} ({elapsed:.1f} s)"
        )

    def finish(self, ok: bool) -> None:
        elapsed = time.monotonic() - self._started
        verdict = "done" if ok else "FAILED (see the log below)"
        self.status.value = f"<b>{html.escape(self._title)}</b>: {verdict} in {elapsed:.1f} s"
