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
- The score is the better of the edit-distance ratios of the two keys and of the two word lists, but
  no better than that of their distinctive words (what is left without the words every facility
  has, such as Hospital, Clinic, Medical, Center, even misspelt): "Thrice Clinic" is not "Twice
  Clinic". 0.85 or more is a near-duplicate.

Finding candidates: on PostgreSQL a trigram index on Customer.match_words (pg_trgm, nearest first)
hands the rule its closest candidates, so one check does not read every customer; elsewhere (SQLite)
every customer is scored in Python.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

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
# Words that say what kind of place a facility is, not which one (compared with one typo allowed).
GENERIC_WORDS = frozenset({
    "HOSPITAL", "HOSPITALS", "CLINIC", "CLINICS", "MEDICAL", "CENTER", "CENTERS", "HEALTH", "HEALTHCARE",
    "CARE", "REGIONAL", "GENERAL", "COMMUNITY", "MEMORIAL", "UNIVERSITY", "PHARMACY", "LABORATORY",
    "SURGERY", "SURGICAL", "INSTITUTE", "SYSTEM", "SERVICES", "OF", "THE", "AND", "AT",
    "HOPITAL", "KLINIK", "KLINIKUM", "CLINICA", "KRANKENHAUS", "SPITAL",
})
# PostgreSQL hands the Python rule this many nearest names (by trigram distance) per name checked.
CANDIDATES = 40
_NUMBER = re.compile(r"\d+")


def match_words(name: str) -> str:
    """What Customer.match_words stores: the name's words as the finder compares them, sorted."""
    words = [ABBREVIATIONS.get(word, word) for word in latin_text(name).split()]
    return " ".join(sorted(word for word in words if word not in LEGAL_SUFFIXES))


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


def is_generic(word: str) -> bool:
    return word in GENERIC_WORDS or (len(word) >= 5 and any(
        _one_edit_apart(word, generic) for generic in GENERIC_WORDS if len(generic) >= 5))


@dataclass(frozen=True)
class ComparableName:
    key: str
    words: str
    designators: tuple[str, ...]
    core: str  # the distinctive words: `words` without the generic ones

    @classmethod
    def of(cls, name: str, *, key: str | None = None, words: str | None = None) -> ComparableName:
        """`key` and `words` may be given when stored (Customer.company_key, match_words)."""
        key = key.split("~", 1)[0] if key else canonical_customer_key(name)
        words = words or match_words(name) or key
        core = " ".join(word for word in words.split() if not is_generic(word))
        return cls(key=key, words=words, designators=designators(words), core=core)


def _ratio(a: str, b: str) -> float:
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < SIMILARITY_THRESHOLD or matcher.quick_ratio() < SIMILARITY_THRESHOLD:
        return 0.0
    return matcher.ratio()


def similarity(a: ComparableName, b: ComparableName) -> float:
    """0.0 … 1.0; SIMILARITY_THRESHOLD or more is a near-duplicate (see the module's docstring)."""
    if a.designators != b.designators:
        return 0.0
    if a.key == b.key or a.words == b.words:
        return 1.0
    overall = max(_ratio(a.key, b.key), _ratio(a.words, b.words))
    if overall and a.core and b.core and a.core != b.core:
        return min(overall, _ratio(a.core, b.core))
    return overall


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
    """The PostgreSQL path: the nearest names by trigram distance (a GiST index scan), scored by the rule."""
    from django.contrib.postgres.search import TrigramDistance

    scored = {}
    for name, this in wanted.items():
        candidates = (queryset.order_by().annotate(distance=TrigramDistance("match_words", this.words))
                      .order_by("distance").values_list("pk", "facility_name", "company_key", "match_words")
                      [:CANDIDATES])
        hits = []
        for pk, other_name, key, words in candidates:
            score = similarity(this, ComparableName.of(other_name, key=key, words=words))
            if score >= SIMILARITY_THRESHOLD:
                hits.append((pk, score))
        scored[name] = _best_first(hits)
    return scored


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
