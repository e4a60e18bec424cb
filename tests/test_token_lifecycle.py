"""Tokens expire and callers change: the agent must follow each request's token, not the first.

The workshop's original ``main.py`` cached the agent together with the first request's
Gateway client, so a cached agent kept presenting that request's token to the Gateway:
an expired one, or another caller's. These tests run the finished workshop on the
shared stack with its Runtime also admitting the partner team's client, which the
Gateway still refuses: a token the Runtime accepts and the Gateway refuses.

The expired token is minted with the stack's real signing key and an issue time an hour
ago, which is what a token fetched an hour ago looks like, without waiting an hour.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers.emulator import stack
from helpers.emulator.client import ControlClient
from helpers.emulator.control.wire import Stats
from helpers.emulator.core.state import StackLayout, StackState
from helpers.emulator.identity.keys import SigningKeyStore
from helpers.emulator.identity.tokens import mint_access_token
from helpers.kit.calling import traffic
from helpers.kit.calling.invoke import invoke, new_session_id
from helpers.kit.settings import WorkshopSettings
from helpers.kit.tokens import AccessToken, get_token
from helpers.model.config import read_config, write_config
from helpers.model.names import WELL_KNOWN_SUFFIX
from helpers.wire.invoke_errors import InvokeUnauthorized
from tests.support import (
    WARRANTY_END,
    WARRANTY_PROMPT,
    FinishedWorkshop,
    partner_client_id,
)

pytestmark = pytest.mark.stack

TOOL_UNAVAILABLE = "The warranty check tool is unavailable right now"


@dataclass(frozen=True)
class Lifecycle:
    """The deployed workshop and the tokens the tests hand to it."""

    runtime_url: str
    control: ControlClient
    settings: WorkshopSettings
    partner_client_id: str
    expired: AccessToken

    def ask(self, prompt: str, token: AccessToken, session_id: str) -> str:
        return invoke(self.runtime_url, prompt, token=token, session_id=session_id)

    def executed(self) -> Stats:
        """How many requests reached each agent and each Lambda so far."""
        return self.control.stats()


def _expired_token(home: Path, settings: WorkshopSettings) -> AccessToken:
    """A workshop token issued an hour and a minute ago with the usual hour of life."""
    issued_at = time.time() - 3660
    value = mint_access_token(
        SigningKeyStore(StackLayout(home).signing_keys_file),
        issuer=settings.cognito_discovery_url.removesuffix(WELL_KNOWN_SUFFIX),
        client_id=settings.client_id,
        scopes=[settings.cognito_auth_scope],
        lifetime_seconds=3600,
        now=issued_at,
    )
    return AccessToken(value=value, expires_at=issued_at + 3600)


@pytest.fixture(scope="module")
def lifecycle(
    finished_workshop: FinishedWorkshop, local_stack: StackState, workshop_home: Path
) -> Iterator[Lifecycle]:
    """The finished workshop, its Runtime also admitting the partner client."""
    folder, settings = finished_workshop.folder, finished_workshop.settings
    partner = partner_client_id(local_stack)
    config = read_config(folder)
    jwt_authorizer = config["runtimes"][0]["authorizerConfiguration"]["customJwtAuthorizer"]
    jwt_authorizer["allowedClients"].append(partner)
    write_config(folder, config)
    finished_workshop.backend.deploy(folder).raise_for_failure()
    yield Lifecycle(
        runtime_url=finished_workshop.runtime_url,
        control=stack.control(workshop_home),
        settings=settings,
        partner_client_id=partner,
        expired=_expired_token(workshop_home, settings),
    )


def test_token_expiring_mid_session_then_a_fresh_one_carries_on_through_the_gateway(
    lifecycle: Lifecycle,
) -> None:
    session = new_session_id()
    introduced = lifecycle.ask("My name is Morgan.", get_token(lifecycle.settings), session)
    assert "Nice to meet you, Morgan" in introduced

    executed = lifecycle.executed()
    with pytest.raises(InvokeUnauthorized, match="token expired"):
        lifecycle.ask(WARRANTY_PROMPT, lifecycle.expired, session)
    assert lifecycle.executed() == executed

    fresh = get_token(lifecycle.settings, force_refresh=True)
    assert WARRANTY_END in lifecycle.ask(WARRANTY_PROMPT, fresh, session)
    assert lifecycle.ask("Do you remember my name?", fresh, session) == "Yes, your name is Morgan."


def test_traffic_helper_fetches_a_fresh_token_when_its_token_has_expired(
    lifecycle: Lifecycle,
) -> None:
    fresh = get_token(lifecycle.settings, force_refresh=True)
    interaction = traffic.send(
        lifecycle.runtime_url,
        WARRANTY_PROMPT,
        new_session_id(),
        lambda refresh: fresh if refresh else lifecycle.expired,
    )
    assert interaction.ok and interaction.retried
    assert WARRANTY_END in interaction.answer


def test_each_request_presents_its_own_token_to_the_gateway(lifecycle: Lifecycle) -> None:
    """A refused forwarded token gets a clear answer, and no caller rides on another's token."""
    workshop = get_token(lifecycle.settings)
    partner = get_token(lifecycle.settings, lifecycle.partner_client_id)
    session = new_session_id()
    lambda_calls = lifecycle.executed()["lambda_invocations"]

    assert WARRANTY_END in lifecycle.ask(WARRANTY_PROMPT, workshop, session)
    refused = lifecycle.ask(WARRANTY_PROMPT, partner, session)
    assert TOOL_UNAVAILABLE in refused and WARRANTY_END not in refused
    assert WARRANTY_END in lifecycle.ask(WARRANTY_PROMPT, workshop, session)

    after = lifecycle.executed()["lambda_invocations"]
    assert sum(after.values()) - sum(lambda_calls.values()) == 2  # the partner's call ran none
