"""Who is calling decides whose memory the agent reads: the finished workshop, end to end.

Through the real front door, with the agent deployed from the finished project (step 4):
a signed-in user's access token and the machine token are both let in, an ID token is
not; the Runtime's trace names the kind of caller; and the memory actor is the verified
token's subject, whatever the caller writes in the payload or which session id it uses.
Alice tells the agent her name once, and in a later session it remembers; Bob never
learns it.
"""

from __future__ import annotations

import time

import pytest

from helpers.basics.i18n import use_language
from helpers.emulator.core.state import StackLayout
from helpers.emulator.identity.keys import SigningKeyStore
from helpers.emulator.identity.tokens import sign
from helpers.emulator.telemetry.store import SpanStore
from helpers.kit import http, memory
from helpers.kit.calling import admission
from helpers.kit.calling.invoke import invoke, new_session_id, stream_invoke
from helpers.kit.sign_in import UserTokens, sign_in
from helpers.kit.tokens import AccessToken, get_token, tampered
from helpers.model.names import MEMORY_NAME
from helpers.wire.callers import Caller
from helpers.wire.interactions import TraceInteraction, build_interactions
from helpers.wire.invocation import SESSION_HEADER
from helpers.wire.invoke_errors import InvokeUnauthorized
from tests.support import FinishedWorkshop, poll_until

pytestmark = pytest.mark.stack

RECALL = "Do you remember my name?"


@pytest.fixture(scope="module")
def alice(finished_workshop: FinishedWorkshop) -> UserTokens:
    return sign_in(finished_workshop.settings, "alice")


@pytest.fixture(scope="module")
def bob(finished_workshop: FinishedWorkshop) -> UserTokens:
    return sign_in(finished_workshop.settings, "bob")


def _ask(workshop: FinishedWorkshop, prompt: str, token: AccessToken, session: str) -> str:
    return invoke(workshop.runtime_url, prompt, token=token, session_id=session)


def test_both_kinds_of_caller_get_in_and_an_id_token_does_not(
    finished_workshop: FinishedWorkshop, alice: UserTokens
) -> None:
    machine = get_token(finished_workshop.settings)
    for token in (machine, alice.access):
        assert "30 days" in _ask(
            finished_workshop, "What's the return policy?", token, new_session_id()
        )
    for refused, reason in (
        (alice.id_token, "no client_id"),
        (tampered(alice.access), "signature"),
    ):
        with pytest.raises(InvokeUnauthorized, match=reason):
            _ask(finished_workshop, "Hello", refused, new_session_id())


def test_a_signed_in_users_warranty_check_goes_through_the_gateway(
    finished_workshop: FinishedWorkshop, alice: UserTokens
) -> None:
    """Step 4 lets the web client in at the Gateway too: the agent forwards alice's token."""
    gateway = finished_workshop.backend.gateway_url(finished_workshop.folder, "my-gateway-secure")
    answer = _ask(
        finished_workshop, "Check the warranty for PROD-002", alice.access, new_session_id()
    )
    assert "2028-01-15" in answer and "unavailable" not in answer
    # The same gateway, updated in place when the web client joined its allowedClients.
    assert gateway == finished_workshop.backend.gateway_url(
        finished_workshop.folder, "my-gateway-secure"
    )


def test_the_tokens_side_by_side_say_who_called_and_what_the_runtime_did(
    finished_workshop: FinishedWorkshop, alice: UserTokens
) -> None:
    machine = get_token(finished_workshop.settings)
    rows = admission.admit(
        finished_workshop.runtime_url,
        {"machine": machine, "alice": alice.access, "alice's ID token": alice.id_token},
    )
    machine_caller = Caller("machine", finished_workshop.settings.client_id)
    assert [(r.label, r.caller, r.token_use, r.admitted) for r in rows] == [
        ("machine", machine_caller, "access", True),
        ("alice", Caller("user", "alice"), "access", True),
        ("alice's ID token", Caller("user", "alice"), "id", False),
    ]
    assert "Return policy" in rows[1].detail and "no client_id" in rows[2].detail
    table = admission.html_table(rows)
    assert "refused (401)" in table and "user alice" in table and "eyJ" not in table
    with use_language("zh-CN"):
        chinese = admission.html_table(rows)
    # The kit's words in the learner's language; AWS's word and the claim names stay.
    assert "被拒绝（401）" in chinese and "用户 alice" in chinese and "token_use" in chinese


