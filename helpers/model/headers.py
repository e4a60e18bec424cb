"""Which request headers a Runtime forwards to its agent: AgentCore's rules, in one place.

AgentCore's guide *Pass custom headers to Amazon Bedrock AgentCore Runtime* says a
runtime's ``requestHeaderAllowlist`` may list any valid header name (letters, digits,
``-`` and ``_``) except

- the restricted headers below (hop-by-hop, content negotiation, caching, proxy and
  client-IP headers, cookies, CORS and security policy headers, ...);
- ``x-amz-*``, reserved for SigV4 signing, and ``x-amzn-*``, except the
  ``X-Amzn-Bedrock-AgentCore-Runtime-Custom-`` prefix kept for compatibility;
- ``Authorization``, unless the runtime has a CUSTOM_JWT authorizer (under AWS_IAM it
  carries the caller's SigV4 signature).

Names are case-insensitive and may not repeat; at most 20 are listed, and a value over
4 KB is not forwarded. The validator checks an allowlist with these rules and the local
Runtime's front door forwards by them, so what ``validate`` accepts is what reaches the
agent. The real CLI 0.30.0 checks only the name syntax and the reserved prefixes; its
words for those are kept in English (:func:`cli_problem`), the rest is the workshop's check,
worded in the learner's language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from helpers.basics.i18n import N_, _

CUSTOM_PREFIX = "X-Amzn-Bedrock-AgentCore-Runtime-Custom-"
AUTHORIZATION = "Authorization"
MAX_HEADERS = 20
MAX_VALUE_BYTES = 4096
NAME = re.compile(r"[A-Za-z0-9_-]+")

_RESTRICTED_BY_CATEGORY = {
    N_("authentication"): ("Proxy-Authorization", "WWW-Authenticate"),
    N_("content negotiation"): (
        "Accept",
        "Accept-Charset",
        "Accept-Encoding",
        "Accept-Language",
        "Content-Type",
        "Content-Length",
        "Content-Encoding",
        "Content-Language",
        "Content-Location",
        "Content-Range",
    ),
    N_("caching"): (
        "Cache-Control",
        "ETag",
        "Expires",
        "If-Match",
        "If-Modified-Since",
        "If-None-Match",
        "If-Range",
        "If-Unmodified-Since",
        "Last-Modified",
        "Pragma",
        "Vary",
    ),
    N_("connection management"): ("Connection", "Keep-Alive", "Proxy-Connection", "Upgrade"),
    N_("request context"): ("Host", "User-Agent", "Referer", "From"),
    N_("range and transfer"): ("Range", "Accept-Ranges", "Transfer-Encoding", "TE", "Trailer"),
    N_("server information"): ("Server", "Date", "Location", "Retry-After"),
    N_("cookies"): ("Set-Cookie", "Cookie"),
    N_("security policy"): (
        "Content-Security-Policy",
        "Content-Security-Policy-Report-Only",
        "Strict-Transport-Security",
        "X-Content-Type-Options",
        "X-Frame-Options",
        "X-XSS-Protection",
        "Referrer-Policy",
        "Permissions-Policy",
        "Cross-Origin-Embedder-Policy",
        "Cross-Origin-Opener-Policy",
        "Cross-Origin-Resource-Policy",
    ),
    N_("CORS"): (
        "Access-Control-Allow-Origin",
        "Access-Control-Allow-Methods",
        "Access-Control-Allow-Headers",
        "Access-Control-Allow-Credentials",
        "Access-Control-Expose-Headers",
        "Access-Control-Max-Age",
        "Access-Control-Request-Method",
        "Access-Control-Request-Headers",
        "Origin",
    ),
    N_("client hints"): (
        "Accept-CH",
        "Accept-CH-Lifetime",
        "DPR",
        "Width",
        "Viewport-Width",
        "Downlink",
        "ECT",
        "RTT",
        "Save-Data",
    ),
    N_("deprecated or experimental"): (
        "Clear-Site-Data",
        "Feature-Policy",
        "Expect-CT",
        "Public-Key-Pins",
        "Public-Key-Pins-Report-Only",
    ),
    N_("proxy"): (
        "Via",
        "Forwarded",
        "X-Forwarded-For",
        "X-Forwarded-Host",
        "X-Forwarded-Proto",
        "X-Real-IP",
        "X-Requested-With",
        "X-CSRF-Token",
    ),
    N_("client IP and URL rewriting"): (
        "True-Client-IP",
        "X-Client-IP",
        "X-Cluster-Client-IP",
        "X-Originating-IP",
        "X-Source-IP",
        "X-Original-URL",
        "X-Original-Host",
        "X-Rewrite-URL",
    ),
    N_("CDN"): ("CF-Ray", "CF-Connecting-IP", "X-Amz-Cf-Id", "X-Cache", "X-Served-By"),
    N_("HTTP/2 pseudo-header"): (":method", ":path", ":scheme", ":authority", ":status"),
    N_("server push"): ("Link",),
    N_("WebSocket"): (
        "Sec-WebSocket-Key",
        "Sec-WebSocket-Accept",
        "Sec-WebSocket-Version",
        "Sec-WebSocket-Protocol",
        "Sec-WebSocket-Extensions",
    ),
}
RESTRICTED: dict[str, str] = {
    name.lower(): category for category, names in _RESTRICTED_BY_CATEGORY.items() for name in names
}
"""Every restricted header, lower-cased, with the guide's category for it (in English)."""


