"""The mistakes corpus: what a learner sees first when a step goes wrong, in both editions.

Each mistake is made the way a learner makes it: an edit to their file (as typed in
the notebook's editor), a flag mistyped, a step skipped, a cell from an earlier
notebook run again. Each asserts that the first thing the learner is shown, a
checker's first line, a checkpoint's first finding, the error a cell ends in, names
the cause and the fix, in English and in Chinese, with nothing to read in a log.

The code mistakes need no stack (the checkers run the code against stand-ins); the
others are made on the local stack, in one project that moves through the steps.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from helpers.basics.i18n import use_language
from helpers.emulator.cli import main as cli_main
from helpers.kit import steps
from helpers.kit.backends.local import LocalBackend
from helpers.kit.checks.code import (
    MAIN_FILE,
    MCP_CLIENT_FILE,
    check_main,
    check_mcp_client,
    check_memory_actor,
)
from helpers.kit.checks.common import CheckResult
from helpers.kit.checks.config import check_runtime_authorizer
from helpers.kit.diagnosis import CheckpointFailed
from helpers.kit.errors import NotDeployed
from helpers.kit.further import (
    apply_partner_scopes,
    apply_support_staff_rule,
    check_partner_scopes,
    check_support_staff_rule,
)
from helpers.kit.paths import AGENT_TEMPLATE_DIR, SOLUTIONS_DIR
from helpers.kit.settings import WorkshopSettings
from helpers.kit.workshop import Workshop
from helpers.model.config import read_config, write_config
from helpers.wire.invoke_errors import AgentFailed, InvokeUnauthorized
from tests.support import OFFLINE_SETTINGS, REPO_ROOT, RUNTIME, WARRANTY_PROMPT

_CJK = re.compile(r"[\u4e00-\u9fff]")
STEP3 = SOLUTIONS_DIR / "03_mcp_client_auth"
STEP4 = SOLUTIONS_DIR / "04_memory_actor"
SETTINGS = OFFLINE_SETTINGS


def _in_both_editions(shown: Callable[[], str], *names: str, said: str = "") -> None:
    """``shown()`` (the first thing the learner reads) names ``names`` (code, values,
    commands: the same in every edition) in each edition, the Chinese one in Chinese;
    the English one says ``said``."""
    for language in ("en", "zh-CN"):
        with use_language(language):
            text = shown()
        for name in names:
            assert name in text, (language, text)
        if language == "zh-CN":
            assert _CJK.search(text), text
        else:
            assert said in text, text


def _first(check: Callable[[], CheckResult]) -> Callable[[], str]:
    def first_line() -> str:
        result = check()
        assert not result.ok, "the checker passed the mistake"
        return result.missing[0]

    return first_line


# --- mistakes in the code (steps 3 and 4), seen by the checkers -----------------------------


@dataclass(frozen=True)
class CodeMistake:
    file: Path
    wrong: str  # what the learner's edit has where the finished file has ``right``
    right: str
    check: Callable[[Path], CheckResult]
    # What the first line must name in both editions ({line}: the edit's last line).
    named: tuple[str, ...]
    said: str = ""  # and what it says in English
    solution: Path = STEP3


CODE_MISTAKES = {
    "the text's headers= instead of auth=": CodeMistake(
        MCP_CLIENT_FILE,
        'headers={"Authorization": caller_token.authorization})',
        "auth=caller_token)",
        check_mcp_client,
        ("auth=caller_token",),
        "the Gateway still got the first",
    ),
    "the reachability check without the token": CodeMistake(
        MCP_CLIENT_FILE,
        "mcp_server_problem(url)",
        "mcp_server_problem(url, caller_token)",
        check_mcp_client,
        ("HTTP 401", "mcp_server_problem(url, caller_token)"),
    ),
    "the removed gateway's URL variable": CodeMistake(
        MCP_CLIENT_FILE,
        '"AGENTCORE_GATEWAY_MY_GATEWAY_URL"',
        '"AGENTCORE_GATEWAY_MY_GATEWAY_SECURE_URL"',
        check_mcp_client,
        ("AGENTCORE_GATEWAY_MY_GATEWAY_URL", "AGENTCORE_GATEWAY_MY_GATEWAY_SECURE_URL"),
    ),
    "no parameter for the token": CodeMistake(
        MCP_CLIENT_FILE,
        "def get_gateway_mcp_client() -> MCPClient | None:\n    caller_token = CallerToken()",
        "def get_gateway_mcp_client(caller_token: CallerToken) -> MCPClient | None:",
        check_mcp_client,
        ("def get_gateway_mcp_client(caller_token: CallerToken)",),
    ),
    "a bracket left open": CodeMistake(
        MCP_CLIENT_FILE,
        "url = os.environ.get(GATEWAY_URL_ENV",
        "url = os.environ.get(GATEWAY_URL_ENV)",
        check_mcp_client,
        ("client.py", "{line}"),
        "line {line}",
    ),
    "an undefined name in the entrypoint": CodeMistake(
        MAIN_FILE,
        'authorization = (context.request_headers or {}).get("Authorization")\n    caller = actr',
        'authorization = (context.request_headers or {}).get("Authorization")',
        check_main,
        ("main.py", "{line}", "NameError", "actr"),
        "main.py line {line}",
    ),
    "an import misspelt": CodeMistake(
        MAIN_FILE,
        "from memory.actor import actorid",
        "from memory.actor import actor_id",
        check_main,
        ("main.py", "{line}", "ImportError", "actorid"),
        "main.py line {line}",
    ),
    "the token not presented per request": CodeMistake(
        MAIN_FILE,
        "async with session.turn:",
        "async with session.turn, session.gateway_token.presenting(authorization):",
        check_main,
        ("presenting(authorization)",),
        "refreshed token",
    ),
    "callers sharing one agent": CodeMistake(
        MAIN_FILE,
        "key = (session_id, user_id)",
        "key = (session_id, user_id, actor_id(authorization))",
        check_main,
        ("actor_id(authorization)",),
        "one Agent",
    ),
    "the header looked up in lower case": CodeMistake(
        MAIN_FILE,
        '.get("authorization")',
        '.get("Authorization")',
        check_main,
        ('.get("Authorization")',),
    ),
    "the token printed": CodeMistake(
        MAIN_FILE,
        '.get("Authorization")\n    print(authorization)',
        '.get("Authorization")',
        check_main,
        ("Authorization",),
        "Do not print",
    ),
    "the actor taken from the payload": CodeMistake(
        MAIN_FILE,
        "actor = payload_user or actor_id(authorization)",
        "actor = actor_id(authorization)",
        check_memory_actor,
        ("alice",),
        "alice's memory",
        STEP4,
    ),
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "my-project"
    steps.fresh_project(folder)
    return folder


def _finished(project: Path, solution: Path) -> None:
    """The project's code as ``solution`` leaves it (step 4 changes main.py alone)."""
    for relative in (MCP_CLIENT_FILE, MAIN_FILE):
        source = solution / relative
        shutil.copy2(source if source.exists() else STEP3 / relative, project / relative)