def test_alice_is_remembered_in_a_later_session_and_bob_never_sees_it(
    finished_workshop: FinishedWorkshop, alice: UserTokens, bob: UserTokens
) -> None:
    first = new_session_id()
    assert "Nice to meet you, Alice" in _ask(
        finished_workshop, "My name is Alice", alice.access, first
    )
    later = _ask(finished_workshop, RECALL, alice.access, new_session_id())
    assert later.startswith("Yes, your name is Alice.") and "earlier conversation" in later
    # Bob: in a session of his own, in Alice's very session, and naming her in the payload.
    assert "don't know" in _ask(finished_workshop, RECALL, bob.access, new_session_id())
    assert "don't know" in _ask(finished_workshop, RECALL, bob.access, first)
    forged = stream_invoke(
        finished_workshop.runtime_url,
        RECALL,
        token=bob.access,
        session_id=new_session_id(),
        extra_payload={"user_id": memory.actor_of(alice.access), "actor": "alice"},
    )
    assert "don't know" in "".join(forged)
    # What long-term memory holds, by actor: the user's id, not a name anyone can claim.
    memory_id = finished_workshop.backend.memory_id(finished_workshop.folder, MEMORY_NAME)
    assert memory.facts(memory_id, memory.actor_of(alice.access)) == ["The user's name is Alice."]
    assert memory.facts(memory_id, memory.actor_of(bob.access)) == []
    assert memory.actor_of(alice.access) != "alice"


def test_the_machine_client_is_one_actor_for_all_its_callers(
    finished_workshop: FinishedWorkshop,
) -> None:
    machine = get_token(finished_workshop.settings, force_refresh=True)
    name = f"Machine{int(time.time())}"
    _ask(finished_workshop, f"My name is {name}", machine, new_session_id())
    other_token_same_client = get_token(finished_workshop.settings, force_refresh=True)
    assert name in _ask(finished_workshop, RECALL, other_token_same_client, new_session_id())


def test_callers_whose_token_is_not_forwarded_share_no_memory(
    finished_workshop: FinishedWorkshop, workshop_home_path: StackLayout
) -> None:
    """A valid token over 4 KB passes the Runtime, which forwards no header value that
    long (AgentCore's allowlist rule): the agent has no verified caller, so it reads and
    writes no memory and logs why, and one such caller never learns another's name. A
    lowercase scheme is as good as ``Bearer``."""
    settings = finished_workshop.settings
    issuer = settings.cognito_discovery_url.removesuffix("/.well-known/openid-configuration")
    keys = SigningKeyStore(workshop_home_path.signing_keys_file)

    def oversized(sub: str) -> AccessToken:
        now = int(time.time())
        claims = {
            "sub": sub,
            "client_id": settings.client_id,
            "token_use": "access",
            "scope": settings.cognito_auth_scope,
            "iss": issuer,
            "iat": now,
            "exp": now + 600,
            "padding": "x" * 4096,
        }
        return AccessToken(sign(keys, claims), expires_at=now + 600)

    log = workshop_home_path.runtime_log("CustomerSupport")
    mark = log.stat().st_size
    first, second = oversized("mallory-1"), oversized("mallory-2")
    _ask(finished_workshop, "My name is Mallory", first, new_session_id())
    assert "don't know" in _ask(finished_workshop, RECALL, second, new_session_id())
    assert "No verified caller" in log.read_text()[mark:]
    lowercase = http.client().post(
        finished_workshop.runtime_url,
        json={"prompt": "My name is Mallory"},
        headers={
            "Authorization": f"bearer {get_token(settings).value}",
            SESSION_HEADER: new_session_id(),
        },
        timeout=60,
    )
    assert lowercase.status_code == 200 and "Mallory" in lowercase.text


def test_the_runtimes_trace_names_the_kind_of_caller(
    finished_workshop: FinishedWorkshop, alice: UserTokens, workshop_home_path: StackLayout
) -> None:
    session = new_session_id()
    _ask(finished_workshop, "Tell me about PROD-002", alice.access, session)
    _ask(
        finished_workshop, "Tell me about PROD-002", get_token(finished_workshop.settings), session
    )
    store = SpanStore(workshop_home_path.traces_file)

    def both_complete() -> list[TraceInteraction]:
        interactions = build_interactions(store.spans_for_session(session))
        return interactions if sum(i.complete for i in interactions) >= 2 else []

    poll_until(both_complete, within=15, every=0.2)
    interactions = build_interactions(store.spans_for_session(session))
    callers = [i.caller for i in interactions]
    machine_client = finished_workshop.settings.client_id
    assert callers == [Caller("user", "alice"), Caller("machine", machine_client)]
    assert [str(caller) for caller in callers] == [
        "user alice",
        f"machine (client {machine_client})",
    ]
    for interaction in interactions:
        assert "eyJ" not in str(interaction)  # a name, never any of the token


@pytest.fixture
def workshop_home_path(finished_workshop: FinishedWorkshop) -> StackLayout:
    return StackLayout(finished_workshop.backend.home)
