"""No token, client secret or password anywhere a learner or an operator can read them.

The test runs the whole workshop flow on the shared stack as the notebooks do: a fresh
project, the four steps deployed, tokens fetched and shown, a user signed in and her
tokens refreshed, the agent invoked through the helpers and the CLI, the Gateway called
directly, and refusals provoked (no token, a tampered token, another client's token, an
ID token, a token in the query string). Then it scans what the helpers printed and
logged, and every file in the working-state folder: the stack's and the agents' logs
(holding the earlier tests' traffic too), the memory store, the deployed state. It
looks for JWT-shaped strings, every client secret in the stack's Cognito, every user's
password in its Secrets Manager, and the user's refresh token.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from helpers.emulator.cli import main as cli_main
from helpers.emulator.core.state import StackState
from helpers.kit import steps
from helpers.kit.backends.local import LocalBackend
from helpers.kit.calling import gateway_client, traffic
from helpers.kit.calling.invoke import invoke, new_session_id, print_invoke
from helpers.kit.http import client as http_client
from helpers.kit.paths import REPO_ROOT
from helpers.kit.settings import WorkshopSettings
from helpers.kit.sign_in import refresh, sign_in
from helpers.kit.tokens import describe_claims, get_token, tampered
from helpers.wire.invoke_errors import InvokeUnauthorized
from tests.leaks import find_leaks, scan_files, stack_secrets
from tests.support import WARRANTY_PROMPT, WARRANTY_TOOL, partner_client_id

pytestmark = pytest.mark.stack


def test_whole_flow_leaves_no_token_or_secret_in_output_logs_or_state(
    local_stack: StackState,
    backend: LocalBackend,
    settings: WorkshopSettings,
    workshop_home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO)
    folder = tmp_path / "project"
    steps.fresh_project(folder)
    try:
        steps.prepare(folder, settings, backend, through_step=steps.LAST_STEP, progress=print)
        token = get_token(settings)
        print(token, describe_claims(token))
        alice = sign_in(settings, "alice")
        print(alice, repr(alice), describe_claims(alice.access), describe_claims(alice.id_token))
        alice = refresh(alice)
        print(alice)
        url = backend.invoke_url(folder, steps.RUNTIME)
        gateway_url = backend.gateway_url(folder, steps.SECURE_GATEWAY)
        assert "2027-03-01" in print_invoke(
            url, WARRANTY_PROMPT, token=token, session_id=new_session_id()
        )
        partner = get_token(settings, partner_client_id(local_stack))
        assert "30 days" in print_invoke(
            url, "What's the return policy?", token=alice.access, session_id=new_session_id()
        )
        for refused_token in (None, tampered(token), partner, alice.id_token):
            with pytest.raises(InvokeUnauthorized) as refusal:
                invoke(url, WARRANTY_PROMPT, token=refused_token, session_id=new_session_id())
            print(refusal.value)
        in_query = http_client().post(url, params={"access_token": token.value}, json={})
        assert in_query.status_code == 401
        print(in_query.text)

        print(gateway_client.list_tools(gateway_url, token))
        print(
            gateway_client.call_tool(gateway_url, token, WARRANTY_TOOL, {"product_id": "PROD-002"})
        )

        interactions = traffic.send_all(
            url, traffic.WORKSHOP_PROMPTS, new_session_id(), lambda _: get_token(settings)
        )
        print(traffic.html_table(interactions))
        monkeypatch.chdir(folder)
        assert cli_main(["invoke", WARRANTY_PROMPT, "--bearer-token", token.value]) == 0
        assert cli_main(["invoke", WARRANTY_PROMPT, "--stream"]) == 1
    finally:
        backend.remove_all(folder).raise_for_failure()
        backend.deploy(folder).raise_for_failure()

    secrets = stack_secrets(workshop_home) | {"alice's refresh token": alice.refresh_token}
    assert any(label.startswith("password in ") for label in secrets), "no password to look for"
    assert any(label.startswith("client secret") for label in secrets), "no secret to look for"
    captured = capsys.readouterr()
    leaks = [f"printed: {what}" for what in find_leaks(captured.out + captured.err, secrets)]
    leaks += [f"logged: {what}" for what in find_leaks(caplog.text, secrets)]
    leaks += scan_files(workshop_home.rglob("*"), secrets)
    assert not leaks


def test_notebook_03_says_why_printing_the_header_is_a_leak() -> None:
    """The redaction is a safety net; the lesson is to never log the value at all."""
    notebook = json.loads((REPO_ROOT / "notebooks" / "03_mcp_client_auth.ipynb").read_text())
    text = " ".join(
        "".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "markdown"
    )
    assert "Never print or log the header" in text
    assert "bearer" in text and "CloudWatch" in text, "the text must say why it leaks"
