"""The store's own tools: return policies and the product catalog, answered from data here.

The warranty check is not here: it lives behind the AgentCore Gateway, as a Lambda
target (see ``warranty_schema.json`` next to this file).
"""

from __future__ import annotations

import re
from typing import Any

from strands import tool

RETURN_POLICIES: dict[str, dict[str, str]] = {
    "electronics": {
        "window": "30 days",
        "conditions": "original packaging, all accessories included, no physical damage",
        "refund": "to the original payment method within 5-7 business days",
    },
    "accessories": {
        "window": "14 days",
        "conditions": "unused and in the original packaging",
        "refund": "to the original payment method within 3-5 business days",
    },
    "audio": {
        "window": "30 days",
        "conditions": "all parts included; in-ear products only with the hygiene seal intact",
        "refund": "to the original payment method within 5-7 business days",
    },
}

PRODUCTS: dict[str, dict[str, Any]] = {
    "PROD-001": {
        "name": "Wireless Headphones",
        "price": 149.99,
        "category": "audio",
        "description": "Over-ear noise-cancelling headphones with a 30-hour battery",
        "warranty_months": 24,
    },
    "PROD-002": {
        "name": "Smart Watch",
        "price": 299.99,
        "category": "electronics",
        "description": "Fitness and health tracking, GPS and a 5-day battery",
        "warranty_months": 24,
    },
    "PROD-003": {
        "name": "Laptop Stand",
        "price": 49.99,
        "category": "accessories",
        "description": "Adjustable aluminium stand for laptops up to 17 inches",
        "warranty_months": 12,
    },
    "PROD-004": {
        "name": "USB-C Hub",
        "price": 39.99,
        "category": "accessories",
        "description": "7-in-1 hub: HDMI 4K, 3x USB-A, SD and microSD readers, 100 W passthrough",
        "warranty_months": 24,
    },
    "PROD-005": {
        "name": "Mechanical Keyboard",
        "price": 129.99,
        "category": "accessories",
        "description": "Full-size keyboard with hot-swappable switches and RGB backlight",
        "warranty_months": 24,
    },
}


@tool
def get_return_policy(category: str) -> str:
    """Get the return policy for a product category: electronics, accessories or audio.

    Args:
        category: The product category, for example "electronics".
    """
    policy = RETURN_POLICIES.get(category.strip().lower())
    if policy is None:
        known = ", ".join(RETURN_POLICIES)
        return f"No return policy found for category {category!r}. Known categories: {known}."
    return (
        f"Return policy for {category.strip().lower()}:\n"
        f"- Return window: {policy['window']}\n"
        f"- Conditions: {policy['conditions']}\n"
        f"- Refund: {policy['refund']}"
    )


def find_product(product: str) -> str | None:
    """The id of the product named or numbered by ``product`` ("PROD-004", "the USB-C hub")."""
    wanted = _words(product)
    if product.strip().upper() in PRODUCTS:
        return product.strip().upper()
    for product_id, details in PRODUCTS.items():
        name = _words(details["name"])
        if name and (name == wanted or f" {name} " in f" {wanted} "):
            return product_id
    return None


def _words(text: str) -> str:
    """Lower-case words only: "USB-C Hub?" and "usb c hub" compare equal."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


@tool
def get_product_info(product_id: str) -> str:
    """Get the details of a product: name, price, category, description and warranty.

    Args:
        product_id: The product's id, for example "PROD-001", or its name, for example
            "USB-C Hub".
    """
    found = find_product(product_id)
    if found is None:
        known = ", ".join(f"{pid} ({p['name']})" for pid, p in PRODUCTS.items())
        return f"No product found for {product_id.strip()!r}. Known products: {known}."
    product = PRODUCTS[found]
    return (
        f"{found}: {product['name']}\n"
        f"- Price: ${product['price']:.2f}\n"
        f"- Category: {product['category']}\n"
        f"- Description: {product['description']}\n"
        f"- Warranty: {product['warranty_months']} months"
    )
