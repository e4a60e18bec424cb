"""The message catalogs: every sentence we write for a person exists in every language.

The messages are extracted from the sources as ``make messages`` does (``babel.cfg``),
so a new ``_("…")`` without its Chinese translation fails here, as does a fuzzy or
empty one, or one whose ``{placeholders}`` differ from the English. The language is
chosen as the module ``helpers.basics.i18n`` says, and the POSIX locale plays no part.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import string
import subprocess
import warnings
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from helpers.basics import i18n
from helpers.basics.i18n import _, use_language
from helpers.emulator import cli
from helpers.emulator.core import serving
from helpers.kit import command_line
from helpers.kit.errors import CommandLineError
from helpers.kit.observability import views
from helpers.model import validation
from helpers.tooling import messages
from helpers.wire import refusal_reasons
from helpers.wire.callers import Caller
from helpers.wire.interactions import Step, ToolCall, TraceInteraction
from tests.support import REPO_ROOT

_FORMAT_FIELD = re.compile(r"%\((\w+)\)")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _catalog(language: str) -> Catalog:
    with i18n.catalog_file(language).open("rb") as po:
        return read_po(po)


@pytest.fixture(scope="module")
def template() -> Catalog:
    return messages.template()


def _messages(catalog: Catalog) -> dict[str, Message]:
    return {str(message.id): message for message in catalog if message.id}


def _fields(text: str) -> set[str]:
    """The ``{name}`` fields str.format fills (with their conversions and specs) and %(name)s."""
    try:
        parsed = {
            f"{name}!{conversion or ''}:{spec or ''}"
            for _text, name, spec, conversion in string.Formatter().parse(text)
            if name and name.isidentifier()  # JSON in a hint, like {"discoveryUrl": ...}, is text
        }
    except ValueError:  # a lone brace in a message that is never formatted
        parsed = set()
    return parsed | set(_FORMAT_FIELD.findall(text))


@pytest.mark.parametrize("language", list(i18n.CATALOG_LOCALES))
def test_every_message_of_the_sources_has_a_translation(language: str, template: Catalog) -> None:
    translated = _messages(_catalog(language))
    extracted = set(_messages(template))
    missing = sorted(extracted - set(translated))
    assert not missing, f"not in the {language} catalog (run `make messages`): {missing}"
    stale = sorted(set(translated) - extracted)
    assert not stale, f"in the {language} catalog but in no source (run `make messages`): {stale}"
    untranslated = [i for i, message in translated.items() if not message.string]
    assert not untranslated, f"untranslated in {language}: {untranslated}"
    fuzzy = [i for i, message in translated.items() if message.fuzzy]
    assert not fuzzy, f"fuzzy in {language} (check the translation, drop the flag): {fuzzy}"
    copied = [i for i, message in translated.items() if message.string == i]
    assert not copied, f"copied, not translated, in {language}: {copied}"


@pytest.mark.parametrize("language", list(i18n.CATALOG_LOCALES))
def test_every_translation_keeps_the_placeholders(language: str) -> None:
    wrong = {
        str(message.id): (sorted(_fields(str(message.id))), sorted(_fields(str(message.string))))
        for message in _catalog(language)
        if message.id and _fields(str(message.id)) != _fields(str(message.string))
    }
    assert not wrong, f"placeholders differ (English, {language}): {wrong}"


@pytest.mark.parametrize("language", list(i18n.CATALOG_LOCALES))
def test_every_translation_formats_as_its_message_does(language: str) -> None:
    """Each message as ``_`` shows it, with values for its fields, in the language."""
    with use_language(language):
        for message in _catalog(language):
            names = {field.split("!")[0] for field in _fields(str(message.id))}
            if not message.id or not names:
                continue
            shown = _(str(message.id), **dict.fromkeys(names, 7))
            assert shown == str(message.string).format(**dict.fromkeys(names, 7))


def test_the_placeholder_check_tells_a_changed_field_apart() -> None:
    assert _fields("{name} is {count:.0f} s") == _fields("{name}：{count:.0f} 秒")
    assert _fields("{name} is {count:.0f} s") != _fields("{名称}：{count} 秒")
    assert _fields("{{ ... }} of {key}") == {"key!:"}


def test_the_language_comes_from_the_edition_then_workshop_lang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chinese = tmp_path / "notebooks" / "zh-CN"
    chinese.mkdir(parents=True)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")  # the POSIX locale decides nothing
    monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")
    monkeypatch.delenv(i18n.LANGUAGE_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert i18n.language() == "en"
    monkeypatch.setenv(i18n.LANGUAGE_ENV, "zh_CN")
    assert i18n.language() == "zh-CN"
    assert _("token expired") == "令牌已过期"
    monkeypatch.chdir(tmp_path / "notebooks")  # the English edition, whatever the lab says
    assert i18n.language() == "en"
    assert _("token expired") == "token expired"
    monkeypatch.setenv(i18n.LANGUAGE_ENV, "en")
    monkeypatch.chdir(chinese)  # the Chinese edition, whatever the lab says
    assert i18n.language() == "zh-CN"
    with use_language("en-US,en;q=0.9"):  # a request's Accept-Language wins
        assert i18n.language() == "en"
    monkeypatch.setenv(i18n.LANGUAGE_ENV, "fr")
    monkeypatch.chdir(tmp_path)
    assert i18n.language() == "en"  # a language without an edition: English, as gettext does


@pytest.mark.parametrize("template", refusal_reasons.REASONS)
def test_every_refusal_reason_is_explained_in_the_learners_language(template: str) -> None:
    names = {field[1] for field in string.Formatter().parse(template) if field[1]}
    said = refusal_reasons.reason(template, **dict.fromkeys(names, "'RS512'"))
    wire = refusal_reasons.UNAUTHORIZED_PREFIX + said
    assert refusal_reasons.explain(wire) == wire  # English: what the wire says
    with use_language("zh-CN"):
        explained = refusal_reasons.explain(wire)
    assert explained.startswith("Unauthorized: ")  # AWS's word stays as AWS says it
    assert _CJK.search(explained) and said not in explained, explained


@pytest.mark.parametrize("template", refusal_reasons.RUNTIME_ANSWERS)
def test_every_answer_of_the_runtime_is_explained_in_the_learners_language(template: str) -> None:
    names = {field[1] for field in string.Formatter().parse(template) if field[1]}
    wire = refusal_reasons.reason(template, **dict.fromkeys(names, "CustomerSupport"))
    assert refusal_reasons.explain(wire) == wire  # English: what the wire says
    with use_language("zh-CN"):
        explained = refusal_reasons.explain(wire)
    assert _CJK.search(explained) and explained != wire, explained
    assert "CustomerSupport" in explained or not names  # the values it named stay


def test_who_called_is_named_in_the_learners_language() -> None:
    """A caller is data (its kind and name) until shown; the words around the name translate."""
    alice, machine = Caller("user", "alice"), Caller("machine", "3fa85f64")
    assert (str(alice), str(machine)) == ("user alice", "machine (client 3fa85f64)")
    with use_language("zh-CN"):
        assert (str(alice), str(machine)) == ("用户 alice", "机器（客户端 3fa85f64）")


def test_a_message_the_stack_did_not_write_is_shown_as_it_came() -> None:
    quoted = "Authorization method mismatch. The agent is configured for a different method."
    with use_language("zh-CN"):
        assert refusal_reasons.explain(quoted) == quoted


def _interaction(prompt: str) -> TraceInteraction:
    started = datetime(2026, 1, 1, tzinfo=UTC)
    tool = "WarrantyCheck___check_warranty_status"
    steps = [
        Step("runtime.invoke", "runtime", 0.0, 40.0, "OK", "runtime", 0),
        Step(f"execute_tool {tool}", "tool", 5.0, 20.0, "OK", "agent", 1),
    ]
    return TraceInteraction(
        "t" * 32, "s", started, 40.0, prompt, [ToolCall(tool, "OK", 20.0)], steps, True
    )


def test_charts_never_draw_a_missing_glyph_in_chinese() -> None:
    """matplotlib has no CJK font to rely on: its charts keep English, the HTML goes Chinese."""
    with use_language("zh-CN"), warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" is a UserWarning
        for prompt in ("Check the warranty for PROD-001", "我的保修什么时候到期？"):
            figure = views.waterfall(_interaction(prompt))
            figure.canvas.draw()
        timing = views.caller_timings([_Timing("这款 USB-C 集线器怎么样？")])
        timing.canvas.draw()
        table = views.html_table([_interaction("Check the warranty for PROD-001")])
    assert "耗时" in table and "工具" in table


class _Timing:
    def __init__(self, prompt: str) -> None:
        self.prompt = prompt
        self.total_ms = 120.0
        self.first_chunk_ms = 30.0


def test_agentcore_local_speaks_workshop_lang_and_quotes_the_real_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(i18n.LANGUAGE_ENV, "zh-CN")
    project = tmp_path / "project"
    (project / "agentcore").mkdir(parents=True)
    fixture = REPO_ROOT / "tests/fixtures/agentcore-cli/validate/discovery_http.json"
    (project / "agentcore" / "agentcore.json").write_text(fixture.read_text())
    monkeypatch.chdir(project)
    assert cli.main(["--home", str(tmp_path / "stack"), "status"]) == 1
    assert "本地堆栈未在运行" in capsys.readouterr().out
    assert cli.main(["validate"]) == 1
    said = capsys.readouterr().out
    assert "OIDC discovery URL must use HTTPS" in said  # the real CLI's words, as it says them
    assert "修复方法：URL 必须以 https:// 开头" in said  # our fix, in the learner's language


def test_validate_quotes_the_cli_and_says_the_workshops_own_checks_in_chinese() -> None:
    """The CLI's problems stay in its words; every fix and every workshop check is Chinese."""
    fixture = REPO_ROOT / "tests/fixtures/agentcore-cli/02_after_runtime_authorizer.agentcore.json"
    config = json.loads(fixture.read_text())
    runtime = config["runtimes"][0]
    runtime["requestHeaderAllowlist"] = ["Authorization", "Accept", "authorization", "x-amz-date"]
    jwt = runtime["authorizerConfiguration"]["customJwtAuthorizer"]
    jwt["allowedClients"] = ["<COGNITO_CLIENT_ID value>"]
    config["credentials"] = [{"name": "notes"}]
    with use_language("zh-CN"):
        issues = validation.validate_config(config)
    quoted = [issue for issue in issues if not issue.kit_only]
    assert [issue.message for issue in quoted] == [
        'Header "x-amz-date" is not allowed. Headers starting with "x-amz-" are reserved for '
        "AWS request signing."
    ]
    ours = [issue.message for issue in issues if issue.kit_only]
    assert len(ours) == 4 and all(_CJK.search(message) for message in ours), ours
    assert "研讨会工具包不支持凭证" in ours  # the resource kind is named in Chinese too
    assert all(_CJK.search(issue.fix) for issue in issues), [issue.fix for issue in issues]