@pytest.mark.parametrize("mistake", CODE_MISTAKES.values(), ids=CODE_MISTAKES)
def test_a_code_mistake_is_named_with_its_fix(project: Path, mistake: CodeMistake) -> None:
    _finished(project, mistake.solution)
    path = project / mistake.file
    finished = path.read_text()
    assert finished.count(mistake.right) == 1, mistake.right
    wrong = finished.replace(mistake.right, mistake.wrong)
    if "payload_user" in mistake.wrong:
        # The payload's claim, carried into get_or_create_agent as learners wire it.
        wrong = wrong.replace(
            "def get_or_create_agent(session_id: str | None, authorization: str | None)",
            "def get_or_create_agent(\n        session_id: str | None, authorization: str | None,"
            " payload_user: str | None = None\n    )",
        ).replace(
            "get_or_create_agent, context.session_id, authorization)",
            'get_or_create_agent, context.session_id, authorization, payload.get("user_id"))',
        )
    path.write_text(wrong)
    line = wrong[: wrong.index(mistake.wrong)].count("\n") + 1 + mistake.wrong.count("\n")
    named = [name.format(line=line) for name in mistake.named]
    said = mistake.said.format(line=line)
    _in_both_editions(_first(lambda: mistake.check(project)), *named, said=said)


