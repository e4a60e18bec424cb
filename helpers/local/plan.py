"""A deploy plan's items, shared by the deployer and the clients that print its plan."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlanItem:
    action: str  # create | update | restart | delete
    kind: str  # runtime | gateway
    name: str
    reason: str = ""

    def line(self) -> str:
        symbol = {"create": "+", "update": "~", "restart": "↻", "delete": "-"}[self.action]
        reason = f" ({self.reason})" if self.reason else ""
        return f"  {symbol} {self.action:<7} {self.kind:<7} {self.name}{reason}"
