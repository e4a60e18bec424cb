"""The store's own tools: return policies and the product catalog, answered from data here.

The data and both tools are the workshop text's, as its ``main.py`` has them. The
warranty check is not here: it lives behind the AgentCore Gateway, as a Lambda target
(see ``warranty_schema.json`` next to this file).
"""

from __future__ import annotations

from typing import Any

from strands import tool

RETURN_POLICIES: dict[str, dict[str, str]] = {
    "electronics": {
        "window": "30 days",
        "condition": "Original packaging required, must be unused or defective",
        "refund": "Full refund to original payment method",
    },
    "accessories": {
        "window": "14 days",
        "condition": "Must be in original packaging, unused",
        "refund": "Store credit or exchange",
    },
    "audio": {
        "window": "30 days",
        "condition": "Defective items only after 15 days",
        "refund": "Full refund within 15 days, replacement after",
    },
}

PRODUCTS: dict[str, dict[str, Any]] = {
    "PROD-001": {
        "name": "Wireless Headphones",
        "price": 79.99,
        "category": "audio",
        "description": "Noise-cancelling Bluetooth headphones with 30h battery life",
        "warranty_months": 12,
    },
    "PROD-002": {
        "name": "Smart Watch",
        "price": 249.99,
        "category": "electronics",
        "description": "Fitness tracker with heart rate monitor, GPS, and 5-day battery",
        "warranty_months": 24,
    },
    "PROD-003": {
        "name": "Laptop Stand",
        "price": 39.99,
        "category": "accessories",
        "description": "Adjustable aluminum laptop stand for ergonomic desk setup",
        "warranty_months": 6,
    },
    "PROD-004": {
        "name": "USB-C Hub",
        "price": 54.99,
        "category": "accessories",
        "description": "7-in-1 USB-C hub with HDMI, USB-A, SD card reader, and ethernet",
        "warranty_months": 12,
    },
    "PROD-005": {
        "name": "Mechanical Keyboard",
        "price": 129.99,
        "category": "electronics",
        "description": "RGB mechanical keyboard with Cherry MX switches",
        "warranty_months": 24,
    },
}


@tool
def get_return_policy(product_category: str) -> str:
    """Get return policy information for a specific product category.

    Args:
        product_category: Product category (e.g., 'electronics', 'accessories', 'audio')

    Returns:
        Formatted return policy details including timeframes and conditions
    """
    category = product_category.lower()
    if category in RETURN_POLICIES:
        policy = RETURN_POLICIES[category]
        return (
            f"Return policy for {category}: Window: {policy['window']}, "
            f"Condition: {policy['condition']}, Refund: {policy['refund']}"
        )
    return (
        f"No specific return policy found for '{product_category}'. "
        "Please contact support for details."
    )


@tool
def get_product_info(query: str) -> str:
    """Search for product information by name, ID, or keyword.

    Args:
        query: Product name, ID (e.g., 'PROD-001'), or search keyword

    Returns:
        Product details including name, price, category, and description
    """
    query_lower = query.lower()
    # Search by ID
    if query.upper() in PRODUCTS:
        p = PRODUCTS[query.upper()]
        return (
            f"{p['name']} ({query.upper()}): ${p['price']}, Category: {p['category']}, "
            f"{p['description']}, Warranty: {p['warranty_months']} months"
        )
    # Search by keyword
    results = [
        f"{pid}: {p['name']} - ${p['price']} - {p['description']}"
        for pid, p in PRODUCTS.items()
        if query_lower in p["name"].lower()
        or query_lower in p["description"].lower()
        or query_lower in p["category"].lower()
    ]
    if results:
        return "Found products:\n" + "\n".join(results)
    return f"No products found matching '{query}'."
