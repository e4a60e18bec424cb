"""The kit's side of the learner's path, without the stack: checkers, typed commands, views.

- a checker lists every problem of a file at once (a placeholder *and* a string where a
  list belongs), each with its fix;
- ``ws.run`` reads the real CLI's syntax and refuses what the CLI refuses;
- an agent's exception, streamed or not, becomes an error naming its log;
- refused calls are labelled as refused; chart labels are cut between words only, and
  the waterfall's legend stays off the bars.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import jwt
import pytest
from matplotlib.figure import Figure

from helpers.kit import command_line, widgets
from helpers.kit.calling import traffic
from helpers.kit.checks.code import MAIN_FILE
from helpers.kit.checks.config import (
    check_gateway_replaced,
    check_old_gateway_removed,
    check_runtime_authorizer,
    check_secure_gateway,
    check_warranty_target,
)
from helpers.kit.errors import CommandLineError
from helpers.kit.observability import views
from helpers.kit.paths import REPO_ROOT
from helpers.kit.steps import fresh_project
from helpers.kit.tokens import AccessToken
from helpers.wire.interactions import Step, ToolCall, TraceInteraction, classify
from helpers.wire.spans import SpanRecord
from tests.support import OFFLINE_SETTINGS

SETTINGS = OFFLINE_SETTINGS


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "my-project"
    fresh_project(folder)
    return folder


def _edit_runtime(project: Path, **keys: object) -> None:
    path = project / "agentcore" / "agentcore.json"
    config = json.loads(path.read_text())
    config["runtimes"][0].update(copy.deepcopy(keys))
    path.write_text(json.dumps(config, indent=2))


def _secure_runtime(project: Path, discovery_url: str, allowed_clients: object) -> None:
    """Step 1 as a learner types it, with the two values they paste in."""
    _edit_runtime(
        project,
        requestHeaderAllowlist=["Authorization"],
        authorizerType="CUSTOM_JWT",
        authorizerConfiguration={
            "customJwtAuthorizer": {
                "discoveryUrl": discovery_url,
                "allowedClients": allowed_clients,
            }
        },
    )


# --- checkers --------------------------------------------------------------------------------


def test_the_runtime_checker_lists_a_placeholder_and_a_string_list_together(
    project: Path,
) -> None:
    _secure_runtime(project, "<COGNITO_DISCOVERY_URL value>", "client123workshop")
    result = check_runtime_authorizer(project, SETTINGS)
    text = "\n".join(result.missing)
    assert not result.ok
    assert "discoveryUrl: replace the placeholder <COGNITO_DISCOVERY_URL value>" in text
    assert SETTINGS.cognito_discovery_url in text
    assert "allowedClients: it must be a list" in text
    assert '["client123workshop"]' in text
    assert len(result.missing) == 2, result.missing  # one line per problem, no echo


def test_a_placeholder_left_in_the_client_list_is_named_once_and_shown_in_the_notebook(
    project: Path,
) -> None:
    _secure_runtime(project, SETTINGS.cognito_discovery_url, ["<COGNITO_CLIENT_ID value>"])
    result = check_runtime_authorizer(project, SETTINGS)
    assert len(result.missing) == 1, result.missing  # not again as allowedClients[0]
    # Markdown would read the placeholder as an HTML tag and show nothing of it.
    shown = result._repr_markdown_()
    assert "&lt;COGNITO_CLIENT_ID value&gt;" in shown and "<COGNITO" not in shown


def test_the_runtime_checker_names_every_missing_key_of_an_untouched_file(project: Path) -> None:
    missing = check_runtime_authorizer(project, SETTINGS).missing
    assert [line.split(":")[0] for line in missing] == [
        "runtimes[0].requestHeaderAllowlist",
        "runtimes[0].authorizerType",
        "runtimes[0].authorizerConfiguration",
    ]


def test_the_runtime_checker_passes_the_learners_own_valid_wording(project: Path) -> None:
    _edit_runtime(
        project,
        requestHeaderAllowlist=["Authorization", "X-Amzn-Bedrock-AgentCore-Runtime-Custom-Team"],
        authorizerType="CUSTOM_JWT",
        authorizerConfiguration={
            "customJwtAuthorizer": {
                "allowedClients": ["client123workshop"],
                "discoveryUrl": SETTINGS.cognito_discovery_url,
            }
        },
    )
    assert check_runtime_authorizer(project, SETTINGS).ok


def test_step_2_checkers_say_which_command_is_missing(project: Path) -> None:
    removed = check_old_gateway_removed(project)
    assert "agentcore remove gateway --name my-gateway -y" in str(removed)
    secure = check_secure_gateway(project, SETTINGS)
    assert "--authorizer-type CUSTOM_JWT" in str(secure)
    target = check_warranty_target(project, SETTINGS)
    assert "agentcore add gateway-target" in str(target)
    assert len(check_gateway_replaced(project, SETTINGS).missing) == 3


# --- typed commands --------------------------------------------------------------------------

VARIABLES: dict[str, command_line.Value] = {
    "COGNITO_DISCOVERY_URL": SETTINGS.cognito_discovery_url,
    "COGNITO_CLIENT_ID": "c1",
    "WARRANTY_LAMBDA_ARN": "a",
}


def test_the_workshops_commands_parse_as_the_cli_reads_them() -> None:
    added = command_line.parse(
        "agentcore add gateway --name my-gateway-secure --runtimes CustomerSupport \\\n"
        '--authorizer-type CUSTOM_JWT --discovery-url "$COGNITO_DISCOVERY_URL" \\\n'
        "--allowed-clients ${COGNITO_CLIENT_ID}",
        VARIABLES,
    )
    assert added.name == "add gateway"
    assert added.options["discovery_url"] == SETTINGS.cognito_discovery_url
    assert added.list_option("allowed_clients") == ["c1"]
    removed = command_line.parse("agentcore remove gateway --name my-gateway -y", VARIABLES)
    assert (removed.name, removed.options["name"]) == ("remove gateway", "my-gateway")
    assert command_line.parse("agentcore deploy -y -v", VARIABLES).name == "deploy"
    target = command_line.parse(command_line.USAGE["add gateway-target"], VARIABLES)
    assert target.options["tool_schema_file"] == "app/CustomerSupport/tool/warranty_schema.json"


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("agentcore remove gateway --nam my-gateway -y", "--name"),  # no abbreviations
        ("agentcore add gateway-target --name W", "required: --type"),
        ("agentcore remove gateway --name $GATEWAY -y", "$GATEWAY is not set"),
        ("aws ssm get-parameter --name x", "start with `agentcore`"),
        ('agentcore invoke "unclosed', "Cannot read the command line"),
        ("agentcore add runtime --name x", "The workshop's form"),
    ],
)
def test_a_command_the_cli_would_refuse_is_explained(line: str, says: str) -> None:
    with pytest.raises(CommandLineError) as refused:
        command_line.parse(line, VARIABLES)
    assert says in str(refused.value)


# --- errors from the agent -------------------------------------------------------------------


def test_a_refused_call_is_labelled_refused() -> None:
    refused = traffic.Interaction("hi", False, None, 0.0, "HTTP 401", refused=True)
    assert refused.status == "refused"
    assert "refused" in traffic.html_table([refused])
    assert traffic.Interaction("hi", False, None, 0.0, "HTTP 502").status == "failed"


# --- views -----------------------------------------------------------------------------------


def _interaction(prompt: str | None, steps: list[Step]) -> TraceInteraction:
    return TraceInteraction(
        trace_id="t" * 32,
        session_id="s" * 36,
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        duration_ms=100.0,
        prompt=prompt,
        tools=[ToolCall("WarrantyCheck___check_warranty_status", "success", 40.0)],
        steps=steps,
        complete=True,
    )


def test_the_waterfall_legend_is_beside_the_bars_not_over_them() -> None:
    steps = [
        Step("runtime.invoke", "runtime", 0, 100, "OK", "runtime", 0),
        Step("invoke_agent CustomerSupport", "agent", 5, 90, "OK", "agent", 1),
        Step("lambda.invoke", "lambda", 60, 38, "OK", "gateway", 2),
    ]
    figure: Figure = views.waterfall(_interaction("Check the warranty for PROD-001", steps))
    figure.canvas.draw()
    ax = figure.axes[0]
    legend = ax.get_legend()
    assert legend is not None
    legend_box = legend.get_window_extent()
    assert legend_box.x0 >= ax.get_window_extent().x1  # entirely right of the plot


def test_the_wait_before_the_agent_is_a_labelled_row_and_memory_calls_are_memory() -> None:
    steps = [
        Step("runtime.invoke", "runtime", 0, 100, "OK", "runtime", 0),
        Step("Bedrock AgentCore.ListEvents", "memory", 20, 8, "UNSET", "agent", 1),
        Step("invoke_agent CustomerSupport", "agent", 40, 55, "OK", "agent", 1),
    ]
    figure = views.waterfall(_interaction("Check the warranty for PROD-001", steps))
    labels = [label.get_text().strip() for label in figure.axes[0].get_yticklabels()]
    assert labels[:3] == [
        "runtime.invoke",
        "(before the agent: your entrypoint builds it)",
        "Bedrock AgentCore.ListEvents",
    ]
    # A kept agent starts at once: no row for a wait of 2 ms in 100.
    steps[2] = Step("invoke_agent CustomerSupport", "agent", 2, 93, "OK", "agent", 1)
    figure = views.waterfall(_interaction("Check the warranty for PROD-001", steps))
    assert len(figure.axes[0].get_yticklabels()) == 3

    span = SpanRecord(
        "t" * 32, "s" * 16, "p" * 16, "Bedrock AgentCore.CreateEvent", "CLIENT", "agent", 0, 1,
        "UNSET", "", {"rpc.system": "aws-api", "rpc.service": "Bedrock AgentCore"}, (),
    )  # fmt: skip
    assert classify(span) == "memory"


def test_labels_are_cut_between_words_only() -> None:
    label = views._shorten("What's the return policy for electronics and accessories?", 30)
    assert label.endswith("…") and label[:-1] in "What's the return policy for electronics"
    assert not label[:-1].endswith(("retur", "polic", "electr"))
    figure = views.caller_timings(
        [traffic.Interaction("What's the return policy for electronics?", True, 5.0, 9.0, "")]
    )
    text = figure.axes[0].get_yticklabels()[0].get_text()
    assert text.replace("\n", " ") == "What's the return policy for electronics?"


def test_a_refused_interaction_says_so_in_the_table() -> None:
    refused = _interaction(None, [Step("runtime.invoke", "runtime", 0, 3, "ERROR", "rt", 0)])
    assert refused.refused
    assert "refused by the Runtime" in views.html_table([refused])


def test_catch_up_on_an_untouched_file_needs_no_backup(project: Path) -> None:
    from helpers.kit.steps import apply_runtime_authorizer, apply_token_forwarding

    (done,) = apply_runtime_authorizer(project, SETTINGS)
    assert done.backup is None and "it held no edit of yours" in str(done)
    assert check_runtime_authorizer(project, SETTINGS).ok
    assert apply_runtime_authorizer(project, SETTINGS) == []  # passing: left alone
    main = project / MAIN_FILE
    main.write_text(main.read_text() + "# mine\n")
    replaced = {item.path.name: item for item in apply_token_forwarding(project)}
    assert replaced["client.py"].backup is None
    kept = replaced["main.py"].backup
    assert kept is not None and kept.read_text().endswith("# mine\n")
    assert f"your version is kept in {kept}" in str(replaced["main.py"])
    assert not list(project.rglob("client.py.bak-*"))


def test_catch_up_rewrites_a_wrong_gateway_configuration_and_leaves_a_wrong_type(
    project: Path,
) -> None:
    from helpers.kit.steps import apply_gateway_authorizer
    from helpers.model.config import read_config, write_config
    from helpers.model.edits import add_gateway, gateway_from_flags
    from helpers.model.names import SECURE_GATEWAY

    def with_secure_gateway(authorizer_type: str, clients: tuple[str, ...]) -> None:
        gateway = gateway_from_flags(
            name=SECURE_GATEWAY,
            authorizer_type=authorizer_type,
            discovery_url=SETTINGS.cognito_discovery_url,
            allowed_clients=clients,
        )
        write_config(project, add_gateway(fresh, gateway))

    fresh = read_config(project)
    # The type is right, the configuration wrong: rewritten, deployed in place later.
    with_secure_gateway("CUSTOM_JWT", ("someone-else",))
    written = read_config(project)
    (done,) = apply_gateway_authorizer(project, SETTINGS)
    assert done.backup is not None and json.loads(done.backup.read_text()) == written
    assert check_secure_gateway(project, SETTINGS).ok
    secure = read_config(project)["agentCoreGateways"][-1]
    assert list(secure) == list(written["agentCoreGateways"][-1])  # keys where they were
    assert secure["authorizerConfiguration"]["customJwtAuthorizer"]["allowedClients"] == [
        SETTINGS.client_id
    ]
    assert apply_gateway_authorizer(project, SETTINGS) == []  # passing: left alone
    # The type is wrong: not an edit in place (AWS refuses a new type for a gateway).
    with_secure_gateway("NONE", ())
    assert apply_gateway_authorizer(project, SETTINGS) == []
    assert "Authorizer type cannot be updated for an existing gateway" in str(
        check_secure_gateway(project, SETTINGS)
    )


def test_a_notebooks_first_cell_does_not_import_mcp() -> None:
    # Every notebook starts with this import; mcp (~0.3 s per kernel) waits for the first
    # cell that calls a gateway directly.
    probe = "import sys; from helpers import _, start; print('mcp' in sys.modules)"
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    )
    assert found.stdout.strip() == "False"


def test_the_claims_table_spells_out_time_stamps_as_notebook_01_does() -> None:
    claims = {"sub": "m2m", "client_id": "m2m", "token_use": "access", "exp": 1_800_000_000}
    token = AccessToken(jwt.encode(claims, "unchecked-key-of-32-bytes-length!"), 1_800_000_000)
    table = widgets.claims_table({"machine": token}).value
    assert "1800000000 (2027-01-15 08:00:00 UTC)" in table


def test_the_traffic_table_shows_whole_answers_read_from_the_left() -> None:
    answer = (
        "Here is what I found:\n\nReturn policy for accessories: Window: 14 days, Condition: "
        "Must be in original packaging, unused, Refund: Store credit or exchange"
    )
    table = traffic.html_table(
        [traffic.Interaction("What's the return policy for accessories?", True, 5.0, 9.0, answer)]
    )
    assert "Store credit or exchange" in table
    assert "<td style='text-align:left'>What&#x27;s the return policy" in table
