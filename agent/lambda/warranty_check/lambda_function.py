"""The warranty-check Lambda: the one tool behind the Gateway target ``WarrantyCheck``.

AgentCore Gateway calls it with the tool's arguments as ``event`` and the tool's name in
``context.client_context.custom["bedrockAgentCoreToolName"]``, prefixed with the target
name (``WarrantyCheck___check_warranty_status``). Every outcome is a JSON-serialisable
dict, errors included: the Gateway hands it to the agent as the tool result, and a clear
"not found" reads better in an answer than a failed invocation.
"""

from __future__ import annotations

from typing import Any

TOOL_NAME = "check_warranty_status"
TOOL_NAME_HEADER = "bedrockAgentCoreToolName"
TARGET_SEPARATOR = "___"

# Sample records, one per product of the agent's catalog (the workshop text's): each runs for
# the product's warranty_months from its purchase date. Fixed rather than computed from
# today's date so answers are reproducible.
WARRANTIES: dict[str, dict[str, str]] = {
    "PROD-001": {
        "product_name": "Wireless Headphones",
        "purchase_date": "2026-03-01",
        "warranty_end_date": "2027-03-01",
        "status": "active",
        "coverage": "Manufacturing defects and battery failure",
    },
    "PROD-002": {
        "product_name": "Smart Watch",
        "purchase_date": "2026-01-15",
        "warranty_end_date": "2028-01-15",
        "status": "active",
        "coverage": "Manufacturing defects, battery and screen failure",
    },
    "PROD-003": {
        "product_name": "Laptop Stand",
        "purchase_date": "2024-05-10",
        "warranty_end_date": "2024-11-10",
        "status": "expired",
        "coverage": "Manufacturing defects",
    },
    "PROD-004": {
        "product_name": "USB-C Hub",
        "purchase_date": "2026-08-20",
        "warranty_end_date": "2027-08-20",
        "status": "active",
        "coverage": "Manufacturing defects",
    },
    "PROD-005": {
        "product_name": "Mechanical Keyboard",
        "purchase_date": "2025-10-05",
        "warranty_end_date": "2027-10-05",
        "status": "active",
        "coverage": "Manufacturing defects and key switches",
    },
}


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer one Gateway tool call."""
    tool_name = _tool_name(context)
    if tool_name != TOOL_NAME:
        return {
            "error": f"Unknown tool {tool_name!r}: this function only serves {TOOL_NAME!r}.",
        }

    product_id = str(event.get("product_id") or "").strip().upper()
    if not product_id:
        return {"error": "Missing 'product_id', for example PROD-001."}

    record = WARRANTIES.get(product_id)
    if record is None:
        return {
            "product_id": product_id,
            "status": "not found",
            "message": f"No warranty record for product {product_id}. "
            f"Known products: {', '.join(WARRANTIES)}.",
        }
    return {"product_id": product_id, **record}


def _tool_name(context: Any) -> str:
    """The tool the Gateway asked for, without its ``<Target>___`` prefix ('' when absent)."""
    client_context = getattr(context, "client_context", None)
    custom = getattr(client_context, "custom", None) or {}
    full_name = str(custom.get(TOOL_NAME_HEADER, ""))
    _, separator, tool_name = full_name.partition(TARGET_SEPARATOR)
    return tool_name if separator else full_name
