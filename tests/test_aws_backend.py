"""The AWS backend against a stand-in ``agentcore`` (tests/fakes/agentcore), and AWS via moto.

The stand-in takes each command's options from the real CLI's recorded ``--help`` and
refuses any other as the real CLI does, records every call, and prints what the real CLI
prints; so these tests pin the exact command lines the real CLI receives, where it runs
and with telemetry off. Its deploy writes a state file of the real CLI's shape, so ARNs
and URLs are read back the way they are after a real deploy. It answers ``--version`` with
the real CLI's recorded answer, which the backend checks before its first command, and
refuses a tokenless invoke to a CUSTOM_JWT runtime as CLI 0.30.0 does (compared with the
real CLI where it is installed).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from helpers.basics.errors import ActionableError
from helpers.kit.backends import commands
from helpers.kit.backends.aws import (
    AwsBackend,
    _as_displayed,
    fill_aws_targets,
)
from helpers.kit.backends.base import Backend
from helpers.kit.errors import (
    CliNotFound,
    CliRefused,
    CliVersionMismatch,
    CommandFailed,
    NotDeployed,
    SettingsError,
    SignInError,
)
from helpers.kit.paths import AGENT_TEMPLATE_DIR
from helpers.kit.settings import PARAMETER_PREFIX, WorkshopSettings, load_settings
from helpers.kit.sign_in import refresh, sign_in, user_secret
from helpers.model.config import CONFIG_PATH
from helpers.model.names import MEMORY_NAME
from helpers.model.validation import AWS_TARGETS_PATH, DEPLOYED_STATE_PATH
from helpers.tooling import agentcore_cli
from tests.cli_corpus import (
    CASES,
    USAGE_RECORDINGS,
    RealRuns,
    recordings,
    run_real_cli,
)
from tests.support import REPO_ROOT

FAKES_DIR = Path(__file__).parent / "fakes"
DISCOVERY_URL = (
    "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_aBcDeFgHi"
    "/.well-known/openid-configuration"
)
LAMBDA_ARN = "arn:aws:lambda:eu-central-1:123456789012:function:warranty-check"
SCHEMA_FILE = "app/CustomerSupport/tool/warranty_schema.json"
SESSION = "3f0c8a1e-5b7d-4c2a-9e6f-1a2b3c4d5e6f"
# A JWT-shaped value, put together here: the leak scan refuses one written out in the repo.
TOKEN = ".".join(
    base64.urlsafe_b64encode(part).rstrip(b"=").decode()
    for part in (b'{"kid":"test"}', b'{"sub":"test"}', b"signature")
)
ACCOUNT = "123456789012"  # moto's
RUNTIME_ARN = f"arn:aws:bedrock-agentcore:eu-central-1:{ACCOUNT}:runtime/CustomerSupport-AbC123"
PROMPT = "What's the return policy for electronics?"
# What CLI 0.30.0 says for an invoke of a CUSTOM_JWT runtime without --bearer-token, when
# the project has no OAuth credential to fetch one with (resolveInvokeTarget, dist/cli/index.mjs).
NO_TOKEN_REFUSAL = (
    "Agent 'CustomerSupport' is configured for CUSTOM_JWT but no bearer token is available.\n"
    "Either provide --bearer-token or re-add the agent with --client-id and --client-secret "
    "to enable auto-fetch."
)
VERSION_ARGV = ["--version"]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """AWS as moto plays it, in eu-central-1, with nothing redirecting boto3."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        yield


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws: None) -> Path:
    """The stand-in first on PATH, logging to the returned file."""
    log_file = tmp_path / "agentcore-calls.jsonl"
    monkeypatch.setenv("PATH", f"{FAKES_DIR}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_AGENTCORE_LOG", str(log_file))
    monkeypatch.delenv("FAKE_AGENTCORE_EXIT", raising=False)
    # Unset here, so a "1" in the log can only have come from the backend.
    monkeypatch.delenv("AGENTCORE_TELEMETRY_DISABLED", raising=False)
    return log_file


