"""Notebook views of interactions: an HTML table, a waterfall plot, and a browser widget.

Each view is a plain function of :class:`~helpers.wire.interactions.TraceInteraction`
values, so it shows the local stack's traces and CloudWatch's alike.
"""

from __future__ import annotations

import functools
import html
import textwrap
from collections.abc import Sequence
from typing import Protocol

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import HTML, display
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.patches import Patch

from helpers.basics.i18n import _
from helpers.wire.interactions import Step, StepKind, ToolCall, TraceInteraction

KIND_COLOURS: dict[StepKind, str] = {
    "runtime": "#4c72b0",
    "agent": "#8172b3",
    "memory": "#937860",
    "model": "#dd8452",
    "tool": "#55a868",
    "gateway": "#c44e52",
    "lambda": "#da8bc3",
    "other": "#8c8c8c",
}
_PROMPT_CHARS = 100
_LABEL_CHARS = 64
_WRAP_CHARS = 30
# A wait before the agent shorter than this share of the interaction gets no row of its own.
_GAP_SHOWN = 0.05
# The status of that row: not a span's (UNSET, OK, ERROR), so it is drawn apart.
_GAP = "GAP"
_GAP_COLOUR = "#d9d9d9"
_HATCHES = {"ERROR": "//", _GAP: ".."}


class CallerTiming(Protocol):
    """What :func:`caller_timings` needs of an interaction (``traffic.Interaction`` has it)."""

    @property
    def prompt(self) -> str: ...
    @property
    def total_ms(self) -> float: ...
    @property
    def first_chunk_ms(self) -> float | None: ...


def format_ms(duration_ms: float) -> str:
    """A duration for people: ``0.4 ms``, ``12 ms``, ``1,204 ms``."""
    return f"{duration_ms:.1f} ms" if duration_ms < 10 else f"{duration_ms:,.0f} ms"


def html_table(interactions: Sequence[TraceInteraction]) -> str:
    """One row per interaction: time, who called (a user or a machine, where the trace
    says), prompt, duration, and tools (name ✓/✗ duration)."""
    return _table(interactions, first_number=1)


