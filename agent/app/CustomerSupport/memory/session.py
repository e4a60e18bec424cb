"""Where the agent keeps what it remembers: the project's AgentCore Memory, locally and on AWS.

Everything the agent remembers lives in the AgentCore Memory that
``agentcore/agentcore.json`` declares (``memories``), so a session's conversation
survives the agent's process (a session that idles out, a redeploy). The
Runtime gets its id as ``MEMORY_CUSTOMERSUPPORTMEMORY_ID`` (``MEMORY_<NAME>_ID``,
injected by ``agentcore deploy`` on AWS and by ``agentcore-local deploy`` on the local
stack), and the same session manager talks to it in both places:

- **short-term memory**: the conversation of one actor in one runtime session, kept as
  events and restored when the agent is built (once per session, see main.py);
- **long-term memory**: what the memory's strategies extract from those events, per
  actor: facts (SEMANTIC, ``/users/{actorId}/facts``) and session summaries
  (SUMMARIZATION, ``/summaries/{actorId}/{sessionId}``). Before each prompt, the records
  most relevant to it are retrieved and put in front of it.

Whose memory a request reads and writes, the actor, is main.py's to decide. Without the
variable (say, the agent run alone with ``python main.py``) there is no session manager,
and every request starts a new conversation.

Every session manager asks for four boto3 clients. From a boto3 session of its own
(the session manager's default) that is 150-300 ms of CPU per agent, reading the
services' API models from disk each time; and every new client opens new connections,
a TLS handshake each. So the process keeps one session that makes each client once and
hands it out again (boto3 clients are safe to share between threads; a session making
them is not, hence the lock).
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

import boto3
from bedrock_agentcore.memory.integrations.strands.config import (
    AgentCoreMemoryConfig,
    RetrievalConfig,
)
from bedrock_agentcore.memory.integrations.strands.session_manager import (
    AgentCoreMemorySessionManager,
)

log = logging.getLogger(__name__)

MEMORY_ID_ENV = "MEMORY_CUSTOMERSUPPORTMEMORY_ID"
# Records below this relevance are left out (the strands session manager's default).
RELEVANCE_SCORE = 0.2
TOP_K = 3


class _ClientsOnce(boto3.Session):
    """A boto3 session whose ``client()`` makes each distinct client once per process."""

    def __init__(self, region_name: str | None) -> None:
        super().__init__(region_name=region_name)
        self._clients: dict[tuple[str, str | None, str | None], Any] = {}
        self._making = threading.Lock()

    def client(  # type: ignore[override]
        self, service_name: str, region_name: str | None = None, config: Any = None
    ) -> Any:
        # The clients asked for differ by service, region and user agent (a botocore Config).
        key = (service_name, region_name, getattr(config, "user_agent_extra", None))
        with self._making:
            if key not in self._clients:
                self._clients[key] = super().client(
                    service_name, region_name=region_name, config=config
                )
            return self._clients[key]


_boto_session: _ClientsOnce | None = None
_making_session = threading.Lock()


def get_memory_session_manager(
    session_id: str | None, actor_id: str | None
) -> AgentCoreMemorySessionManager | None:
    """The session manager for ``actor_id``'s conversation in one runtime session, if any.

    Without an actor (no verified caller) there is none: the request reads and writes no
    memory, and the log says why.
    """
    memory_id = os.environ.get(MEMORY_ID_ENV)
    if not memory_id or not session_id:
        return None
    if actor_id is None:
        log.warning(
            "No verified caller: no bearer token reached the agent, so this request reads "
            "and writes no memory. Call with a token, and keep Authorization in the "
            "runtime's requestHeaderAllowlist (values up to 4 KB are forwarded)."
        )
        return None
    retrieval = RetrievalConfig(top_k=TOP_K, relevance_score=RELEVANCE_SCORE)
    config = AgentCoreMemoryConfig(
        memory_id=memory_id,
        session_id=session_id,
        actor_id=actor_id,
        retrieval_config={
            f"/users/{actor_id}/facts": retrieval,
            # A path prefix: the summaries of every earlier session of this actor.
            f"/summaries/{actor_id}": retrieval,
        },
    )
    global _boto_session
    with _making_session:
        if _boto_session is None:
            _boto_session = _ClientsOnce(os.environ.get("AWS_REGION"))
    return AgentCoreMemorySessionManager(
        config, region_name=_boto_session.region_name, boto_session=_boto_session
    )
