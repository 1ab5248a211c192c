"""The canonical customer key: how two spellings of one facility are recognised as the same.

The rule: every letter and digit of any script is transliterated to Latin (anyascii: "Больница" →
"Bol'nitsa", "東京病院" → "DongJingBingYuan", "Øst" → "Ost", "ß" → "ss"), then accents are dropped and
the result upper-cased; only A–Z and 0–9 stay. So case, accents, spacing and punctuation never make a
new customer, and no letter of any script is ever dropped:

- A letter or digit anyascii has no Latin for (Cyrillic ь and ъ, Arabic alef, rare ideographs) becomes
  "U" and its code point in hex ("ь" → "U44C"), so "Больница" and "Болница" stay apart.
- Symbols and punctuation count only through their compatibility form ("№" → "No", "½" → "12", "™" →
  "TM", as the seed's rule had it); emoji and the like add nothing. Modifier letters without a Latin
  form (ʻ ʼ ʹ) are apostrophes in practice and add nothing either.
- A key longer than the column keeps its first characters and ends in a digest of the whole key.

What it cannot do: letters that transliterate alike share a key (Cyrillic е and э, Greek ο and ω,
Chinese homophones: anyascii has no tones), as does a name written in two scripts ("Аптека" and
"Apteka"). The near-duplicate finder (customers.matching) is what catches spellings that differ more.
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata

from anyascii import anyascii
from django.core.exceptions import ValidationError

KEY_MAX_LENGTH = 255  # Customer.company_key and CustomerAlias.key
_NOT_KEY = re.compile(r"[^A-Z0-9]")
_DIGEST_LENGTH = 16


def _fold(text: str) -> str:
    """Accents off, upper case, A–Z and 0–9 only."""
    decomposed = unicodedata.normalize("NFKD", text)
    return _NOT_KEY.sub("", "".join(ch for ch in decomposed if not unicodedata.combining(ch)).upper())


def latin_letters(ch: str) -> str:
    """What one character of a name contributes to its key (A–Z, 0–9; "" for spacing and punctuation)."""
    category = unicodedata.category(ch)
    if category[0] not in "LN":  # punctuation, symbols, spaces, marks: only their compatibility letters
        return _fold(ch)
    folded = _fold(anyascii(ch))
    if folded or category == "Lm":
        return folded
    lower = ch.lower()
    return f"U{ord(lower if len(lower) == 1 else ch):X}"


def latin_text(name: str) -> str:
    """The name in upper-case Latin letters and digits, words kept apart by single spaces; apostrophes
    join ("Mary's" → "MARYS"). canonical_customer_key() is this text without its spaces."""
    words, word = [], []
    for ch in name or "":
        letters = latin_letters(ch)
        if letters:
            word.append(letters)
        elif ch not in _APOSTROPHES and not unicodedata.combining(ch) and word:
            words.append("".join(word))
            word = []
    if word:
        words.append("".join(word))
    return " ".join(words)


_APOSTROPHES = frozenset("'’‘ʼʻʹ`´")


def canonical_customer_key(name: str) -> str:
    """ "Hôpital Sainte-Anne" → "HOPITALSAINTEANNE"; "Поликлиника №1" → "POLIKLINIKANO1". A name with no
    letter or digit in any script is refused."""
    key = "".join(latin_letters(ch) for ch in name or "")
    if not key:
        raise ValidationError(
            f"“{name}” has no letters or digits, so it cannot name a facility.", code="blank_customer_key"
        )
    if len(key) > KEY_MAX_LENGTH:
        digest = base64.b32encode(hashlib.sha256(key.encode()).digest()).decode()[:_DIGEST_LENGTH]
        key = key[:KEY_MAX_LENGTH - _DIGEST_LENGTH] + digest
    return key