def test_the_finished_files_pass_when_run(project: Path) -> None:
    # Copied by hand, not byte for byte the solutions (a comment added): so they are run.
    for solution, checkers in (
        (STEP3, (check_mcp_client, check_main)),
        (STEP4, (check_memory_actor,)),
    ):
        _finished(project, solution)
        for relative in (MCP_CLIENT_FILE, MAIN_FILE):
            path = project / relative
            path.write_text("# typed in by hand\n" + path.read_text())
        for check in checkers:
            assert check(project).ok, check(project)


# --- mistakes in agentcore.json (steps 1 and 4) ---------------------------------------------


def _runtime_edit(project: Path, text: Callable[[str], str]) -> None:
    steps.apply_runtime_authorizer(project, SETTINGS)
    path = project / "agentcore" / "agentcore.json"
    path.write_text(text(path.read_text()))


CONFIG_MISTAKES = {
    "a placeholder left": (
        lambda text: text.replace(SETTINGS.cognito_discovery_url, "<COGNITO_DISCOVERY_URL value>"),
        ("<COGNITO_DISCOVERY_URL value>", SETTINGS.cognito_discovery_url),
    ),
    "the allowlist misspelt": (
        lambda text: text.replace("requestHeaderAllowlist", "requestHeaderAllowList"),
        ("requestHeaderAllowlist", '["Authorization"]'),
    ),
    "another client's id": (
        lambda text: text.replace(SETTINGS.client_id, "client999other"),
        ("allowedClients", SETTINGS.client_id),
    ),
    "the client id not in a list": (
        lambda text: re.sub(r'\[\s*("client123workshop")\s*\]', r"\1", text),
        ("allowedClients", f'["{SETTINGS.client_id}"]'),
    ),
    "a trailing comma": (
        lambda text: text.replace('"CUSTOM_JWT",', '"CUSTOM_JWT",,'),
        ("agentcore.json", "line"),
    ),
}


@pytest.mark.parametrize("edit,named", CONFIG_MISTAKES.values(), ids=CONFIG_MISTAKES)
def test_a_config_mistake_is_named_with_its_fix(
    project: Path, edit: Callable[[str], str], named: tuple[str, ...]
) -> None:
    _runtime_edit(project, edit)
    _in_both_editions(_first(lambda: check_runtime_authorizer(project, SETTINGS)), *named)


def test_a_mistyped_flag_in_the_terminal_is_refused_in_the_real_clis_words(
    capsys: pytest.CaptureFixture[str],
) -> None:
    typed = ["add", "gateway", "--name", "my-gateway-secure", "--runtimes", RUNTIME]
    typed += ["--authorizer-type", "CUSTOM_JWT", "--allowed-client", "abc"]
    assert cli_main(typed) == 1
    assert capsys.readouterr().err.splitlines()[:2] == [
        "error: unknown option '--allowed-client'",
        "(Did you mean --allowed-clients?)",
    ]


# --- mistakes on the stack: a project taken through the steps -------------------------------


@dataclass
class Learner:
    """The learner's project on the module's stack, and a notebook's ``ws`` over it."""

    folder: Path
    backend: LocalBackend
    settings: WorkshopSettings

    def at(self, step: int) -> Workshop:
        """The project deployed after ``step``, and the ``ws`` of the notebook after it."""
        steps.fresh_project(self.folder)
        steps.prepare(self.folder, self.settings, self.backend, through_step=step)
        return self.notebook(step)

    def notebook(self, through_step: int) -> Workshop:
        ws = Workshop(self.backend, self.settings, self.folder, through_step=through_step)
        ws._log_mark = self.backend.agent_output(self.folder, RUNTIME, -1)[1]
        return ws


@pytest.fixture(scope="module")
def learner(
    backend: LocalBackend, settings: WorkshopSettings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Learner]:
    yield Learner(tmp_path_factory.mktemp("mistakes") / "my-project", backend, settings)


