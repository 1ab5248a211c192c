"""Near-duplicate customers: the one finder every path that could create a customer asks (the New
customer form, the entry form, the CSV and PDF previews, the ShipStation sync, merge suggestions).

It only warns: an exact key (or a merge alias) links automatically; a near-duplicate is shown to a
person, who links or creates. The rule, in plain Python (`similarity`):

- Both names are read as Latin words (customers.keys.latin_text), common abbreviations spelled out
  (St → Saint, Hosp → Hospital, Ctr → Center, Med → Medical, Univ → University, Mt → Mount), legal
  suffixes left out (Inc, LLC, Corp, Ltd, GmbH) and the words sorted, so word order does not matter:
  "Hospital St. Mary's" and "Saint Marys Hospital, Inc." read alike.
- Names with different designators — numbers and one-letter words — are different facilities
  ("Clinic 1" and "Clinic 2", "Hospital A" and "Hospital B").
- Otherwise each word of the shorter name is paired with a word of the other that is the same but for
  a typo (one letter changed, added or dropped; two in words of eight letters or more); "the", "of",
  "and", and — when every other word is the same — one extra word saying what kind of place it is
  ("Mercy" and "Mercy Hospital") may be left over, nothing else: "Thrice Clinic" is not "Twice Clinic",
  "Saint Cory Nursing Home" is not "Saint Aaron Nursing Home". The score is the paired words' edit-
  distance ratio, weighted by their length; 0.85 or more is a near-duplicate.
- Words run together ("StMarys Hospitl") are caught by the keys: two typos at most between them.

Finding candidates: each customer stores its words and designators (Customer.match_words,
match_designators). On PostgreSQL the customers with the same designators (a btree index) are read
nearest first by trigram distance (a GiST index, pg_trgm), CANDIDATES of them per name, in one query
for every name checked, and the rule scores those; elsewhere (SQLite) the rule scores every customer
with the same designators.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import QuerySet

from customers.keys import canonical_customer_key, latin_text
from customers.models import Customer

SIMILARITY_THRESHOLD = 0.85
ABBREVIATIONS = {
    "ST": "SAINT", "STE": "SAINTE", "HOSP": "HOSPITAL", "CTR": "CENTER", "CNTR": "CENTER", "CENTRE": "CENTER",
    "MED": "MEDICAL", "UNIV": "UNIVERSITY", "MT": "MOUNT",
}
LEGAL_SUFFIXES = frozenset({"INC", "INCORPORATED", "LLC", "CORP", "CORPORATION", "LTD", "LIMITED", "GMBH"})
FILLERS = frozenset({"THE", "OF", "AND", "AT"})
# A letter without a Latin form (ь) is one letter to the finder, not the letters its key spells it with.
UNKNOWN_LETTER = "x"
# Words that say what kind of place a facility is, not which one (compared with one typo allowed).
GENERIC_WORDS = frozenset({
    "HOSPITAL", "HOSPITALS", "CLINIC", "CLINICS", "MEDICAL", "CENTER", "CENTERS", "HEALTH", "HEALTHCARE",
    "CARE", "REGIONAL", "GENERAL", "COMMUNITY", "MEMORIAL", "UNIVERSITY", "PHARMACY", "LABORATORY",
    "SURGERY", "SURGICAL", "INSTITUTE", "SYSTEM", "SERVICES", "PRACTICE",
    "HOPITAL", "KLINIK", "KLINIKUM", "CLINICA", "KRANKENHAUS", "SPITAL",
})
# PostgreSQL hands the Python rule this many nearest names (by trigram distance) per name checked.
CANDIDATES = 20
_NUMBER = re.compile(r"\d+")


def match_words(name: str) -> str:
    """What Customer.match_words stores: the name's words as the finder compares them, sorted."""
    words = [ABBREVIATIONS.get(word, word) for word in latin_text(name, unknown=UNKNOWN_LETTER).split()]
    return " ".join(sorted(word for word in words if word not in LEGAL_SUFFIXES))


def match_columns(name: str) -> dict[str, str]:
    """The finder's stored columns of a customer with this name (whoever writes a customer sets them)."""
    words = match_words(name)
    return {"match_words": words, "match_designators": " ".join(designators(words))}


def designators(words: str) -> tuple[str, ...]:
    """The numbers (leading zeros aside) and one-letter words of a name: what tells apart facilities
    whose names are otherwise alike."""
    numbers = (str(int(n)) for n in _NUMBER.findall(words))
    letters = (word for word in words.split() if len(word) == 1 and word.isalpha())
    return tuple(sorted((*numbers, *letters)))


