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

from helpers.basics.errors import ActionableError
from helpers.basics.i18n import _
from helpers.kit.tokens import AccessToken, describe_claims
from helpers.wire.callers import caller_of
from helpers.wire.invoke_errors import InvokeError


def token_summary(token: AccessToken) -> dict[str, str]:
    """What the token panel shows: caller, client, scopes, time left. Never the value."""
    claims = token.claims()
    minutes, seconds = divmod(max(0, int(token.seconds_left())), 60)
    return {
        _("caller"): str(caller_of(claims)),
        "client_id": claims.get("client_id", "?"),
        _("scopes"): claims.get("scope", ""),
        "token_use": claims.get("token_use", "?"),
        _("expires in"): _("{minutes} min {seconds:02d} s", minutes=minutes, seconds=seconds),
        _("token"): token.redacted,
    }


def token_panel(get_token: Callable[[bool], AccessToken]) -> widgets.VBox:
    """A panel with the current token's summary and a button that forces a refresh."""
    table = widgets.HTML()
    refresh = widgets.Button(description=_("Refresh token"), icon="refresh")

    def render(force: bool) -> None:
        rows = "".join(
            f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(k)}</th>"
            f"<td><code>{html.escape(v)}</code></td></tr>"
            for k, v in token_summary(get_token(force)).items()
        )
        shown_at = html.escape(_("shown at {time}", time=time.strftime("%H:%M:%S")))
        table.value = f"<table>{rows}</table><small>{shown_at}</small>"

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
    "cognito:groups",
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
    # Time stamps as notebook 01 shows them: the number, and the moment it stands for.
    shown = {label: describe_claims(token) for label, token in tokens.items()}
    head = "".join(f"<th>{html.escape(label)}</th>" for label in columns)
    rows = [
        f"<tr><th style='text-align:left'>{html.escape(_('caller'))}</th>"
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
            for claims in shown.values()
        )
        rows.append(f"<tr><th style='text-align:left'>{html.escape(claim)}</th>{cells}</tr>")
    return widgets.HTML(f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table>")


def chat_box(reply: Callable[[str], Iterator[str]]) -> widgets.VBox:
    """A text box and a Send button; the answer streams into the area below.

    The box hands its text to the kernel when Enter is pressed or the box is left (for
    the button, say), not at every key, and that hand-over is what sends the prompt (as
    ipywidgets advises). Reading the box on Enter's own "submit" message raced the keys:
    ipywidgets sends the submit at once but holds back a key's update while an earlier
    one is on its way, so a prompt typed fast was answered cut short.
    """
    prompt = widgets.Text(
        placeholder=_("Ask the support agent…"), layout={"width": "70%"}, continuous_update=False
    )
    send = widgets.Button(description=_("Send"), button_style="primary")
    transcript = widgets.Output(layout={"border": "1px solid #ccc", "padding": "4px"})

    def answer(text: str) -> None:
        text = text.strip()
        if not text:
            return
        prompt.value = ""
        with transcript:
            print(_("you: {prompt}", prompt=text), _("agent: "), sep="\n", end="", flush=True)
            try:
                for chunk in reply(text):
                    print(chunk, end="", flush=True)
            except InvokeError as error:
                if error.status in (401, 403):
                    print(_("[refused: {error}]", error=error), end="")
                else:
                    print(_("[failed: {error}]", error=error), end="")
            except ActionableError as error:  # a token that cannot be had: safe to show
                print(f"[{error}]", end="")
            print("\n")

    prompt.observe(lambda change: answer(str(change["new"])), names="value")
    # Clicking the button leaves the box, which sends what it holds; a box already sent
    # is empty, so the click itself finds nothing more to send.
    send.on_click(lambda _button: answer(prompt.value))
    return widgets.VBox([widgets.HBox([prompt, send]), transcript])


class DeployProgress:
    """A live view of a deploy: a status line and the log of its progress messages."""

    def __init__(self, title: str) -> None:
        self.status = widgets.HTML(
            _("{title}: starting…", title="<b>" + html.escape(title) + "</b>")
        )
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
        title = f"<b>{html.escape(self._title)}</b>"
        seconds = f"{elapsed:.1f}"
        if ok:
            self.status.value = _("{title}: done in {seconds} s", title=title, seconds=seconds)
        else:
            self.status.value = _(
                "{title}: FAILED (see the log below) in {seconds} s", title=title, seconds=seconds
            )