def test_a_taken_port_is_named_with_the_way_out_in_the_learners_language() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with use_language("zh-CN"), pytest.raises(serving.PartStartError) as refused:
            serving.bind("issuer", port)
    said = str(refused.value)
    assert "issuer" in said and f"127.0.0.1:{port}" in said and "AGENTCORE_LOCAL_PORT_BASE" in said
    assert _CJK.search(said), said


MISTYPED = {
    "agentcore remove gateway -y": "the following arguments are required",
    "agentcore remove gateway --name": "expected one argument",
    "agentcore validate x": "unrecognized arguments",
}


@pytest.mark.parametrize(("line", "english"), MISTYPED.items())
def test_a_mistyped_command_is_answered_in_the_learners_language(line: str, english: str) -> None:
    """argparse speaks English only: what the workshop's parser raises is translated."""
    with pytest.raises(CommandLineError) as mistyped:
        command_line.parse(line, {})
    assert english in str(mistyped.value)
    with use_language("zh-CN"), pytest.raises(CommandLineError) as mistyped:
        command_line.parse(line, {})
    first = str(mistyped.value).splitlines()[0]
    assert _CJK.search(first) and english not in first, first


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize(
    ("arguments", "edition"),
    [
        ([], "notebooks/00_setup.ipynb"),
        (["WORKSHOP_LANG=zh-CN"], "notebooks/zh-CN/00_setup.ipynb"),
        (["LANG=zh-CN"], "notebooks/zh-CN/00_setup.ipynb"),  # the spelling people try first
        (["LANG=zh_CN.UTF-8"], "notebooks/zh-CN/00_setup.ipynb"),
        (["LANG=zh-CN", "WORKSHOP_LANG=en"], "notebooks/00_setup.ipynb"),
    ],
)
def test_make_lab_opens_the_edition_asked_for(arguments: list[str], edition: str) -> None:
    """``make -n lab``: what the lab would start, run by nothing."""
    shown = subprocess.run(
        ["make", "-n", "lab", *arguments],
        cwd=REPO_ROOT,
        env={"PATH": os.environ["PATH"], "LANG": "C.UTF-8"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"--LabApp.default_url=/lab/tree/{edition}" in shown
    language = "zh-CN" if "zh-CN" in edition else "en"
    assert f"WORKSHOP_LANG={language} " in shown


# The kit's modules that may raise Python's own exceptions, and why no learner meets them.
_BUILTIN_RAISES_ALLOWED = {
    "helpers/kit/calling/load.py": "the benchmark's argument guards; no notebook loads",
    "helpers/kit/behaviour_probe.py": "runs in the probe's child; failures become report facts",
    "helpers/kit/progress.py": "a damaged record is caught where it is read, never shown",
}


def _learner_errors() -> list[str]:
    """Every ``raise`` in the notebook kit that a learner could meet untyped or in English:
    a built-in exception, or an actionable one given a string literal instead of ``_()``."""
    import ast
    import builtins
    import importlib

    from helpers.basics.errors import ActionableError

    found = []
    for path in sorted((REPO_ROOT / "helpers" / "kit").rglob("*.py")):
        relative = path.relative_to(REPO_ROOT).as_posix()
        module = importlib.import_module(relative.removesuffix(".py").replace("/", "."))
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            called = node.exc.func
            if not isinstance(called, ast.Name):
                continue
            kind = getattr(module, called.id, getattr(builtins, called.id, None))
            where = f"{relative}:{node.lineno} {called.id}"
            if not isinstance(kind, type) or not issubclass(kind, BaseException):
                continue
            if not issubclass(kind, ActionableError):
                if relative not in _BUILTIN_RAISES_ALLOWED:
                    found.append(f"{where}: not an ActionableError")
                continue
            message = node.exc.args[0] if node.exc.args else None
            # An f-string may join translated parts ("{a}: {b}"); English words may not.
            words = (
                message.value
                if isinstance(message, ast.Constant)
                else "".join(
                    str(part.value) for part in message.values if isinstance(part, ast.Constant)
                )
                if isinstance(message, ast.JoinedStr)
                else ""
            )
            if isinstance(words, str) and re.search(r"[A-Za-z]", words):
                found.append(f"{where}: its message is not translated (use _())")
    return found


def test_every_error_a_learner_can_meet_is_actionable_and_translated() -> None:
    assert not _learner_errors()