@pytest.fixture
def project(tmp_path: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__")
    return Path(shutil.copytree(AGENT_TEMPLATE_DIR, tmp_path / "project", ignore=ignore))


def all_calls(log_file: Path) -> list[dict[str, Any]]:
    if not log_file.is_file():
        return []
    return [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]


def calls(log_file: Path) -> list[dict[str, Any]]:
    """The workshop's commands the stand-in ran (not the backend's ``--version`` check)."""
    return [call for call in all_calls(log_file) if call["argv"] != VERSION_ARGV]


def version_checks(log_file: Path) -> int:
    return sum(call["argv"] == VERSION_ARGV for call in all_calls(log_file))


def write_state(project: Path, resources: dict[str, Any]) -> None:
    """A deployed-state file as the CLI writes it, with ``resources`` under the default target."""
    state_file = project / DEPLOYED_STATE_PATH
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state = {"targets": {"default": {"resources": resources}}}
    state_file.write_text(json.dumps(state), encoding="utf-8")


def write_runtime_state(project: Path, arn: str) -> None:
    runtime = {
        "runtimeId": arn.rpartition("/")[2],
        "runtimeArn": arn,
        "roleArn": "arn:aws:iam::1:role/r",
    }
    write_state(project, {"runtimes": {"CustomerSupport": runtime}})


def deployed(project: Path) -> Path:
    """The project as a deploy to the default target leaves it: the target and the state."""
    target = {"name": "default", "account": ACCOUNT, "region": "eu-central-1"}
    (project / AWS_TARGETS_PATH).write_text(json.dumps([target], indent=2), encoding="utf-8")
    write_runtime_state(project, RUNTIME_ARN)
    return project


def secure_runtime(config: dict[str, Any], client: str = "1abc2def3ghi4jkl5mno6pqr") -> None:
    """Step 1's edit of the runtime: the header allowlist and the CUSTOM_JWT authorizer."""
    config["runtimes"][0].update(
        requestHeaderAllowlist=["Authorization"],
        authorizerType="CUSTOM_JWT",
        authorizerConfiguration={
            "customJwtAuthorizer": {"discoveryUrl": DISCOVERY_URL, "allowedClients": [client]}
        },
    )


def gateway_entry(gateway_id: str, url: str | None = None) -> dict[str, Any]:
    entry = {
        "gatewayId": gateway_id,
        "gatewayArn": f"arn:aws:bedrock-agentcore:::gateway/{gateway_id}",
    }
    return entry | ({"gatewayUrl": url} if url else {})


def edit_config(project: Path, change: Any) -> None:
    path = project / CONFIG_PATH
    config = json.loads(path.read_text(encoding="utf-8"))
    change(config)
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")


def run_stand_in(argv: list[str], cwd: Path, log_file: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FAKE_AGENTCORE_LOG": str(log_file)}
    return subprocess.run(
        [sys.executable, str(FAKES_DIR / "agentcore"), *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_implements_every_backend_operation() -> None:
    operations = {name for name in vars(Backend) if not name.startswith("_")}
    assert operations <= set(dir(AwsBackend))
    assert AwsBackend.name == "aws"


@pytest.mark.parametrize(
    ("run", "argv", "shown"),
    [
        (lambda backend, project: backend.validate(project, {}), ["validate"], None),
        (
            lambda backend, project: backend.remove_gateway(project, "my-gateway"),
            ["remove", "gateway", "--name", "my-gateway", "-y"],
            None,
        ),
        (
            lambda backend, project: backend.add_gateway(
                project,
                name="my-gateway-secure",
                runtimes=["CustomerSupport"],
                discovery_url=DISCOVERY_URL,
                allowed_clients=["1abc2def3ghi4jkl5mno6pqr", "second-client"],
            ),
            [
                *("add", "gateway", "--name", "my-gateway-secure"),
                *("--runtimes", "CustomerSupport", "--authorizer-type", "CUSTOM_JWT"),
                *("--discovery-url", DISCOVERY_URL),
                *("--allowed-clients", "1abc2def3ghi4jkl5mno6pqr,second-client"),
            ],
            None,
        ),
        (
            lambda backend, project: backend.add_gateway_target(
                project,
                gateway="my-gateway-secure",
                name="WarrantyCheck",
                lambda_arn=LAMBDA_ARN,
                tool_schema_file=SCHEMA_FILE,
            ),
            [
                *("add", "gateway-target", "--type", "lambda-function-arn"),
                *("--name", "WarrantyCheck", "--lambda-arn", LAMBDA_ARN),
                *("--tool-schema-file", SCHEMA_FILE, "--gateway", "my-gateway-secure"),
            ],
            None,
        ),
        (
            lambda backend, project: backend.invoke(deployed(project), "Hello there", SESSION),
            ["invoke", "Hello there", "--session-id", SESSION],
            f'agentcore invoke "Hello there" --session-id {SESSION}',
        ),
        (
            lambda backend, project: backend.invoke(
                deployed(project), "Hello there", SESSION, TOKEN
            ),
            # On the command line without the token, which the CLI's preload adds.
            ["invoke", "Hello there", "--session-id", SESSION, "--stream"],
            f'agentcore invoke "Hello there" --session-id {SESSION} '
            '--bearer-token "$TOKEN" --stream',
        ),
        (lambda backend, project: backend.remove_all(project), ["remove", "all", "-y"], None),
    ],
    ids=[
        "validate",
        "remove-gateway",
        "add-gateway",
        "add-gateway-target",
        "invoke",
        "invoke-with-token",
        "remove-all",
    ],
)
def test_runs_the_real_flags_in_the_project_with_telemetry_off(
    log: Path, project: Path, run: Any, argv: list[str], shown: str | None
) -> None:
    result = run(AwsBackend(), project)

    assert result.ok, result.output
    assert result.command == (shown or "agentcore " + " ".join(argv))
    assert TOKEN not in result.command + result.output
    [call] = calls(log)
    assert call["argv"] == argv
    assert call["preloaded_token"] == (TOKEN if "$TOKEN" in result.command else None)
    assert Path(call["cwd"]).resolve() == project.resolve()
    assert call["telemetry_disabled"] == "1"


def test_the_stand_in_refuses_a_flag_as_the_real_cli_does(tmp_path: Path) -> None:
    done = run_stand_in(["remove", "all", "--force"], tmp_path, tmp_path / "log.jsonl")

    real = json.loads(USAGE_RECORDINGS.read_text())["remove all --force"]
    assert (done.returncode, done.stdout, done.stderr) == (
        real["exit"],
        real["stdout"],
        real["stderr"],
    )


@pytest.mark.parametrize(
    "case",
    [case for case in CASES if case.argv[0] != "validate" and recordings()[case.name]["exit"] == 0]
    + [case for case in CASES if case.name == "valid-after-secure-gateway"],
    ids=lambda case: case.name,
)
def test_the_stand_in_prints_what_the_real_cli_printed(case: Any, tmp_path: Path) -> None:
    recorded = recordings()[case.name]
    done = run_stand_in(list(case.argv), tmp_path, tmp_path / "log.jsonl")
    assert (done.returncode, done.stdout, done.stderr) == (0, recorded["stdout"], "")


def test_deploy_fills_in_the_target_then_streams_each_line_as_a_terminal_shows_it(
    log: Path, project: Path
) -> None:
    lines: list[str] = []

    result = AwsBackend().deploy(project, lines.append)

    assert result.command == "agentcore deploy -y -v"
    assert result.ok
    [call] = calls(log)
    assert call["argv"] == ["deploy", "-y", "-v"]
    assert call["telemetry_disabled"] == "1"
    # Spinner redraws and escape codes collapse to the line left on screen; stderr is kept.
    assert lines == [
        "agentcore/aws-targets.json: deploying to account 123456789012 in eu-central-1 "
        "(target default).",
        "✓ Synthesizing stack",
        "AgentCore-CustomerSupport-default | CREATE_IN_PROGRESS | AWS::CloudFormation::Stack",
        "[Warning at /Stack] a CDK notice on stderr",
        "AgentCore-CustomerSupport-default | CREATE_COMPLETE | AWS::CloudFormation::Stack",
        "✓ Deployed to 'default' (stack: AgentCore-CustomerSupport-default)",
    ]
    assert result.output.splitlines() == [*lines[1:5], "", lines[5]]


def test_the_target_is_filled_in_as_the_cli_writes_it_and_only_once(
    project: Path, aws: None
) -> None:
    assert (project / AWS_TARGETS_PATH).read_text() == "[]"

    assert fill_aws_targets(project)
    written = (project / AWS_TARGETS_PATH).read_text()
    assert written == (
        '[\n  {\n    "name": "default",\n    "account": "123456789012",\n'
        '    "region": "eu-central-1"\n  }\n]'
    )
    assert fill_aws_targets(project) is None
    assert (project / AWS_TARGETS_PATH).read_text() == written


def test_a_region_without_agentcore_is_refused_before_the_cli_runs(
    project: Path, aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "af-south-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "af-south-1")

    with pytest.raises(
        ActionableError, match=r"not offered in the region 'af-south-1'.*AWS_DEFAULT_REGION"
    ):
        fill_aws_targets(project)
    assert (project / AWS_TARGETS_PATH).read_text() == "[]"


def test_a_failing_command_is_reported_and_raises_on_request(
    log: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_AGENTCORE_EXIT", "3")

    result = AwsBackend().deploy(project, lambda line: None)

    assert not result.ok
    assert "simulated failure" in result.output
    with pytest.raises(CommandFailed, match=r"`agentcore deploy -y -v` failed:\nError: simulated"):
        result.raise_for_failure()
    # A failed deploy records nothing, so there is still nothing to invoke.
    with pytest.raises(NotDeployed):
        AwsBackend().runtime_arn(project, "CustomerSupport")


def test_a_missing_cli_says_how_to_install_it(tmp_path: Path, project: Path) -> None:
    backend = AwsBackend(env={"PATH": str(tmp_path)})

    for start in (lambda: backend.prepare(print), lambda: backend.validate(project, {})):
        with pytest.raises(CliNotFound) as raised:
            start()
        message = str(raised.value)
        assert "is not on PATH, so no version of it was found" in message
        assert "proven with @aws/agentcore 0.30.0" in message
        assert "Install that version with `npm install -g @aws/agentcore@0.30.0`" in message
        assert "local backend" in message and "needs no CLI" in message


def test_the_pin_is_defined_once_and_the_install_command_names_it() -> None:
    assert commands.INSTALL_COMMAND == "npm install -g @aws/agentcore@0.30.0"
    assert (agentcore_cli.PACKAGE, agentcore_cli.VERSION) == (commands.PACKAGE, commands.VERSION)


@pytest.mark.parametrize("readme", ["README.md", "README.zh-CN.md"])
def test_the_readme_installs_the_version_the_backend_checks(readme: str) -> None:
    text = (REPO_ROOT / readme).read_text(encoding="utf-8")
    installs = re.findall(r"npm install (?:-g |--global )?(@aws/agentcore\S*)", text)
    assert commands.INSTALL_COMMAND in text
    assert {spec.rstrip("`,.;)") for spec in installs} == {f"{commands.PACKAGE}@{commands.VERSION}"}


def test_the_stand_in_answers_the_version_the_real_cli_answered() -> None:
    recorded = json.loads(USAGE_RECORDINGS.read_text())["--version"]
    assert recorded == {"exit": 0, "stdout": f"{commands.VERSION}\n", "stderr": ""}


def test_the_pinned_version_passes_and_is_checked_once(log: Path, project: Path) -> None:
    backend = AwsBackend()

    backend.prepare(print)
    backend.validate(project, {})
    backend.remove_gateway(project, "my-gateway")

    assert version_checks(log) == 1
    assert all_calls(log)[0]["argv"] == VERSION_ARGV
    assert all_calls(log)[0]["telemetry_disabled"] == "1"
    assert [call["argv"][0] for call in calls(log)] == ["validate", "remove"]


def test_the_first_command_checks_the_version_when_prepare_did_not(
    log: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_AGENTCORE_VERSION", "0.31.0")

    with pytest.raises(CliVersionMismatch):
        AwsBackend().remove_gateway(project, "my-gateway")

    assert version_checks(log) == 1
    assert calls(log) == []  # The command itself never ran.


def _cli_saying(folder: Path, output: str, code: int) -> dict[str, str]:
    """An environment whose PATH finds only an ``agentcore`` that prints ``output``."""
    folder.mkdir()
    script = folder / "agentcore"
    script.write_text(f"#!/bin/sh\nprintf '%s' {shlex.quote(output)}\nexit {code}\n")
    script.chmod(0o755)
    return {"PATH": str(folder)}


@pytest.mark.parametrize(
    ("output", "code", "answered"),
    [
        ("0.29.1\n", 0, "answered '0.29.1'"),
        ("0.30.0-beta.1\n", 0, "answered '0.30.0-beta.1'"),
        ("", 0, "answered nothing"),
        (
            "error: unknown option '--version'\n",
            1,
            "answered \"error: unknown option '--version'\" (exit status 1)",
        ),
    ],
    ids=["older", "prerelease", "silent", "failing"],
)
def test_another_version_stops_the_backend_naming_both_and_the_install_command(
    tmp_path: Path, output: str, code: int, answered: str
) -> None:
    env = _cli_saying(tmp_path / "bin", output, code)

    with pytest.raises(CliVersionMismatch) as raised:
        AwsBackend(env=env).prepare(print)

    message = str(raised.value)
    assert isinstance(raised.value, ActionableError)
    assert message.startswith(
        f"`agentcore --version` ({tmp_path / 'bin' / 'agentcore'}) {answered}"
    )
    assert "but the kit was proven with @aws/agentcore 0.30.0 only" in message
    assert "Install it with `npm install -g @aws/agentcore@0.30.0`" in message
    assert raised.value.found == output.strip() and raised.value.expected == "0.30.0"


def test_a_wrong_version_of_the_stand_in_is_refused_too(
    log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_AGENTCORE_VERSION", "0.29.1")

    with pytest.raises(CliVersionMismatch, match=r"answered '0\.29\.1', but the kit was proven"):
        AwsBackend().prepare(print)


def _typed(stream: bool) -> str:
    """The text's tokenless invoke as the backend shows it."""
    return commands.shown(commands.invoke(PROMPT, SESSION, stream=stream))


def test_a_tokenless_invoke_is_refused_by_the_cli_before_it_sends_anything(
    log: Path, project: Path
) -> None:
    edit_config(deployed(project), secure_runtime)

    with pytest.raises(CliRefused) as raised:
        AwsBackend().invoke_without_token(project, PROMPT, SESSION)

    refusal = raised.value
    # The text's command, as typed: CLI 0.30.0 prints nothing for a failed --stream call.
    assert [call["argv"] for call in calls(log)] == [
        ["invoke", PROMPT, "--session-id", SESSION, "--stream"],
        ["invoke", PROMPT, "--session-id", SESSION],
    ]
    typed, plain = refusal.results
    assert (typed.command, typed.ok, typed.output) == (_typed(True), False, "")
    # Without --stream it says why, in its words (its spinner cleared, as a terminal shows).
    assert (plain.command, plain.ok, plain.output) == (_typed(False), False, NO_TOKEN_REFUSAL)
    assert refusal.status is None and refusal.refused_before_sending
    assert refusal.message == refusal.explained() == NO_TOKEN_REFUSAL
    assert str(refusal) == f"`{typed.command}` refused the call:\n{NO_TOKEN_REFUSAL}"


def test_a_tokenless_invoke_of_a_runtime_without_authorizer_is_answered(
    log: Path, project: Path
) -> None:
    answer = AwsBackend().invoke_without_token(deployed(project), PROMPT, SESSION)

    assert answer == f"(stand-in answer to {PROMPT!r})"
    assert [call["argv"][-1] for call in calls(log)] == ["--stream"]


def test_a_tokenless_invoke_before_the_deploy_shows_what_the_cli_printed(
    log: Path, project: Path
) -> None:
    edit_config(project, secure_runtime)

    with pytest.raises(CliRefused) as raised:
        AwsBackend().invoke_without_token(project, PROMPT, SESSION)

    # Printed even with --stream (the CLI throws while reading the project): run once.
    [typed] = raised.value.results
    assert typed.command == _typed(True)
    assert raised.value.message == (
        f"Error: State config file not found at: {project.resolve() / DEPLOYED_STATE_PATH}"
    )
    assert not raised.value.refused_before_sending


def test_notebook_01s_tokenless_refusal_on_aws_shows_the_clis_words(
    log: Path, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers.kit.workshop import Workshop

    edit_config(deployed(project), secure_runtime)
    settings = WorkshopSettings(
        cognito_discovery_url=DISCOVERY_URL,
        client_id="1abc2def3ghi4jkl5mno6pqr",
        pool_id="eu-central-1_aBcDeFgHi",
        cognito_token_url="https://example.auth.eu-central-1.amazoncognito.com/oauth2/token",
        cognito_auth_scope="customersupport/invoke",
        warranty_check_lambda_arn=LAMBDA_ARN,
    )
    ws = Workshop(AwsBackend(), settings, project)

    refusal = ws.expect_refusal(PROMPT, token=None)

    # The cell proposed for notebook 01, which holds on both backends:
    assert refusal.status == 401 or refusal.refused_before_sending
    assert refusal.status is None
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("$ agentcore invoke \"What's the return") and printed[0].endswith(
        "--stream"
    )
    assert printed[1] == "(the CLI printed nothing and exited with an error)"
    assert printed[2].startswith("$ agentcore invoke") and "--stream" not in printed[2]
    assert printed[3:5] == NO_TOKEN_REFUSAL.splitlines()
    assert printed[5].startswith("refused before anything was sent, as it should be")
    assert "HTTP 401" in printed[5] and len(printed) == 6


# Project states for a tokenless invoke, and whether the text's --stream is given.
TOKENLESS_CASES = {
    "custom-jwt-stream": (True, True, True),
    "custom-jwt-plain": (True, True, False),
    "not-deployed-stream": (True, False, True),
}


@pytest.mark.real_cli
@pytest.mark.parametrize("case", list(TOKENLESS_CASES))
def test_the_stand_in_refuses_a_tokenless_invoke_as_the_real_cli_does(
    case: str, real_cli: RealRuns, project: Path, tmp_path: Path
) -> None:
    secured, was_deployed, stream = TOKENLESS_CASES[case]
    if was_deployed:
        deployed(project)
    if secured:
        edit_config(project, secure_runtime)
    argv = commands.invoke(PROMPT, SESSION, stream=stream)[1:]
    real = run_real_cli([str(real_cli.binary()), *argv], project, tmp_path / "home")
    stand_in = run_stand_in(argv, project, tmp_path / "log.jsonl")

    def shown(done: subprocess.CompletedProcess[str]) -> tuple[int, str, list[str]]:
        # The spinner's frame depends on timing; a terminal (and the backend) shows the rest.
        return (
            done.returncode,
            done.stdout,
            [_as_displayed(line) for line in done.stderr.splitlines()],
        )

    assert shown(stand_in) == shown(real)


def test_env_replaces_the_environment_but_telemetry_stays_off(
    log: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "FAKE_AGENTCORE_LOG": str(log),
        "AGENTCORE_TELEMETRY_DISABLED": "0",
    }
    monkeypatch.setenv("FAKE_AGENTCORE_EXIT", "5")  # Ignored: not in env.

    result = AwsBackend(env=env).remove_gateway(project, "my-gateway")

    assert result.ok
    assert calls(log)[0]["telemetry_disabled"] == "1"


def test_the_stand_in_refuses_to_run_unless_a_test_set_it_up(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "FAKE_AGENTCORE_LOG"}

    done = subprocess.run(
        [sys.executable, str(FAKES_DIR / "agentcore"), "deploy", "-y", "-v"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode != 0
    assert "not the AgentCore CLI" in done.stderr
    assert not (tmp_path / DEPLOYED_STATE_PATH).exists()


def test_validate_passes_when_the_cli_and_the_workshop_checks_do(log: Path, project: Path) -> None:
    result = AwsBackend().validate(project, WorkshopSettings.value_sources())

    assert result.ok
    assert result.output.splitlines()[0] == "Valid"
    assert result.output.endswith(
        "Workshop checks (the CLI does not make them; they catch <...> placeholders):\nValid"
    )


def test_validate_fails_on_a_placeholder_the_cli_accepts(log: Path, project: Path) -> None:
    edit_config(project, lambda config: secure_runtime(config, "<COGNITO_CLIENT_ID value>"))

    result = AwsBackend().validate(project, WorkshopSettings.value_sources())

    assert not result.ok
    assert result.output.splitlines()[0] == "Valid"  # What the CLI said.
    assert (
        "  - runtimes[0].authorizerConfiguration.customJwtAuthorizer.allowedClients[0]: "
        "Unreplaced placeholder <COGNITO_CLIENT_ID value>\n"
        "    fix: Replace <COGNITO_CLIENT_ID value> with the value of SSM parameter "
        "/app/customersupport/agentcore/client_id."
    ) in result.output


def test_validate_fails_when_the_cli_does(
    log: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_AGENTCORE_EXIT", "1")

    result = AwsBackend().validate(project, WorkshopSettings.value_sources())

    assert not result.ok
    assert "simulated failure" in result.output


def test_arns_and_urls_come_from_the_deployed_state(log: Path, project: Path) -> None:
    backend = AwsBackend()
    backend.deploy(project, lambda line: None).raise_for_failure()

    arn = backend.runtime_arn(project, "CustomerSupport")
    assert arn.startswith(
        "arn:aws:bedrock-agentcore:eu-central-1:123456789012:runtime/CustomerSupport-"
    )
    assert backend.invoke_url(project, "CustomerSupport").startswith(
        "https://bedrock-agentcore.eu-central-1.amazonaws.com/runtimes/arn%3Aaws%3Abedrock-agentcore"
    )
    # The workshop's gateways have protocolType "None": the CLI files them under gateways.
    state = json.loads((project / DEPLOYED_STATE_PATH).read_text())
    assert "my-gateway" in state["targets"]["default"]["resources"]["gateways"]
    url = backend.gateway_url(project, "my-gateway")
    assert url.startswith("https://my-gateway-") and url.endswith(
        ".gateway.bedrock-agentcore.eu-central-1.amazonaws.com/mcp"
    )


@pytest.mark.parametrize(
    ("resources", "url"),
    [
        ({"gateways": {"gw": gateway_entry("a", "https://a/mcp")}}, "https://a/mcp"),
        ({"mcp": {"gateways": {"gw": gateway_entry("b", "https://b/mcp")}}}, "https://b/mcp"),
        (
            {
                "gateways": {"gw": gateway_entry("a", "https://a/mcp")},
                "mcp": {"gateways": {"gw": gateway_entry("b", "https://b/mcp")}},
            },
            "https://a/mcp",
        ),
        (
            {
                "gateways": {"other": gateway_entry("a", "https://a/mcp")},
                "mcp": {"gateways": {"gw": gateway_entry("b", "https://b/mcp")}},
            },
            "https://b/mcp",
        ),
    ],
    ids=["gateways", "mcp-gateways", "gateways-win", "merged"],
)
def test_gateway_urls_are_looked_up_as_the_cli_looks_them_up(
    project: Path, resources: dict[str, Any], url: str
) -> None:
    write_state(project, resources)
    assert AwsBackend().gateway_url(project, "gw") == url


def test_invoke_url_quotes_the_whole_arn_and_takes_its_region(project: Path) -> None:
    write_runtime_state(
        project, "arn:aws:bedrock-agentcore:eu-west-1:123456789012:runtime/CustomerSupport-AbC123"
    )

    assert AwsBackend().invoke_url(project, "CustomerSupport") == (
        "https://bedrock-agentcore.eu-west-1.amazonaws.com/runtimes/arn%3Aaws%3Abedrock-agentcore"
        "%3Aeu-west-1%3A123456789012%3Aruntime%2FCustomerSupport-AbC123/invocations?qualifier=DEFAULT"
    )


def test_the_memory_id_comes_from_the_deployed_state(log: Path, project: Path) -> None:
    """As the runtime gets it (MEMORY_CUSTOMERSUPPORTMEMORY_ID), so the notebook reads the
    memory the agent writes."""
    backend = AwsBackend()
    backend.deploy(project, lambda line: None).raise_for_failure()
    memory_id = backend.memory_id(project, MEMORY_NAME)
    assert memory_id.startswith(f"{MEMORY_NAME}-") and len(memory_id) == len(MEMORY_NAME) + 11


def test_before_deploy_the_error_names_the_resource_and_the_fix(project: Path) -> None:
    backend = AwsBackend()

    for lookup, name in [
        (backend.runtime_arn, "CustomerSupport"),
        (backend.invoke_url, "CustomerSupport"),
        (backend.gateway_url, "my-gateway"),
        (backend.memory_id, MEMORY_NAME),
    ]:
        with pytest.raises(NotDeployed) as raised:
            lookup(project, name)
        assert repr(name) in str(raised.value)
        assert "run `agentcore deploy -y -v` first" in str(raised.value)


def test_a_gateway_added_since_the_last_deploy_is_not_deployed(log: Path, project: Path) -> None:
    backend = AwsBackend()
    backend.deploy(project, lambda line: None).raise_for_failure()
    edit_config(
        project, lambda config: config["agentCoreGateways"][0].update(name="my-gateway-secure")
    )

    with pytest.raises(NotDeployed, match="'my-gateway-secure' has no deployed state"):
        backend.gateway_url(project, "my-gateway-secure")

    backend.deploy(project, lambda line: None).raise_for_failure()
    assert "my-gateway-secure-" in backend.gateway_url(project, "my-gateway-secure")
    with pytest.raises(NotDeployed, match="'my-gateway'"):
        backend.gateway_url(project, "my-gateway")


def test_a_gateway_recorded_without_a_url_asks_for_a_newer_cli(project: Path) -> None:
    write_state(project, {"gateways": {"my-gateway": gateway_entry("my-gateway-abc")}})

    with pytest.raises(NotDeployed, match=r"did not record its URL.*npm install -g @aws/agentcore"):
        AwsBackend().gateway_url(project, "my-gateway")


def test_a_broken_state_file_is_reported_not_taken_for_undeployed(project: Path) -> None:
    state_file = project / DEPLOYED_STATE_PATH
    state_file.parent.mkdir(parents=True)
    state_file.write_text('{"targets": {', encoding="utf-8")

    with pytest.raises(ValueError, match=r"not valid JSON \(line 1, column 14\)"):
        AwsBackend().runtime_arn(project, "CustomerSupport")


def test_an_arn_without_a_region_gives_no_invoke_url(project: Path) -> None:
    write_runtime_state(project, "not-an-arn")

    with pytest.raises(ValueError, match="'not-an-arn' is not a runtime ARN with a region"):
        AwsBackend().invoke_url(project, "CustomerSupport")


def test_a_command_shows_a_token_as_a_shell_variable() -> None:
    argv = commands.invoke("What's up?", SESSION, TOKEN)
    assert argv[-3:] == ["--bearer-token", TOKEN, "--stream"]
    assert commands.shown(argv) == (
        f'agentcore invoke "What\'s up?" --session-id {SESSION} --bearer-token "$TOKEN" --stream'
    )
    assert commands.shown(["agentcore", "invoke", 'Say "$HOME"']) == (
        "agentcore invoke 'Say \"$HOME\"'"
    )


def test_the_token_reaches_the_cli_inside_its_process_never_on_its_command_line(
    tmp_path: Path,
) -> None:
    """Node with the kit's preload, as the backend starts the real CLI: the token is among
    the arguments the CLI parses, and not on the command line other users can read."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("needs Node.js, which runs the real agentcore CLI")
    argv, env = commands.token_in_environment(
        commands.invoke("Hello", SESSION, TOKEN), {"PATH": os.environ["PATH"]}
    )
    assert TOKEN not in argv and argv[-1] == "--stream"
    report = tmp_path / "seen.json"
    script = (
        "const fs = require('fs');"
        "fs.writeFileSync(process.env.REPORT, JSON.stringify({"
        "  parsed: process.argv.slice(1),"
        "  cmdline: fs.readFileSync('/proc/self/cmdline', 'latin1'),"
        "  inherited: process.env.AGENTCORE_KIT_BEARER_TOKEN ?? null}))"
    )
    subprocess.run([node, "-e", script, *argv[1:]], env={**env, "REPORT": str(report)}, check=True)
    seen = json.loads(report.read_text())
    assert seen["parsed"][-2:] == ["--bearer-token", TOKEN]
    assert TOKEN not in seen["cmdline"] and seen["inherited"] is None


def test_aws_mode_reads_the_six_ssm_parameters_through_boto3(aws: None) -> None:
    values = {
        "cognito_discovery_url": DISCOVERY_URL,
        "client_id": "1abc2def3ghi4jkl5mno6pqr",
        "pool_id": "eu-central-1_aBcDeFgHi",
        "cognito_token_url": "https://example.auth.eu-central-1.amazoncognito.com/oauth2/token",
        "cognito_auth_scope": "customersupport/invoke",
        "warranty_check_lambda_arn": LAMBDA_ARN,
    }

    ssm = boto3.client("ssm")
    with pytest.raises(SettingsError, match=PARAMETER_PREFIX + "client_id"):
        load_settings()
    for key, value in values.items():
        ssm.put_parameter(Name=PARAMETER_PREFIX + key, Value=value, Type="String")

    assert load_settings() == WorkshopSettings(**values)


def _web_app_prerequisites() -> WorkshopSettings:
    """What the prerequisite stack makes for section 4 of notebook 04, in moto's Cognito:
    a web client without secret that allows password sign-in, and alice, her password in
    Secrets Manager; the settings as the notebook reads them, web client id included."""
    cognito, secretsmanager = boto3.client("cognito-idp"), boto3.client("secretsmanager")
    pool = cognito.create_user_pool(PoolName="CustomerSupportUserPool")["UserPool"]["Id"]
    web = cognito.create_user_pool_client(
        UserPoolId=pool,
        ClientName="CustomerSupportWebClient",
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    password = secretsmanager.get_random_password(PasswordLength=24)["RandomPassword"]
    secretsmanager.create_secret(
        Name=user_secret("alice"),
        SecretString=json.dumps({"username": "alice", "password": password}),
    )
    cognito.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS")
    cognito.admin_set_user_password(
        UserPoolId=pool, Username="alice", Password=password, Permanent=True
    )
    values = {
        "cognito_discovery_url": DISCOVERY_URL,
        "client_id": "1abc2def3ghi4jkl5mno6pqr",
        "pool_id": pool,
        "cognito_token_url": "https://example.auth.eu-central-1.amazoncognito.com/oauth2/token",
        "cognito_auth_scope": "customersupport/invoke",
        "warranty_check_lambda_arn": LAMBDA_ARN,
        "web_client_id": web,
    }
    for key, value in values.items():
        boto3.client("ssm").put_parameter(Name=PARAMETER_PREFIX + key, Value=value, Type="String")
    return load_settings()


def test_aws_mode_signs_in_at_the_web_client_with_the_password_from_secrets_manager(
    aws: None,
) -> None:
    settings = _web_app_prerequisites()
    alice = sign_in(settings, "alice")
    claims = alice.access.claims()
    assert (claims["username"], claims["client_id"]) == ("alice", settings.web_client_id)
    assert alice.id_token.claims()["token_use"] == "id"
    renewed = refresh(alice)
    assert renewed.access.claims()["username"] == "alice"
    assert alice.refresh_token not in repr(renewed)


def test_aws_mode_sign_in_says_what_the_prerequisite_stack_lacks(aws: None) -> None:
    settings = _web_app_prerequisites()
    with pytest.raises(SignInError, match=user_secret("bob")):
        sign_in(settings, "bob")
    boto3.client("ssm").delete_parameter(Name=PARAMETER_PREFIX + "web_client_id")
    older_stack = load_settings()
    assert older_stack.web_client_id is None
    with pytest.raises(SignInError, match=PARAMETER_PREFIX + "web_client_id"):
        sign_in(older_stack, "alice")
