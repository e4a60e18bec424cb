"""Shared fixtures: a working-state folder and one local stack per test session.

The stack is started by the fixture and stopped at the end, so the suite needs
nothing running beforehand and leaves nothing behind.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.local import stack
from helpers.mode import local_environment

# Away from the lab's default block, so tests and a running workshop can coexist.
TEST_PORT_BASE = "18440"


@pytest.fixture(scope="session")
def workshop_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("workshop-home")


@pytest.fixture(scope="session")
def local_stack(workshop_home: Path) -> Iterator[stack.StackStatus]:
    """A running local stack, with this process's AWS and TLS settings pointed at it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AGENTCORE_WORKSHOP_HOME", str(workshop_home))
        patch.setenv("AGENTCORE_LOCAL_PORT_BASE", os.environ.get("TEST_PORT_BASE", TEST_PORT_BASE))
        patch.delenv("AWS_PROFILE", raising=False)
        status = stack.up(workshop_home)
        for name, value in local_environment(status).items():
            patch.setenv(name, value)
        try:
            yield status
        finally:
            stack.down(workshop_home)
