"""The one near-duplicate finder (customers.matching): the rule, and the finder on SQLite (Python) and
PostgreSQL (trigram candidates, the same rule) alike."""

from __future__ import annotations

import pytest

from customers.matching import (
    ComparableName,
    NearDuplicateFound,
    match_words,
    similar_customers_for,
    similar_customers_of,
    similarity,
)
from customers.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

ST_MARYS = "St. Mary's Hospital"


def alike(a: str, b: str) -> float:
    return similarity(ComparableName.of(a), ComparableName.of(b))


@pytest.mark.parametrize("spelling", [
    "Saint Marys Hospital",  # abbreviation St/Saint, apostrophe
    "St Marys Hospitl",  # a typo (edit distance)
    "Hospital St. Mary's",  # word order
    "St. Mary's Hosp., Inc.",  # abbreviation Hosp/Hospital, legal suffix
    "ST MARYS HOSPITAL LLC",
])
def test_the_issues_spellings_are_near_duplicates_of_st_marys(spelling):
    """Finding 2: each of these became a new customer beside "St. Mary's Hospital"."""
    assert alike(spelling, ST_MARYS) >= 0.85


@pytest.mark.parametrize(("one", "other"), [
    ("Mt Sinai Med Ctr", "Mount Sinai Medical Center"),
    ("Univ Clinic Zurich GmbH", "University Clinic Zürich"),
    ("Acme Corp", "ACME Corporation"),
    ("Valley Care Ltd", "Valley Care"),
])
def test_abbreviations_and_legal_suffixes_are_read_alike(one, other):
    assert alike(one, other) == 1.0


@pytest.mark.parametrize(("one", "other"), [
    ("General Hospital 1", "General Hospital 2"),  # numbers tell facilities apart
    ("Clinic B", "Clinic C"),  # so do one-letter words
    ("Thrice Clinic", "Twice Clinic"),  # the distinctive words differ; "Clinic" says nothing
    ("North Clinic", "South Clinic"),
    ("Mercy Hospital", "Valley Hospital"),
])
def test_different_facilities_with_alike_names_are_not_near_duplicates(one, other):
    assert alike(one, other) < 0.85


def test_match_words_spell_out_abbreviations_drop_legal_suffixes_and_sort():
    assert match_words("Hospital St. Mary's, Inc.") == "HOSPITAL MARYS SAINT"
    assert match_words("Mt Sinai Med Ctr") == "CENTER MEDICAL MOUNT SINAI"


@pytest.fixture
def st_marys():
    return CustomerFactory(facility_name=ST_MARYS, city="Austin", state="TX")


def test_the_finder_returns_close_customers_best_first_with_their_score(st_marys):
    CustomerFactory(facility_name="St Marys Hospitals")
    CustomerFactory(facility_name="Mercy Clinic")
    CustomerFactory(facility_name="St. Luke's Hospital")
    found = similar_customers_of("Saint Marys Hospital")
    assert [m.customer.facility_name for m in found] == [ST_MARYS, "St Marys Hospitals"]
    assert found[0].score == 1.0 and found[0].percent == 100
    assert 0.85 <= found[1].score < 1.0


def test_the_finder_answers_many_names_in_one_call_and_can_exclude_and_limit(st_marys):
    other = CustomerFactory(facility_name="Mercy Clinic")
    found = similar_customers_for(["Hospital St Marys", "Mercy Clinics", "Nothing Alike Here", "---"])
    assert [m.customer for m in found["Hospital St Marys"]] == [st_marys]
    assert [m.customer for m in found["Mercy Clinics"]] == [other]
    assert found["Nothing Alike Here"] == []
    assert "---" not in found  # no letters: no near-duplicates
    assert similar_customers_of(ST_MARYS, exclude_pk=st_marys.pk) == []
    assert similar_customers_of("Hospital St Marys", among=Customer.objects.exclude(pk=st_marys.pk)) == []


def test_the_finder_reads_names_in_every_script(st_marys):
    moscow = CustomerFactory(facility_name="Городская больница №1")
    assert [m.customer for m in similar_customers_of("Городская болница №1")] == [moscow]
    assert similar_customers_of("Городская больница №2") == []


def test_near_duplicate_found_is_a_validation_error_on_the_facility_name(st_marys):
    error = NearDuplicateFound("Saint Marys Hospital", similar_customers_of("Saint Marys Hospital"))
    assert error.matches[0].customer == st_marys
    assert "St. Mary's Hospital" in error.message_dict["facility_name"][0]
