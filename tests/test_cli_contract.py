"""The kit says what the real ``agentcore`` CLI 0.30.0 says, on the corpus in cli_corpus.py.

Two halves, both over every case:

- the kit against the recordings (always): ``validate`` lists exactly the CLI's problems,
  at the CLI's paths, in its words and order, plus exactly the workshop's own checks the
  case names; ``add`` and ``remove`` exit as the CLI does, print what it prints, and
  leave a byte-identical ``agentcore.json`` where it accepts (and the file untouched
  where it refuses);
- the recordings against the real CLI (when it is installed, as ``make test`` does where
  npm is available): the installed CLI still prints exactly what was recorded, so a
  recording can never drift from the program it stands for. Its runs start in the
  background when the tests are collected and these comparisons run last
  (``tests/real_cli.py``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from helpers.model import commands
from helpers.model.config import CONFIG_PATH
from helpers.model.validation import validate_project
from tests.cli_corpus import (
    CASES,
    FIXTURES,
    PROJECT_MARK,
    USAGE,
    USAGE_RECORDINGS,
    Case,
    RealRuns,
    build,
    cli_problems,
    input_digest,
    recordings,
)

RECORDED = recordings()
USAGE_RECORDED: dict[str, dict[str, Any]] = json.loads(USAGE_RECORDINGS.read_text())
# Node 22 adds "(line L column C)" to a JSON.parse position; Node 20, which recorded, does not.
_LINE_COLUMN = re.compile(r" \(line \d+ column \d+\)")


def _same_words(text: str) -> str:
    return _LINE_COLUMN.sub("", text)


def test_the_corpus_is_recorded_whole() -> None:
    assert len(CASES) >= 60
    assert sorted(RECORDED) == sorted(case.name for case in CASES)
    for case in CASES:
        assert RECORDED[case.name]["argv"] == list(case.argv), case.name
        # A case whose project changed since it was recorded must be recorded again.
        assert RECORDED[case.name]["input"] == input_digest(case), case.name


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_the_kit_agrees_with_the_cli(case: Case, tmp_path: Path) -> None:
    recorded = RECORDED[case.name]
    project = build(case, tmp_path)
    if case.argv[0] == "validate":
        _agrees_on_validate(case, project, recorded)
    else:
        _agrees_on_command(case, project, recorded)


def _earlier_recordings() -> list[list[str]]:
    rows = (FIXTURES / "validate" / "RESULTS.tsv").read_text().splitlines()
    return [row.split("\t") for row in rows if row.strip()]


@pytest.mark.parametrize(
    ("name", "exit_code", "printed"), _earlier_recordings(), ids=lambda value: str(value)[:30]
)
def test_the_kit_agrees_with_the_earlier_recordings(
    tmp_path: Path, name: str, exit_code: str, printed: str
) -> None:
    """Six files recorded by hand with the same CLI before the corpus existed."""
    case = next(case for case in CASES if case.name == "valid-after-secure-gateway")
    project = build(case, tmp_path)
    (project / CONFIG_PATH).write_text((FIXTURES / "validate" / f"{name}.json").read_text())
    result = validate_project(project)
    # The recording cut the file's path off and joined the wrapped lines with spaces.
    said = " ".join(re.sub(r"^agentcore/agentcore\.json:\s+- ", "", printed).split())
    lines = [" ".join(_same_words(issue.line).split()) for issue in result.issues]
    assert lines == ([] if said == "Valid" else [said])
    assert result.ok == (exit_code == "0")


def _agrees_on_validate(case: Case, project: Path, recorded: dict[str, Any]) -> None:
    result = validate_project(project)
    assert recorded["stderr"] == ""
    said = list(cli_problems(recorded["stdout"]))
    cli_rules = [issue for issue in result.issues if not issue.kit_only]
    assert [_same_words(issue.line) for issue in cli_rules] == [
        _same_words(line) for _, line in said
    ]
    for issue, (file, _) in zip(cli_rules, said, strict=True):
        assert file in ("", issue.file), (file, issue)
    assert [issue.line for issue in result.issues if issue.kit_only] == list(case.kit_only)
    assert (recorded["exit"] == 0) == (not cli_rules)
    assert all(issue.fix.endswith(".") for issue in result.issues)


def _agrees_on_command(case: Case, project: Path, recorded: dict[str, Any]) -> None:
    before = (project / CONFIG_PATH).read_text(encoding="utf-8")
    outcome = _run_kit(project, case.argv)
    printed = (recorded["stdout"] + recorded["stderr"]).strip()
    output = outcome.output.replace(str(project.resolve()), PROJECT_MARK)
    assert _same_words(output) == _same_words(printed)
    assert outcome.ok == (recorded["exit"] == 0)
    after = (project / CONFIG_PATH).read_text(encoding="utf-8")
    assert after == (recorded["agentcore.json"] or before)


def _run_kit(project: Path, argv: tuple[str, ...]) -> commands.Outcome:
    """The corpus's command line, carried out by the kit's commands."""
    verb, flags = argv[:2], dict(zip(argv[2::2], argv[3::2], strict=False))
    if verb == ("add", "gateway"):
        return commands.add_gateway(
            project,
            name=flags["--name"],
            authorizer_type=flags.get("--authorizer-type", "NONE"),
            discovery_url=flags.get("--discovery-url"),
            allowed_clients=[flags.get("--allowed-clients", "")],
            allowed_audience=[flags.get("--allowed-audience", "")],
            allowed_scopes=[flags.get("--allowed-scopes", "")],
        )
    if verb == ("add", "gateway-target"):
        assert flags["--type"] == "lambda-function-arn"
        return commands.add_gateway_target(
            project,
            gateway=flags["--gateway"],
            name=flags["--name"],
            lambda_arn=flags["--lambda-arn"],
            tool_schema_file=flags["--tool-schema-file"],
        )
    if verb == ("remove", "gateway"):
        return commands.remove_gateway(project, flags["--name"])
    assert argv == ("remove", "all", "-y"), argv
    return commands.remove_all(project)


@pytest.mark.real_cli
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_the_recording_is_what_the_cli_says(case: Case, real_cli: RealRuns) -> None:
    assert _as_recorded(real_cli.result(case.name)) == _as_recorded(RECORDED[case.name])


@pytest.mark.real_cli
@pytest.mark.parametrize("argv", USAGE, ids=" ".join)
def test_the_usage_recording_is_what_the_cli_says(
    argv: tuple[str, ...], real_cli: RealRuns
) -> None:
    assert real_cli.result(" ".join(argv)) == USAGE_RECORDED[" ".join(argv)]


def _as_recorded(run: dict[str, Any]) -> dict[str, Any]:
    """A run with Node's JSON error positions in Node 20's words, which recorded them."""
    return {
        key: _same_words(value) if key in ("stdout", "stderr") else value
        for key, value in run.items()
    }
