"""The canonical customer key: how two spellings of one facility are recognised as the same.

The rule: compatibility forms unfolded and accents taken off (NFKD, combining marks dropped — "№" is
"No", "ﬁ" is "fi", "Ӝ" is "Ж"), case folded, then every letter and digit of any script transliterated
to Latin (anyascii: "Больница" → "Bol'nitsa", "東京病院" → "DongJingBingYuan", "Øst" → "Ost", "ß" →
"ss") and upper-cased; only A–Z and 0–9 stay. So case, accents, spacing and punctuation never make a
new customer, and no letter of any script is ever dropped:

- A letter or digit anyascii has no Latin for (Cyrillic ь and ъ, Arabic alef, rare ideographs) becomes
  "U" and its code point spelt in letters, base 26 ("ь" → "UBQI"), so "Больница" and "Болница" stay
  apart. (Letters, not digits: digits in a name tell facilities apart, customers.matching.)
- Vowel signs (Devanagari "े") are read; accents are not. Symbols and punctuation count only through
  their compatibility letters ("½" → "12", "™" → "TM"); emoji add nothing. Modifier letters without a
  Latin form (ʻ ʼ ʹ) are apostrophes in practice and add nothing either.
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


def _prepared(name: str) -> str:
    """Case-folded (first: a Greek iota subscript becomes the ι its capital shows), compatibility forms
    unfolded, accents off, then recomposed (Hangul jamo become syllables again): what is
    transliterated, character by character."""
    decomposed = unicodedata.normalize("NFKD", (name or "").casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", bare).casefold()


def _letters(ch: str, unknown: str | None = None) -> str:
    """What one prepared character contributes (A–Z, 0–9; "" for spacing, punctuation and accents).
    `unknown`: what a letter without a Latin form becomes instead of its spelt-out code point."""
    category = unicodedata.category(ch)
    if category[0] == "M":  # an accent left by case folding adds nothing; a vowel sign is read
        return "" if unicodedata.combining(ch) else _fold(anyascii(ch))
    if category[0] not in "LN":
        return _fold(ch)
    folded = _fold(anyascii(ch))
    if folded or category == "Lm":
        return folded
    return "U" + _base26(ord(ch)) if unknown is None else unknown


def _base26(number: int) -> str:
    letters = ""
    while True:
        number, digit = divmod(number, 26)
        letters = chr(ord("A") + digit) + letters
        if not number:
            return letters


def latin_letters(text: str) -> str:
    """What a character (or any text) contributes to a key: A–Z and 0–9."""
    return "".join(_letters(ch) for ch in _prepared(text))


def latin_text(name: str, *, unknown: str | None = None) -> str:
    """The name in upper-case Latin letters and digits, words kept apart by single spaces; apostrophes
    join ("Mary's" → "MARYS"). canonical_customer_key() is this text without its spaces. `unknown`: see
    _letters (the near-duplicate finder counts such a letter as one, not as its code point's letters)."""
    words, word = [], []
    for ch in _prepared(name):
        letters = _letters(ch, unknown)
        if letters:
            word.append(letters)
        elif ch not in _APOSTROPHES and unicodedata.category(ch)[0] != "M" and word:
            words.append("".join(word))
            word = []
    if word:
        words.append("".join(word))
    return " ".join(words)


_APOSTROPHES = frozenset("'’‘ʼʻʹ`´")


def canonical_customer_key(name: str) -> str:
    """ "Hôpital Sainte-Anne" → "HOPITALSAINTEANNE"; "Поликлиника №1" → "POLIKLINIKANO1". A name with no
    letter or digit in any script is refused."""
    key = latin_letters(name or "")
    if not key:
        raise ValidationError(
            f"“{name}” has no letters or digits, so it cannot name a facility.", code="blank_customer_key"
        )
    if len(key) > KEY_MAX_LENGTH:
        digest = base64.b32encode(hashlib.sha256(key.encode()).digest()).decode()[:_DIGEST_LENGTH]
        key = key[:KEY_MAX_LENGTH - _DIGEST_LENGTH] + digest
    return key
