"""Loopback ports for the stack's parts, chosen once per stack and then kept.

URLs with these ports end up in SSM and in the learner's ``agentcore.json``, so a
restart must reuse them. The first start prefers a block of its own
(``$AGENTCORE_LOCAL_PORT_BASE``, else :func:`default_port_base`) and falls back to free
ports chosen by the OS when any port of the block is taken.

On a shared host (a JupyterHub with each attendee a Unix user) every attendee's stack
starts at once: each user's default block is their own, so two attendees never race for
the same ports, and nobody needs to hand out port bases.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from helpers.emulator.core.state import LOOPBACK, PARTS

DEFAULT_PORT_BASE = 18340
# One block per user id, below Linux's ephemeral range (32768-), where the OS picks the
# ports of outgoing connections: 1,400 blocks of 10, so uids up to 1,400 apart never share.
_BLOCK_SIZE = 10
_BLOCKS = 1400


def default_port_base(uid: int | None = None) -> int:
    """The first port of this user's block: root's is :data:`DEFAULT_PORT_BASE`."""
    uid = os.getuid() if uid is None else uid
    return DEFAULT_PORT_BASE + (uid % _BLOCKS) * _BLOCK_SIZE


def port_is_free(port: int) -> bool:
    """True when a server could bind ``port`` now (as ours do, with SO_REUSEADDR)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Without SO_REUSEADDR, connections in TIME_WAIT would make a free port look taken.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def port_is_listening(port: int) -> bool:
    """True when something accepts connections on loopback ``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        return probe.connect_ex((LOOPBACK, port)) == 0


def os_chosen_port() -> int:
    """A loopback port that is free now, chosen by the OS."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def _fresh_ports() -> dict[str, int]:
    base = int(os.environ.get("AGENTCORE_LOCAL_PORT_BASE", default_port_base()))
    block = {part: base + offset for offset, part in enumerate(PARTS)}
    if all(port_is_free(port) for port in block.values()):
        return block
    return {part: os_chosen_port() for part in PARTS}


def stack_ports(path: Path) -> dict[str, int]:
    """The ports stored at ``path``, choosing and storing them on first use."""
    if path.exists():
        stored: dict[str, int] = json.loads(path.read_text())
        if set(stored) == set(PARTS):
            return stored
    ports = _fresh_ports()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(ports, indent=2))
    return ports