def _checkpoint_says(
    ws: Workshop,
    what: str,
    conditions: Callable[[], tuple[bool | CheckResult, ...]],
    step: int | None = None,
) -> Callable[[], str]:
    """What a failing checkpoint shows first after its title (and any failed check's
    title): its first finding. The conditions are made in each edition's language, and
    the log mark is put back, so both editions read the same lines."""
    mark = ws._log_mark

    def shown() -> str:
        ws._log_mark = mark
        with pytest.raises(CheckpointFailed) as failed:
            ws.checkpoint(what, *conditions(), step=step)
        lines = str(failed.value).splitlines()
        return lines[2]

    return shown


def _step3_deployed_with(learner: Learner, file: Path, right: str, wrong: str) -> Workshop:
    """Notebook 03: step 3's files with one mistake, deployed from the notebook."""
    ws = learner.at(2)
    steps.apply_token_forwarding(learner.folder)
    path = learner.folder / file
    finished = path.read_text()
    assert finished.count(right) == 1, right
    path.write_text(finished.replace(right, wrong))
    assert ws.deploy().ok
    return ws


def test_an_edit_not_deployed_is_named_at_the_checkpoint(learner: Learner) -> None:
    ws = learner.at(2)
    steps.apply_token_forwarding(learner.folder)  # step 3's files, saved, not deployed
    answer = ws.ask(WARRANTY_PROMPT, ws.token())
    assert "2027-03-01" not in answer
    shown = _checkpoint_says(ws, "end to end", lambda: ("2027-03-01" in answer,), step=3)
    _in_both_editions(shown, "app/CustomerSupport/", "agentcore deploy")


