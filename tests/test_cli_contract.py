"""The kit says what the real ``agentcore`` CLI 0.30.0 says, on the corpus in cli_corpus.py.

Two halves:

- the kit against the recordings (always, every case, well under a second): ``validate``
  lists exactly the CLI's problems, at the CLI's paths, in its words and order, plus
  exactly the workshop's own checks the case names; ``add`` and ``remove`` exit as the
  CLI does, print what it prints, and leave a byte-identical ``agentcore.json`` where it
  accepts (and the file untouched where it refuses);
- the recordings against the real CLI (installed by the suite where npm is available):
  each recording is stamped with the CLI version that made it and the case's
  fingerprint, and the real CLI runs live wherever a recording is stale (missing, made
  from other inputs or by another version: that comparison fails, saying why and how to
  record it again), on a small rotating sample otherwise (``--real-cli-all`` for all):
  the installed CLI still prints exactly what was recorded, so a recording cannot drift
  from the program it stands for. Its runs start in the background when the tests are
  collected and these comparisons run last (``tests/real_cli.py``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from helpers.model import commands
from helpers.model.config import CONFIG_PATH
from helpers.model.validation import validate_project
from helpers.tooling import agentcore_cli
from tests.cli_corpus import (
    CASES,
    FIXTURES,
    LIVE_SAMPLE_SIZE,
    PROJECT_MARK,
    USAGE,
    USAGE_GROUP,
    Case,
    RealRuns,
    build,
    cli_problems,
    command,
    input_digest,
    live_sample,
    made_from,
    record_command,
    recordings,
    sample_groups,
    sample_quotas,
    stale_recordings,
    staleness,
    usage_recordings,
    usage_staleness,
)

RECORDED = recordings()
USAGE_RECORDED = usage_recordings()
# What the CLI answered, apart from the stamps (the fingerprint and the version).
ANSWER = ("exit", "stdout", "stderr", "agentcore.json")
# Node 22 adds "(line L column C)" to a JSON.parse position; Node 20, which recorded, does not.
_LINE_COLUMN = re.compile(r" \(line \d+ column \d+\)")


def _same_words(text: str) -> str:
    return _LINE_COLUMN.sub("", text)


def test_the_corpus_is_recorded_whole_by_the_pinned_cli() -> None:
    """Where the real CLI cannot run, a stale recording still fails here."""
    assert len(CASES) >= 60
    assert set(RECORDED) <= {case.name for case in CASES}, (
        "recordings of cases no longer in the corpus: " + record_command()
    )
    stale = stale_recordings()
    assert not stale, (
        f"{len(stale)} recordings do not stand for CLI {agentcore_cli.VERSION} on the corpus "
        f"as it is (the real CLI runs them live until they are recorded again: "
        f"{record_command()}):\n" + "\n".join(f"- {name}: {why}" for name, why in stale.items())
    )


def _recorded(case: Case) -> dict[str, Any]:
    """The case's recording, if it was made from the case as it is (by any CLI version:
    another version's answer is still the CLI's, and the kit is held to it meanwhile)."""
    recorded = RECORDED.get(case.name)
    if recorded is None or not made_from(case, recorded):
        why = staleness(case, RECORDED)
        pytest.fail(f"{case.name}: {why}; record it: {record_command(case.name)}")
    return recorded


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_the_kit_agrees_with_the_cli(case: Case, tmp_path: Path) -> None:
    recorded = _recorded(case)
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
    run = _as_recorded(real_cli.result(case.name))
    why = staleness(case, RECORDED)
    if why is None:
        assert run == _as_recorded(RECORDED[case.name])
    else:
        _stale(case.name, why, run, RECORDED.get(case.name), record_command(case.name))


@pytest.mark.real_cli
@pytest.mark.parametrize("argv", USAGE, ids=" ".join)
def test_the_usage_recording_is_what_the_cli_says(
    argv: tuple[str, ...], real_cli: RealRuns
) -> None:
    run = real_cli.result(" ".join(argv))
    why = usage_staleness(argv, USAGE_RECORDED)
    if why is None:
        assert run == USAGE_RECORDED[" ".join(argv)]
    else:
        _stale(" ".join(argv), why, run, USAGE_RECORDED.get(" ".join(argv)), record_command())


def _stale(
    name: str, why: str, run: dict[str, Any], recorded: dict[str, Any] | None, record: str
) -> None:
    """A stale recording fails, once the live run shows what the CLI answers now."""
    said = f"{name}: {why}, so the real CLI {agentcore_cli.VERSION} ran it live"
    if recorded is not None:
        answer = {key: run.get(key) for key in ANSWER}  # usage leaves no agentcore.json
        assert answer == _as_recorded({key: recorded.get(key) for key in ANSWER}), (
            f"{said}, and it answers otherwise than recorded; record it again: {record}"
        )
    pytest.fail(f"{said}, and it answers as recorded; record it again: {record}")


def _as_recorded(run: dict[str, Any]) -> dict[str, Any]:
    """A run with Node's JSON error positions in Node 20's words, which recorded them."""
    return {
        key: _same_words(value) if key in ("stdout", "stderr") else value
        for key, value in run.items()
    }


def test_the_live_sample_is_small_and_goes_round_every_command_and_case() -> None:
    groups = sample_groups()
    command_of = {name: group for group, names in groups.items() for name in names}
    quotas = sample_quotas(groups)
    # Every command, every time: each group's window, at most the budget.
    assert len(groups) <= LIVE_SAMPLE_SIZE <= 10
    assert set(groups) == {command(case) for case in CASES} | {USAGE_GROUP}
    for seed in (0, 1, 20_000, 20_794):
        sample = live_sample(seed)
        assert sample == live_sample(seed)  # a seed names one sample
        assert len(sample) == len(set(sample)) == LIVE_SAMPLE_SIZE
        assert {command_of[name] for name in sample} == set(groups)
    # The days go round each command's cases in its own number of runs.
    longest = max(-(-len(names) // quotas[group]) for group, names in groups.items())
    assert longest <= 60
    seen = {name for seed in range(20_000, 20_000 + longest) for name in live_sample(seed)}
    assert seen == set(command_of)


def test_a_recording_is_stale_when_missing_made_from_other_inputs_or_by_another_version() -> None:
    case = CASES[0]
    made = {"argv": list(case.argv), "input": input_digest(case), "version": agentcore_cli.VERSION}
    current = {case.name: made}
    assert staleness(case, current) is None
    assert staleness(case, {}) == "it has no recording"
    edited = Case(case.name, case.base, edits={"name": "Other"}, argv=case.argv)
    assert "fingerprint" in str(staleness(edited, current))
    older = {case.name: {**current[case.name], "version": "0.29.0"}}
    assert staleness(case, older) == (
        f"CLI 0.29.0 made its recording, the pin is {agentcore_cli.VERSION}"
    )
    pinned = {"--version": {"exit": 0, "stdout": f"{agentcore_cli.VERSION}\n", "stderr": ""}}
    assert usage_staleness(("--version",), pinned) is None
    assert usage_staleness(("deploy", "--help"), pinned) == "it has no recording"
    other = {"--version": {"exit": 0, "stdout": "0.29.0\n", "stderr": ""}}
    assert "CLI 0.29.0 made the usage" in str(usage_staleness(("--version",), other))