def _one_edit_apart(a: str, b: str) -> bool:
    """Equal, or one letter inserted, deleted or changed."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


@lru_cache(maxsize=8192)
def is_generic(word: str) -> bool:
    return word in GENERIC_WORDS or (len(word) >= 5 and any(
        _one_edit_apart(word, generic) for generic in GENERIC_WORDS if len(generic) >= 5))


@dataclass(frozen=True)
class ComparableName:
    key: str
    text: str  # as Customer.match_words stores it
    words: tuple[str, ...]  # sorted, fillers left out
    designators: tuple[str, ...]

    @classmethod
    def of(cls, name: str, *, key: str | None = None, words: str | None = None) -> ComparableName:
        """`key` and `words` may be given when stored (Customer.company_key, match_words)."""
        if key and words:
            return _stored(key, words)
        key = key.split("~", 1)[0] if key else canonical_customer_key(name)
        return _stored(key, words or match_words(name) or key)


@lru_cache(maxsize=65536)  # customers' stored names are read again and again by one preview
def _stored(key: str, words: str) -> ComparableName:
    return ComparableName(key=key.split("~", 1)[0], text=words,
                          words=tuple(w for w in words.split() if w not in FILLERS), designators=designators(words))


def _ratio(a: str, b: str, threshold: float) -> float:
    """The edit-distance ratio of two strings, or 0.0 when it is surely below `threshold`."""
    if a == b:
        return 1.0
    if 2 * min(len(a), len(b)) / (len(a) + len(b)) < threshold:
        return 0.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.quick_ratio() < threshold:
        return 0.0
    return matcher.ratio()


def _typos(a: str, b: str, most: int) -> int:
    """Levenshtein distance of two words, or most + 1 as soon as it is surely more than `most`."""
    if abs(len(a) - len(b)) > most:
        return most + 1
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        if min(current) > most:
            return most + 1
        previous = current
    return previous[-1]


@lru_cache(maxsize=131072)  # the same pairs of words come up again and again (Hospital, Clinic, …)
def _misspelt(a: str, b: str) -> bool:
    """The same word but for a typo: one edit, two in words of eight letters or more."""
    most = 2 if max(len(a), len(b)) >= 8 else 1
    return a != b and min(len(a), len(b)) > 1 and _typos(a, b, most) <= most


def _paired(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Pair each word with the same word, or the same misspelt, of the other name (closest first); the
    pairs' ratio weighted by length, or 0.0 when more is left over than one generic word beside pairs
    that are all exact."""
    if len(a) > len(b):
        a, b = b, a
    candidates = sorted(((_ratio(x, y, 0.0), i, j) for i, x in enumerate(a) for j, y in enumerate(b)
                         if x == y or _misspelt(x, y)), reverse=True)
    left_a, left_b, weighted, weight = set(range(len(a))), set(range(len(b))), 0.0, 0
    for r, i, j in candidates:
        if i in left_a and j in left_b:
            left_a.discard(i)
            left_b.discard(j)
            weighted += r * (len(a[i]) + len(b[j]))
            weight += len(a[i]) + len(b[j])
    left = [a[i] for i in left_a] + [b[j] for j in left_b]
    if not weight or len(left) > 1 or (left and (weighted < weight or not is_generic(left[0]))):
        return 0.0
    return weighted / weight


def similarity(a: ComparableName, b: ComparableName) -> float:
    """0.0 … 1.0; SIMILARITY_THRESHOLD or more is a near-duplicate (see the module's docstring)."""
    if a.designators != b.designators:
        return 0.0
    if a.key == b.key or a.words == b.words:
        return 1.0
    score = _paired(a.words, b.words)
    if score < SIMILARITY_THRESHOLD and len(a.words) != len(b.words) and _typos(a.key, b.key, 2) <= 2:
        score = max(score, _ratio(a.key, b.key, 0.0))  # words run together, and a typo or two
    return score


@dataclass(frozen=True)
class Match:
    customer: Customer
    score: float

    @property
    def percent(self) -> int:
        return round(self.score * 100)


