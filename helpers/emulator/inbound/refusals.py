"""How the local Runtime and Gateway answer a refused request, shaped like AgentCore's.

401 ``UnauthorizedException`` for a missing or bad token, 403
``AccessDeniedException`` for a SigV4 call to a JWT-protected resource. The body
and the log line name the reason; neither ever contains the token.
"""

from __future__ import annotations

import logging

from starlette.responses import JSONResponse

from helpers.emulator.inbound.authorizer import MethodMismatch, Unauthorized
from helpers.wire.refusal_reasons import NO_CREDENTIALS, UNAUTHORIZED_PREFIX

METHOD_MISMATCH_MESSAGE = (
    "Authorization method mismatch. The agent is configured for a different authorization "
    "method than what was used in your request. (OAuth or SigV4)"
)


def refusal_response(refusal: Unauthorized, resource: str, log: logging.Logger) -> JSONResponse:
    """The HTTP answer for ``refusal``, after one log line naming ``resource`` and the reason."""
    log.info("refused %s: %s", resource, refusal.reason)
    if isinstance(refusal, MethodMismatch):
        return JSONResponse(
            {"message": METHOD_MISMATCH_MESSAGE},
            status_code=403,
            headers={"x-amzn-ErrorType": "AccessDeniedException"},
        )
    # RFC 6750: no error code when no credentials were sent at all. The reason can hold
    # request text, so it stays out of the header and goes in the JSON body only.
    challenge = 'Bearer realm="bedrock-agentcore"'
    if refusal.reason != NO_CREDENTIALS:
        challenge += ', error="invalid_token"'
    return JSONResponse(
        {"message": UNAUTHORIZED_PREFIX + refusal.reason},
        status_code=401,
        headers={"x-amzn-ErrorType": "UnauthorizedException", "WWW-Authenticate": challenge},
    )