def waterfall(interaction: TraceInteraction, ax: Axes | None = None) -> Figure:
    """A bar per step, offset by its start and coloured by kind; returns the figure.

    Drawn into ``ax`` when given. Otherwise a new figure is made and released from
    pyplot, so a notebook shows it once, as the cell's value, not twice.
    """
    steps = _with_the_entrypoint(interaction)
    if ax is None:
        figure, ax = plt.subplots(figsize=(10, 1.2 + 0.32 * max(len(steps), 1)))
        plt.close(figure)
    rows = range(len(steps))
    ax.barh(
        rows,
        # A span shorter than a pixel still gets a visible sliver.
        [max(step.duration_ms, interaction.duration_ms / 500) for step in steps],
        left=[step.start_ms for step in steps],
        color=[_GAP_COLOUR if step.status == _GAP else KIND_COLOURS[step.kind] for step in steps],
        edgecolor=["black" if step.status == "ERROR" else "none" for step in steps],
        hatch=[_HATCHES.get(step.status, "") for step in steps],
    )
    for row, step in zip(rows, steps, strict=True):
        ax.annotate(
            format_ms(step.duration_ms),
            (step.start_ms + step.duration_ms, row),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    labels = [_drawn(_shorten("  " * s.depth + s.name, _LABEL_CHARS), s.kind) for s in steps]
    ax.set_yticks(list(rows), labels)
    ax.invert_yaxis()  # the first step on top, as in every trace viewer
    ax.set_xlim(0, max(interaction.duration_ms, 1) * 1.15)
    ax.set_xlabel("ms since the interaction started")
    untitled = f"trace {interaction.trace_id}"
    title = _one_line(interaction.prompt) if interaction.prompt else untitled
    ax.set_title(_drawn(_shorten(title, 80), untitled), fontsize=10)
    kinds = dict.fromkeys(step.kind for step in steps)
    # Outside the plot, to its right: inside it would cover the last bars.
    ax.legend(
        handles=[Patch(color=KIND_COLOURS[kind], label=kind) for kind in kinds],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0.0,
        fontsize=8,
    )
    drawn_on = ax.get_figure(root=True)
    assert drawn_on is not None  # an Axes always belongs to a figure
    drawn_on.tight_layout()
    return drawn_on


def _with_the_entrypoint(interaction: TraceInteraction) -> list[Step]:
    """The steps, with the time between the Runtime's start and the agent's as a row.

    No span covers it: the request reaches the agent's process and the learner's
    entrypoint builds the agent (a session's first request connects its MCP clients and
    restores its memory, whose calls are rows of their own). Unlabelled, it reads as a
    hole in the trace; a row names it, drawn hatched: it is the gap, not a span.
    """
    steps = list(interaction.steps)
    runtime = next((s for s in steps if s.kind == "runtime"), None)
    agent = next((s for s in steps if s.kind == "agent"), None)
    if runtime is None or agent is None:
        return steps
    gap = agent.start_ms - runtime.start_ms
    if gap < interaction.duration_ms * _GAP_SHOWN:
        return steps
    entrypoint = Step(
        name=_("(before the agent: your entrypoint builds it)"),
        kind="other",
        start_ms=runtime.start_ms,
        duration_ms=gap,
        status=_GAP,
        service="",
        depth=runtime.depth + 1,
    )
    return [*steps[: steps.index(runtime) + 1], entrypoint, *steps[steps.index(runtime) + 1 :]]


def caller_timings(interactions: Sequence[CallerTiming]) -> Figure:
    """Each prompt's time to first chunk and to the whole answer, as the caller saw them.

    Prompts are wrapped on word boundaries, never cut, so every label reads whole.
    """
    figure, ax = plt.subplots(figsize=(9, 0.9 + 0.55 * max(len(interactions), 1)))
    plt.close(figure)
    labels = [
        _drawn(textwrap.fill(_one_line(i.prompt), _WRAP_CHARS), f"prompt {number}")
        for number, i in enumerate(interactions, start=1)
    ]
    rows = range(len(interactions))
    ax.barh(rows, [i.total_ms for i in interactions], label="whole answer", color="#4c72b0")
    ax.barh(
        rows, [i.first_chunk_ms or 0 for i in interactions], label="first chunk", color="#dd8452"
    )
    ax.set_yticks(list(rows), labels, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("milliseconds, as the caller sees them")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=8)
    figure.tight_layout()
    return figure


def browser(interactions: Sequence[TraceInteraction]) -> widgets.Widget:
    """Pick an interaction; see its table row, its tool calls and its waterfall."""
    if not interactions:
        return widgets.HTML(_italic(_("No interactions recorded for this session yet.")))
    choice = widgets.Dropdown(
        options=[(_option_label(n, i), n) for n, i in enumerate(interactions)],
        description=_("Interaction"),
        layout={"width": "80%"},
    )
    shown = widgets.Output()

    def show(index: int) -> None:
        interaction = interactions[index]
        shown.clear_output(wait=True)
        with shown:
            display(HTML(_table([interaction], first_number=index + 1)))
            display(HTML(_tool_calls(interaction)))
            display(waterfall(interaction))

    choice.observe(lambda change: show(change["new"]), names="value")
    show(0)
    return widgets.VBox([choice, shown])


def _table(interactions: Sequence[TraceInteraction], first_number: int) -> str:
    rows = "".join(
        "<tr>"
        f"<td>{number}</td>"
        f"<td>{interaction.started_at.astimezone():%H:%M:%S}</td>"
        f"<td>{html.escape(str(interaction.caller or '—'))}</td>"
        f"<td style='text-align:left'>{_prompt_cell(interaction)}</td>"
        f"<td>{_duration_cell(interaction)}</td>"
        f"<td style='text-align:left'>{_tools_cell(interaction)}</td>"
        "</tr>"
        for number, interaction in enumerate(interactions, start=first_number)
    )
    head = "".join(
        f"<th>{html.escape(name)}</th>"
        for name in ("#", _("time"), _("caller"), _("prompt"), _("duration"), _("tools"))
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _prompt_cell(interaction: TraceInteraction) -> str:
    if interaction.refused:
        return _italic(_("refused by the Runtime before the agent ran"))
    if interaction.prompt is None:
        return _italic(_("(not recorded)") if interaction.complete else _("(still arriving)"))
    return html.escape(_shorten(_one_line(interaction.prompt), _PROMPT_CHARS))


def _duration_cell(interaction: TraceInteraction) -> str:
    duration = format_ms(interaction.duration_ms)
    return duration if interaction.complete else _("{duration} (incomplete)", duration=duration)


def _tools_cell(interaction: TraceInteraction) -> str:
    if not interaction.tools:
        return "—"
    return "<br>".join(
        f"<code>{html.escape(tool.name)}</code> {_mark(tool)} {format_ms(tool.duration_ms)}"
        for tool in interaction.tools
    )


def _mark(tool: ToolCall) -> str:
    return "✓" if tool.ok else "✗"


def _tool_calls(interaction: TraceInteraction) -> str:
    if not interaction.tools:
        return "<p>" + _italic(_("No tool calls in this interaction.")) + "</p>"
    rows = "".join(
        f"<tr><td><code>{html.escape(tool.name)}</code></td>"
        f"<td>{_mark(tool)} {html.escape(tool.status)}</td>"
        f"<td>{format_ms(tool.duration_ms)}</td></tr>"
        for tool in interaction.tools
    )
    head = "".join(
        f"<th>{html.escape(name)}</th>" for name in (_("tool"), _("status"), _("duration"))
    )
    return f"<table><thead><tr>{head}</tr></thead>{rows}</table>"


def _option_label(index: int, interaction: TraceInteraction) -> str:
    prompt = _shorten(_one_line(interaction.prompt or interaction.trace_id), 60)
    return f"{index + 1}. {interaction.started_at.astimezone():%H:%M:%S}  {prompt}"


def _drawn(text: str, instead: str) -> str:
    """``text`` if the charts' font can draw every character of it, else ``instead``.

    The charts are drawn by matplotlib, whose bundled font has no CJK glyphs, and no CJK
    font can be relied on on a learner's machine: their own text is English, and a
    prompt typed in Chinese is named (``prompt 2``) rather than drawn as empty boxes.
    The tables, in HTML, show every language.
    """
    glyphs = _glyphs()
    return text if all(ord(char) in glyphs or char.isspace() for char in text) else instead


@functools.cache
def _glyphs() -> frozenset[int]:
    """The characters the charts' default font has glyphs for."""
    path = font_manager.findfont(font_manager.FontProperties(family=plt.rcParams["font.family"]))
    return frozenset(FT2Font(path).get_charmap())


def _italic(text: str) -> str:
    return f"<i>{html.escape(text)}</i>"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _shorten(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut between words (one long word is cut)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut.strip() else cut).rstrip(" ,;:") + "…"