def similar_customers_for(names: Iterable[str], *, among: QuerySet[Customer] | None = None, limit: int = 5,
                          exclude: Iterable[int] = ()) -> dict[str, list[Match]]:
    """{name: its near-duplicate customers, closest first} for every name given (names without a letter
    or digit have none). `among` limits the customers looked at (what the user may see)."""
    wanted: dict[str, ComparableName] = {}
    for name in names:
        if name not in wanted:
            try:
                wanted[name] = ComparableName.of(name)
            except ValidationError:  # a name without letters or digits has no near-duplicates
                continue
    queryset = (Customer.objects.all() if among is None else among).exclude(pk__in=list(exclude))
    if not wanted:
        return {}
    if connection.vendor == "postgresql":
        scored = _scored_by_trigram_candidates(wanted, queryset)
    else:
        scored = _scored_by_every_customer(wanted, queryset)
    found: dict[str, list[Match]] = {}
    by_pk = Customer.objects.in_bulk({pk for hits in scored.values() for pk, _ in hits[:limit]})
    for name in wanted:
        hits = scored.get(name, [])[:limit]
        found[name] = [Match(by_pk[pk], score) for pk, score in hits if pk in by_pk]
    return found


def similar_customers_of(name: str, *, among: QuerySet[Customer] | None = None, exclude_pk: int | None = None,
                         limit: int = 5) -> list[Match]:
    """One name's near-duplicate customers, closest first."""
    exclude = [exclude_pk] if exclude_pk is not None else []
    return similar_customers_for([name], among=among, exclude=exclude, limit=limit).get(name, [])


def _best_first(hits: list[tuple[int, float]]) -> list[tuple[int, float]]:
    return sorted(hits, key=lambda hit: (-hit[1], hit[0]))


def _scored_by_every_customer(wanted: dict[str, ComparableName], queryset: QuerySet[Customer]
                              ) -> dict[str, list[tuple[int, float]]]:
    """The Python path: every customer, grouped by its name's designators (only equal ones compare)."""
    by_designators: dict[tuple[str, ...], list[tuple[int, ComparableName]]] = defaultdict(list)
    rows = queryset.order_by().values_list("pk", "facility_name", "company_key", "match_words")
    for pk, name, key, words in rows.iterator(chunk_size=5000):
        other = ComparableName.of(name, key=key, words=words)
        by_designators[other.designators].append((pk, other))
    scored = {}
    for name, this in wanted.items():
        hits = [(pk, score) for pk, other in by_designators.get(this.designators, ())
                if (score := similarity(this, other)) >= SIMILARITY_THRESHOLD]
        scored[name] = _best_first(hits)
    return scored


def _scored_by_trigram_candidates(wanted: dict[str, ComparableName], queryset: QuerySet[Customer]
                                  ) -> dict[str, list[tuple[int, float]]]:
    """The PostgreSQL path: per name, the CANDIDATES nearest customers with the same designators by
    trigram distance (GiST index scans), for every name in one query; the rule scores them."""
    among_sql, among_params = queryset.order_by().values("pk").query.sql_with_params()
    names = list(wanted)
    scored: dict[str, list[tuple[int, float]]] = {name: [] for name in names}
    for start in range(0, len(names), 1000):
        chunk = names[start:start + 1000]
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT q.n, c.id, c.facility_name, c.company_key, c.match_words
                    FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS q(words, designators, n)
                    CROSS JOIN LATERAL (
                        SELECT id, facility_name, company_key, match_words FROM customers_customer
                        WHERE match_designators = q.designators AND id IN ({among_sql})
                        ORDER BY match_words <-> q.words LIMIT %s) c""",
                [[wanted[name].text for name in chunk], [" ".join(wanted[name].designators) for name in chunk],
                 *among_params, CANDIDATES],
            )
            rows = cursor.fetchall()
        for n, pk, other_name, key, words in rows:
            name = chunk[n - 1]
            score = similarity(wanted[name], ComparableName.of(other_name, key=key, words=words))
            if score >= SIMILARITY_THRESHOLD:
                scored[name].append((pk, score))
    return {name: _best_first(hits) for name, hits in scored.items()}


class NearDuplicateFound(ValidationError):
    """A new customer would be made for a name close to existing ones: a person chooses first (link to
    one of `matches`, or create new). Raised by the services that would create it; forms show it as
    "Did you mean …?"."""

    def __init__(self, facility_name: str, matches: list[Match]):
        self.facility_name = facility_name
        self.matches = matches
        names = ", ".join(f"“{m.customer.facility_name}”" for m in matches[:3])
        super().__init__({"facility_name": ValidationError(
            f"“{facility_name}” is close to an existing customer ({names}): choose one, or confirm that it "
            "is a new customer.", code="near_duplicate")})
