"""Where the agent keeps what it remembers: the project's AgentCore Memory, locally and on AWS.

The agent is rebuilt for every request (see main.py), so everything it remembers lives
in the AgentCore Memory that ``agentcore/agentcore.json`` declares (``memories``). The
Runtime gets its id as ``MEMORY_CUSTOMERSUPPORTMEMORY_ID`` (``MEMORY_<NAME>_ID``,
injected by ``agentcore deploy`` on AWS and by ``agentcore-local deploy`` on the local
stack), and the same session manager talks to it in both places:

- **short-term memory**: the conversation of one actor in one runtime session, kept as
  events and restored when the agent is built;
- **long-term memory**: what the memory's strategies extract from those events, per
  actor: facts (SEMANTIC, ``/users/{actorId}/facts``) and session summaries
  (SUMMARIZATION, ``/summaries/{actorId}/{sessionId}``). Before each prompt, the records
  most relevant to it are retrieved and put in front of it.

Whose memory a request reads and writes, the actor, is main.py's to decide. Without the
variable (say, the agent run alone with ``python main.py``) there is no session manager,
and every request starts a new conversation.
"""

from __future__ import annotations

import os

from bedrock_agentcore.memory.integrations.strands.config import (
    AgentCoreMemoryConfig,
    RetrievalConfig,
)
from bedrock_agentcore.memory.integrations.strands.session_manager import (
    AgentCoreMemorySessionManager,
)

MEMORY_ID_ENV = "MEMORY_CUSTOMERSUPPORTMEMORY_ID"
# Records below this relevance are left out (the strands session manager's default).
RELEVANCE_SCORE = 0.2
TOP_K = 3


def get_session_manager(
    session_id: str | None, actor_id: str
) -> AgentCoreMemorySessionManager | None:
    """The session manager for ``actor_id``'s conversation in one runtime session, if any."""
    memory_id = os.environ.get(MEMORY_ID_ENV)
    if not memory_id or not session_id:
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
    return AgentCoreMemorySessionManager(config, region_name=os.environ.get("AWS_REGION"))
