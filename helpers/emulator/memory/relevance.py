"""How well a memory record answers a search query: a deterministic stand-in for AWS's.

``RetrieveMemoryRecords`` on AWS ranks records by the similarity of embeddings and
returns that ``score``; the strands session manager then drops records under its
``relevance_score``. Locally the score is the cosine similarity of the two texts'
content words (lower-cased, possessives and common words left out, so "Do you remember
my name?" and "The user's name is Alice." share "name"): 0 when they share nothing, 1
when they say the same words. Same texts, same score, on every run.
"""

from __future__ import annotations

import math
import re

_WORD = re.compile(r"[a-z0-9]+(?:[-@.][a-z0-9]+)*")
# Words that say how something is asked, not what about.
_COMMON = """a about an and any are as at be been but by can could did do does for from had
has have how i if in is it its me my of on or our please s so tell than that the their them
then there these they this to us was we were what when where which who why will with would
you your"""
_STOP_WORDS = frozenset(re.findall(r"[a-z]+", _COMMON))


def content_words(text: str) -> set[str]:
    """The words of ``text`` that carry meaning, lower-cased."""
    words = _WORD.findall(text.lower().replace("'s", ""))
    return {word for word in words if word not in _STOP_WORDS}


def score(query: str, text: str) -> float:
    """Cosine similarity of the content words of ``query`` and ``text``, from 0 to 1."""
    asked, said = content_words(query), content_words(text)
    if not asked or not said:
        return 0.0
    return len(asked & said) / math.sqrt(len(asked) * len(said))
