"""Why the local stack refused or failed a call: the reasons it names on the wire.

The Runtime and the Gateway answer a refusal with AWS's ``Unauthorized`` and the
reason in English (``Unauthorized: token expired``), which is also what their logs
and spans record. The Runtime's front door words its other answers (a runtime not
deployed, a bad session id, a payload it refuses, an agent process that stopped) in
English too (:data:`RUNTIME_ANSWERS`). The kit shows the learner each of these with
the stack's sentence in the learner's language (:func:`explain`): the wire stays one
language, and the explanation reads in the learner's.
"""

from __future__ import annotations

import functools
import re

from helpers.basics.i18n import N_, _

NO_CREDENTIALS = N_("no Authorization header")
TWO_HEADERS = N_("more than one Authorization header")
NOT_BEARER = N_("Authorization scheme is not Bearer")
EMPTY_BEARER = N_("empty bearer token")
TWO_VALUES = N_("Authorization holds more than one value")
TOO_LARGE = N_("bearer token too large")
MALFORMED = N_("malformed token")
ALGORITHM = N_("algorithm {algorithm} is not accepted (RS256 only)")
UNKNOWN_ALGORITHM = N_("an unknown algorithm is not accepted (RS256 only)")
NO_KID = N_("token header has no kid")
EXPIRED = N_("token expired")
KEYS_UNAVAILABLE = N_("signing keys unavailable (discovery or JWKS unreachable)")
UNKNOWN_KID = N_("unknown signing key (kid not in JWKS)")
NOT_YET_VALID = N_("token not valid yet (nbf or iat in the future)")
WRONG_ISSUER = N_("issuer does not match the discovery document")
BAD_SIGNATURE = N_("signature does not verify")
INVALID = N_("invalid token ({error})")
NO_CLIENT_ID = N_("token has no client_id (an ID token names its client in aud)")
CLIENT_NOT_ALLOWED = N_("client_id is not in allowedClients")
AUDIENCE_NOT_ALLOWED = N_("aud is not in allowedAudience")
SCOPE_NOT_ALLOWED = N_("no scope in allowedScopes")
CLAIM_MISMATCH = N_("custom claim {claim} does not match")

REASONS = (
    NO_CREDENTIALS,
    TWO_HEADERS,
    NOT_BEARER,
    EMPTY_BEARER,
    TWO_VALUES,
    TOO_LARGE,
    MALFORMED,
    ALGORITHM,
    UNKNOWN_ALGORITHM,
    NO_KID,
    EXPIRED,
    KEYS_UNAVAILABLE,
    UNKNOWN_KID,
    NOT_YET_VALID,
    WRONG_ISSUER,
    BAD_SIGNATURE,
    INVALID,
    NO_CLIENT_ID,
    CLIENT_NOT_ALLOWED,
    AUDIENCE_NOT_ALLOWED,
    SCOPE_NOT_ALLOWED,
    CLAIM_MISMATCH,
)
# The Runtime front door's own answers besides the authorizer's (the error type, like
# ResourceNotFoundException, is AWS's and is not translated).
NOT_DEPLOYED = N_(
    "No runtime with ARN {arn} is deployed on the local stack. "
    "Run `agentcore-local deploy -y -v` in the project folder."
)
BAD_SESSION_ID = N_(
    "{header} must be {minimum} to {maximum} printable ASCII characters (letters, digits, "
    "'-' and the like); a uuid4 string fits."
)
PAYLOAD_NOT_JSON = N_("The payload is not valid JSON.")
PAYLOAD_TOO_DEEP = N_("The payload's JSON is nested too deeply to parse.")
AGENT_STOPPED = N_(
    "The agent process of {runtime} of this session has stopped ({cause}); its traceback "
    "is in {log}. The session's next call starts a new process; fix the code and run "
    "`agentcore-local deploy -y -v` if the error is in it."
)
AGENT_NOT_STARTED = N_(
    "The agent process of {runtime} could not start ({cause}); its traceback is in {log}. "
    "The session's next call starts a new process; fix the code and run "
    "`agentcore-local deploy -y -v` if the error is in it."
)
AGENT_SILENT = N_(
    "The agent process of {runtime} did not answer ({cause}); its traceback is in {log}. "
    "The session's next call starts a new process; fix the code and run "
    "`agentcore-local deploy -y -v` if the error is in it."
)

RUNTIME_ANSWERS = (
    NOT_DEPLOYED,
    BAD_SESSION_ID,
    PAYLOAD_NOT_JSON,
    PAYLOAD_TOO_DEEP,
    AGENT_STOPPED,
    AGENT_NOT_STARTED,
    AGENT_SILENT,
)

# How AWS's refusal body begins; what follows it is the reason.
UNAUTHORIZED_PREFIX = "Unauthorized: "


def reason(template: str, **values: object) -> str:
    """The English reason the wire and the logs carry: ``template`` with its fields filled."""
    return template.format(**values)


@functools.cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    # re.split alternates literal text and field names.
    return re.compile(
        "".join(
            re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
            for index, part in enumerate(parts)
        )
    )


def explain(message: str) -> str:
    """A refusal's message with its reason in the learner's language (others unchanged).

    ``Unauthorized: token expired`` stays ``Unauthorized: …`` as AWS says it, followed
    by the translated reason; the front door's own answers are translated whole; a
    message the local stack did not write comes back as is.
    """
    prefix = UNAUTHORIZED_PREFIX if message.startswith(UNAUTHORIZED_PREFIX) else ""
    said = message.removeprefix(prefix)
    for template in REASONS if prefix else (*REASONS, *RUNTIME_ANSWERS):
        match = _pattern(template).fullmatch(said)
        if match:
            return prefix + _(template, **match.groupdict())
    return message
