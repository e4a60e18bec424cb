"""Where the agent keeps each conversation between requests.

The agent is rebuilt for every request (see main.py), so the conversation lives here,
keyed by the runtime session and the user:

- ``AGENT_SESSION_DIR`` set (the local stack sets it): strands' ``FileSessionManager``
  writes each conversation under that folder.
- else ``AGENTCORE_MEMORY_ID`` set (on AWS, the id of an AgentCore Memory): the
  AgentCore Memory session manager stores it as short-term memory events. The
  ``agentcore`` CLI injects a project memory's id as ``MEMORY_<NAME>_ID``; copy it to
  ``AGENTCORE_MEMORY_ID`` or change ``MEMORY_ID_ENV`` to that name.
- neither: no session manager, and every request starts a new conversation.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from bedrock_agentcore.memory.integrations.strands.config import AgentCoreMemoryConfig
from bedrock_agentcore.memory.integrations.strands.session_manager import (
    AgentCoreMemorySessionManager,
)
from strands.session import FileSessionManager, SessionManager

SESSION_DIR_ENV = "AGENT_SESSION_DIR"
MEMORY_ID_ENV = "AGENTCORE_MEMORY_ID"

_UNSAFE_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9_-]")


def get_session_manager(session_id: str | None, actor_id: str) -> SessionManager | None:
    """The session manager for one user's conversation in one runtime session, if any."""
    if not session_id:
        return None  # nothing to find the conversation by next time

    if session_dir := os.environ.get(SESSION_DIR_ENV):
        # One folder per user; the ids come from the caller, so keep them to safe file names.
        return FileSessionManager(
            session_id=_file_name(session_id),
            storage_dir=str(Path(session_dir) / _file_name(actor_id)),
        )

    if memory_id := os.environ.get(MEMORY_ID_ENV):
        config = AgentCoreMemoryConfig(
            memory_id=memory_id, session_id=session_id, actor_id=actor_id
        )
        return AgentCoreMemorySessionManager(config, region_name=os.environ.get("AWS_REGION"))

    return None


def _file_name(identifier: str) -> str:
    return _UNSAFE_IN_FILE_NAME.sub("_", identifier) or "_"