def test_a_token_not_forwarded_is_named_from_the_run_and_the_agents_log(
    learner: Learner, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = _step3_deployed_with(learner, MCP_CLIENT_FILE, "(url, caller_token)", "(url)")
    answer = ws.ask(WARRANTY_PROMPT, ws.token())
    assert "2027-03-01" not in answer
    mark = ws._log_mark
    shown = _checkpoint_says(ws, "end to end", lambda: ("2027-03-01" in answer,), step=3)
    _in_both_editions(shown, "mcp_server_problem(url, caller_token)", said="Step 3")
    # The agent's own line is there too, quoted: nobody has to open the log.
    ws._log_mark = mark
    with pytest.raises(CheckpointFailed, match=r"refused the call \(HTTP 401\)"):
        ws.checkpoint("end to end", False, step=3)
    # And in the terminal, the same call says it after the answer.
    monkeypatch.chdir(learner.folder)
    capsys.readouterr()
    assert cli_main(["invoke", WARRANTY_PROMPT, "--bearer-token", ws.token().value]) == 0
    said = capsys.readouterr().err
    assert "What the agent logged during this call:" in said, said
    assert "mcp_server_problem(url, caller_token)" in said, said


def test_a_bug_in_main_py_is_shown_at_its_line_not_as_the_kits_traceback(
    learner: Learner,
) -> None:
    typo = 'log.info("Invoking Agent.....", agent)'
    ws = _step3_deployed_with(learner, MAIN_FILE, 'log.info("Invoking Agent.....")', typo)
    line = (learner.folder / MAIN_FILE).read_text().split(typo)[0].count("\n") + 1

    mark = ws._log_mark

    def shown() -> str:
        with pytest.raises(AgentFailed) as failed:
            ws._log_mark = mark
            ws.ask(WARRANTY_PROMPT, ws.token())
        rendered = failed.value._render_traceback_()
        assert len(rendered) == 1  # the message, not the kit's frames
        return rendered[0]

    _in_both_editions(shown, "NameError", "main.py", str(line), said=f"main.py line {line}")


def test_a_traceback_that_reaches_the_log_late_is_still_shown_at_its_line(
    learner: Learner, monkeypatch: pytest.MonkeyPatch
) -> None:
    typo = 'log.info("Invoking Agent.....", agent)'
    ws = _step3_deployed_with(learner, MAIN_FILE, 'log.info("Invoking Agent.....")', typo)
    line = (learner.folder / MAIN_FILE).read_text().split(typo)[0].count("\n") + 1
    read_the_log = learner.backend.agent_output
    looks: list[int] = []

    def copied_late(project: Path, runtime: str, since: int) -> tuple[list[str], int]:
        """The first look finds nothing yet, as when the answer beats the log's copy."""
        looks.append(since)
        return ([], since) if len(looks) == 1 else read_the_log(project, runtime, since)

    monkeypatch.setattr(learner.backend, "agent_output", copied_late)
    with pytest.raises(AgentFailed) as failed:
        ws.ask(WARRANTY_PROMPT, ws.token())
    assert len(looks) >= 2
    assert f"main.py line {line}" in str(failed.value), str(failed.value)


def test_a_stale_editor_tab_saved_over_step_2_holds_the_deploy(learner: Learner) -> None:
    ws = learner.at(3)
    # The tab held agentcore.json as it was after step 1: the open gateway, no secure one.
    config = read_config(learner.folder)
    start = json.loads((AGENT_TEMPLATE_DIR / "agentcore" / "agentcore.json").read_text())
    config["agentCoreGateways"] = start["agentCoreGateways"]
    config.pop("unassignedTargets", None)
    write_config(learner.folder, config)

    def shown() -> str:
        result = ws.deploy()
        assert not result.ok
        return result.output.splitlines()[0]

    _in_both_editions(shown, "02_secure_gateway", "my-gateway", "Reload from Disk")
    assert learner.backend.gateway_url(learner.folder, "my-gateway-secure")  # still there


def test_the_removal_not_deployed_is_named(learner: Learner) -> None:
    ws = learner.at(1)
    ws.run("agentcore remove gateway --name my-gateway -y")
    # The learner skips "agentcore deploy -y -v" and checks what is deployed.
    shown = _checkpoint_says(
        ws,
        "my-gateway is deleted",
        lambda: (ws.check_deployed(present=[], absent=["my-gateway"]),),
    )
    _in_both_editions(shown, "my-gateway", "agentcore deploy -y -v")


def test_an_expired_token_is_named(learner: Learner) -> None:
    ws = learner.at(1)

    def shown() -> str:
        with pytest.raises(InvokeUnauthorized) as refused:
            ws.ask("Hello", ws.expired_token())
        return str(refused.value)

    _in_both_editions(shown, "401")
    assert "expired" in shown()


def test_notebook_00_run_again_after_the_workshop_says_how_to_start_over(
    learner: Learner,
) -> None:
    learner.at(3)
    ws = learner.notebook(0)  # notebook 00's start(through_step=0): nothing to undo
    result = ws.cli_invoke("What's the return policy for electronics?")
    assert not result.ok
    shown = _checkpoint_says(ws, "the start-state agent answers", lambda: (result.ok,))
    _in_both_editions(shown, "ws.start_over()", "1")
    ws.start_over()
    assert "30 days" in ws.cli_invoke("What's the return policy for electronics?").output


def test_a_deleted_project_folder_is_named(learner: Learner) -> None:
    steps.fresh_project(learner.folder)  # whichever test ran before, there is one to delete
    ws = learner.notebook(0)
    shutil.rmtree(learner.folder)
    shown = _checkpoint_says(ws, "anything", lambda: (False,))
    _in_both_editions(shown, "agentcore/agentcore.json", said="first cell")


def test_a_clean_up_done_in_the_terminal_passes_the_checkpoint(
    learner: Learner, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = learner.at(0)
    # The terminal: `agentcore remove all -y`, then `agentcore deploy -y -v`.
    learner.backend.remove_all(learner.folder).raise_for_failure()
    learner.backend.deploy(learner.folder).raise_for_failure()
    # Notebook 05 after it, without stopping the module's stack.
    monkeypatch.setattr(learner.backend, "shut_down", lambda progress: [])
    cleaned = ws.clean_up()
    assert cleaned.check().ok, cleaned.check()
    assert cleaned.removed == ["nothing was deployed any more (removed already)"]


NOTEBOOK_02_LINES = (
    "agentcore remove gateway --name my-gateway -y",
    "agentcore add gateway --name my-gateway-secure --runtimes CustomerSupport "
    "--authorizer-type CUSTOM_JWT --discovery-url $COGNITO_DISCOVERY_URL "
    "--allowed-clients $COGNITO_CLIENT_ID",
    "agentcore add gateway-target --type lambda-function-arn --name WarrantyCheck "
    "--lambda-arn $WARRANTY_LAMBDA_ARN "
    "--tool-schema-file app/CustomerSupport/tool/warranty_schema.json --gateway my-gateway-secure",
)


def test_notebook_02_done_in_the_terminal_is_already_done_in_its_cells(
    learner: Learner, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = learner.at(1)
    monkeypatch.chdir(learner.folder)
    variables = ws.variables()
    for line in NOTEBOOK_02_LINES:
        words = line.split()[1:]
        expanded = [str(variables[w[1:]]) if w.startswith("$") else w for w in words]
        assert cli_main(expanded) == 0, line
        if "remove" in line:
            assert cli_main(["deploy", "-y", "-v"]) == 0
    capsys.readouterr()
    for line in NOTEBOOK_02_LINES:
        ws.run(line)
        printed = capsys.readouterr().out
        assert "✓ already done" in printed and "✗" not in printed, printed
    with use_language("zh-CN"):
        ws.run(NOTEBOOK_02_LINES[0])
    assert "已经完成" in capsys.readouterr().out


def test_adding_the_secure_gateway_before_the_removal_is_deployed_is_flagged(
    learner: Learner, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = learner.at(1)
    ws.run(NOTEBOOK_02_LINES[0])
    capsys.readouterr()
    ws.run(NOTEBOOK_02_LINES[1])  # the text's "deploy the removal" skipped
    printed = capsys.readouterr().out
    assert "my-gateway is out of agentcore.json but still deployed" in printed, printed
    assert "so that the old gateway is deleted from AWS" in printed


def test_notebook_02_run_again_later_says_the_open_gateway_is_gone_and_how_to_see_it(
    learner: Learner, capsys: pytest.CaptureFixture[str]
) -> None:
    learner.at(4)
    ws = learner.notebook(1)  # notebook 02's start(through_step=1)

    def shown() -> str:
        with pytest.raises(NotDeployed) as gone:
            ws.gateway_tools("my-gateway", token=None)
        return str(gone.value)

    _in_both_editions(shown, "my-gateway", "ws.start_over()", said="step 2 removed it")
    # Its commands are done already: step 4 let one more client in, which is no mismatch.
    capsys.readouterr()
    for line in NOTEBOOK_02_LINES:
        ws.run(line)
    printed = capsys.readouterr().out
    assert printed.count("✓ already done") == 3 and "✗" not in printed, printed


# --- Notebook 06's edits -----------------------------------------------------------------

FINISHED_06 = (
    REPO_ROOT / "tests" / "fixtures" / "agentcore-cli" / "03_after_secure_gateway.agentcore.json"
)
SETTINGS_06 = replace(
    SETTINGS,
    cognito_discovery_url=json.loads(FINISHED_06.read_text())["runtimes"][0][
        "authorizerConfiguration"
    ]["customJwtAuthorizer"]["discoveryUrl"],
    client_id="1abc2def3ghi4jkl5mno6pqr",
    cognito_auth_scope="customersupport-agentcore/invoke",
    web_client_id="7web8client9id0abcdefghij",
    partner_client_id="9partner8client7id6abcdef",
)


def _runtime_jwt(config: dict[str, Any]) -> dict[str, Any]:
    return config["runtimes"][0]["authorizerConfiguration"]["customJwtAuthorizer"]


def _gateway_jwt(config: dict[str, Any]) -> dict[str, Any]:
    return config["agentCoreGateways"][0]["authorizerConfiguration"]["customJwtAuthorizer"]


def _rule(config: dict[str, Any]) -> dict[str, Any]:
    return _gateway_jwt(config)["customClaims"][0]


@pytest.fixture
def finished_06(project: Path) -> Path:
    """A project with both of notebook 06's edits, as the catch-up writes them."""
    write_config(project, json.loads(FINISHED_06.read_text()))
    assert apply_partner_scopes(project, SETTINGS_06)
    assert apply_support_staff_rule(project, SETTINGS_06)
    for backup in project.glob("agentcore/agentcore.json.bak-*"):
        backup.unlink()
    return project


FURTHER_MISTAKES: dict[
    str, tuple[Callable[[dict[str, Any]], None], Callable[..., Any], tuple[str, ...]]
] = {
    "the partner's own scope listed": (
        lambda c: _runtime_jwt(c)["allowedScopes"].append("customersupport-agentcore/read"),
        check_partner_scopes,
        ("customersupport-agentcore/read",),
    ),
    "the users' scope left out": (
        lambda c: _runtime_jwt(c)["allowedScopes"].remove("aws.cognito.signin.user.admin"),
        check_partner_scopes,
        ("aws.cognito.signin.user.admin", "alice"),
    ),
    "the scopes as one string": (
        lambda c: _runtime_jwt(c).update(allowedScopes="customersupport-agentcore/invoke"),
        check_partner_scopes,
        ("allowedScopes", '["customersupport-agentcore/invoke", "aws.cognito.signin.user.admin"]'),
    ),
    "the partner not named": (
        lambda c: _runtime_jwt(c)["allowedClients"].remove(SETTINGS_06.partner_client_id),
        check_partner_scopes,
        ("allowedClients", "9partner8client7id6abcdef"),
    ),
    "the claim without its prefix": (
        lambda c: _rule(c).update(inboundTokenClaimName="groups"),
        check_support_staff_rule,
        ('"cognito:groups"',),
    ),
    "the group misspelt": (
        lambda c: _rule(c)["authorizingClaimMatchValue"].update(
            claimMatchValue={"matchValueString": "support_staff"}
        ),
        check_support_staff_rule,
        ('"support-staff"',),
    ),
    "CONTAINS given a list": (
        lambda c: _rule(c)["authorizingClaimMatchValue"].update(
            claimMatchValue={"matchValueStringList": ["support-staff"]}
        ),
        check_support_staff_rule,
        ("matchValueString", "CONTAINS"),
    ),
    "the rule put on the runtime": (
        lambda c: _runtime_jwt(c).update(customClaims=_gateway_jwt(c).pop("customClaims")),
        check_support_staff_rule,
        ("agentCoreGateways[0]", "customClaims"),
    ),
}


@pytest.mark.parametrize("edit,check,named", FURTHER_MISTAKES.values(), ids=FURTHER_MISTAKES)
def test_a_mistake_in_notebook_06s_edits_is_named_with_its_fix(
    finished_06: Path,
    edit: Callable[[dict[str, Any]], None],
    check: Callable[..., CheckResult],
    named: tuple[str, ...],
) -> None:
    assert check(finished_06, SETTINGS_06).ok
    config = read_config(finished_06)
    edit(config)
    write_config(finished_06, config)
    _in_both_editions(_first(lambda: check(finished_06, SETTINGS_06)), *named)


def test_notebook_06s_catch_up_fixes_a_mistake_and_keeps_the_learners_file(
    finished_06: Path,
) -> None:
    config = read_config(finished_06)
    _rule(config).update(inboundTokenClaimName="groups")
    write_config(finished_06, config)
    [replaced] = apply_support_staff_rule(finished_06, SETTINGS_06)
    assert replaced.backup is not None and "groups" in replaced.backup.read_text()
    assert check_support_staff_rule(finished_06, SETTINGS_06).ok
    assert check_partner_scopes(finished_06, SETTINGS_06).ok  # edit 1 untouched
    assert apply_support_staff_rule(finished_06, SETTINGS_06) == []  # nothing left to do


def test_notebook_04_run_again_after_06_names_the_group_rule(learner: Learner) -> None:
    """The machine's warranty check fails once 06's rule is on the Gateway; the checkpoint
    says so, and how to undo it, instead of leaving the learner to guess."""
    learner.at(4)
    apply_support_staff_rule(learner.folder, learner.settings)
    ws = learner.notebook(4)
    assert ws.deploy().ok
    answer = ws.ask(WARRANTY_PROMPT, ws.token())

    def shown() -> str:
        with pytest.raises(CheckpointFailed) as failed:
            ws.checkpoint("the machine's warranty check", "2027-03-01" in answer, step=4)
        return str(failed.value)

    _in_both_editions(shown, "my-gateway-secure", "support-staff", "customClaims")
