"""User names as a user pool compares them: their case, and names that only look alike.

- A pool whose ``UsernameConfiguration.CaseSensitive`` is false treats ``ALICE`` and
  ``alice`` as one user: either signs in as her, and a new user of either name "already
  exists". ``true`` is the API's default (moto compares exactly, which is that case).
  https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UsernameConfigurationType.html
- A new user name must match Cognito's ``UsernameType`` pattern,
  ``[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+``, at most 128 characters: no spaces, no control or
  format characters, so no zero-width space hides in a name.
  https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUser.html
- The local stack's own rule, stricter than AWS: a new name that differs from an
  existing user's only by look-alike characters (compatibility forms such as full-width
  letters, accents, Cyrillic or Greek letters drawn like Latin ones, and the case where
  the pool ignores it) is refused. Traces, logs and the notebooks show a user by name,
  and ``alice`` spelt with a Cyrillic ``a`` (U+0430) would read there as alice.
"""

from __future__ import annotations

import unicodedata

from moto.cognitoidp.exceptions import InvalidParameterException, UsernameExistsException
from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool

USERNAME_PATTERN = "[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+"
_MAX_LENGTH = 128
# Unicode general categories the pattern admits: letters, marks, symbols, numbers, punctuation.
_ALLOWED_CATEGORIES = frozenset("LMSNP")
# Cyrillic and Greek letters that render like Latin ones (Unicode's confusables.txt, the
# letters of those two scripts that fold to a single ASCII letter).
_LATIN_LOOKALIKES = str.maketrans(
    "аеорсухһіјѕԁԛԝӏАВЕКМНОРСТУХІЈЅԚԜαικνορυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxhijsdqwlABEKMHOPCTYXIJSQWaikvopuxABEZHIKMNOPTYX",
)


def case_sensitive(pool: CognitoIdpUserPool) -> bool:
    configuration = pool.extended_config.get("UsernameConfiguration") or {}
    return bool(configuration.get("CaseSensitive", True))


def find_user(pool: CognitoIdpUserPool, name: str) -> CognitoIdpUser | None:
    """The user ``name`` means in ``pool``, or None."""
    user: CognitoIdpUser | None = pool._get_user(name)
    if user is not None or case_sensitive(pool):
        return user
    folded = name.casefold()
    return next((u for u in pool.users.values() if u.username.casefold() == folded), None)


def stored_name(pool: CognitoIdpUserPool, name: str) -> str:
    """The user name as the pool keeps it (``ALICE`` → ``alice`` in a case-blind pool)."""
    user = find_user(pool, name)
    return user.username if user is not None else name


def attempt_key(pool: CognitoIdpUserPool, name: str) -> str:
    """Whom an attempt with ``name`` is about: the user, or the name when there is none.

    Keyed by the name too, so that an unknown user is counted, locked out and limited
    exactly as a real one is: the answers must not tell who exists.
    """
    user = find_user(pool, name)
    if user is not None:
        return f"user:{user.id}"
    return f"name:{name if case_sensitive(pool) else name.casefold()}"


def check_new_username(pool: CognitoIdpUserPool, name: str) -> None:
    """Refuse ``name`` for a new user of ``pool``, in Cognito's words (see the module)."""
    if len(name) > _MAX_LENGTH:
        raise InvalidParameterException(
            "1 validation error detected: Value at 'username' failed to satisfy constraint: "
            f"Member must have length less than or equal to {_MAX_LENGTH}"
        )
    if not name or any(unicodedata.category(c)[0] not in _ALLOWED_CATEGORIES for c in name):
        raise InvalidParameterException(
            "1 validation error detected: Value at 'username' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {USERNAME_PATTERN}"
        )
    if find_user(pool, name) is not None:
        raise UsernameExistsException("User account already exists")
    folds_case = not case_sensitive(pool)
    looks = _appearance(name, folds_case)
    if any(_appearance(user.username, folds_case) == looks for user in pool.users.values()):
        raise InvalidParameterException(
            "1 validation error detected: Value at 'username' failed to satisfy constraint: "
            "Member must not look like an existing user name "
            "(the local stack refuses look-alike user names)"
        )


def _appearance(name: str, fold_case: bool) -> str:
    """What ``name`` looks like: compatibility forms, accents and look-alikes folded away."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    latin = bare.translate(_LATIN_LOOKALIKES)
    return latin.casefold() if fold_case else latin