def cli_problem(name: str) -> str | None:
    """The real CLI's check of one allowlisted name, in its words; None if it passes."""
    if not NAME.fullmatch(name):
        return (
            f'Header name "{name}" must contain only alphanumeric characters, hyphens, '
            "and underscores."
        )
    lower = name.lower()
    if lower.startswith("x-amz-"):
        return (
            f'Header "{name}" is not allowed. Headers starting with "x-amz-" are reserved '
            "for AWS request signing."
        )
    if lower.startswith("x-amzn-") and not lower.startswith(CUSTOM_PREFIX.lower()):
        return (
            f'Header "{name}" is not allowed. Headers starting with "x-amzn-" are reserved, '
            f'except for "{CUSTOM_PREFIX}*".'
        )
    return None


def restricted_problem(name: str) -> str | None:
    """AgentCore's restricted list, which the real CLI does not check."""
    category = RESTRICTED.get(name.lower())
    if category is None:
        return None
    return _(
        'Header "{name}" is restricted by AgentCore ({category}) and is never forwarded',
        name=name,
        category=_(category),
    )


def authorization_problem(name: str, *, jwt_authorizer: bool) -> str | None:
    """``Authorization`` is forwarded only once a CUSTOM_JWT authorizer has checked it."""
    if name.lower() != AUTHORIZATION.lower() or jwt_authorizer:
        return None
    return _("Authorization may be listed only when authorizerType is CUSTOM_JWT")


def repeated(names: Sequence[str]) -> list[int]:
    """Indexes of names already listed earlier, compared case-insensitively."""
    seen: set[str] = set()
    found = []
    for index, name in enumerate(names):
        if name.lower() in seen:
            found.append(index)
        seen.add(name.lower())
    return found


def forwarded(name: str, value: str, allowlist: Iterable[str], *, jwt_authorizer: bool) -> bool:
    """Whether the Runtime passes the request header ``name: value`` on to the agent."""
    if name.lower() not in {allowed.lower() for allowed in allowlist}:
        return False
    # The rules themselves, not their messages: this runs for every header of every call.
    if cli_problem(name) or name.lower() in RESTRICTED:
        return False
    if name.lower() == AUTHORIZATION.lower() and not jwt_authorizer:
        return False
    return len(value.encode("utf-8")) <= MAX_VALUE_BYTES
