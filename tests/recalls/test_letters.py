"""Recall letters read back with pdfplumber: each consignee's letter carries its own lots, quantities,
orders and dates and nobody else's; letters are stored content-addressed and linked from the consignee;
the merged PDF reports its progress letter by letter."""

from __future__ import annotations

import datetime
import io

import pdfplumber
import pytest
from django.urls import reverse

from recalls import services
from recalls.models import DocumentKind, RecallDocument
from silqeqms.models import AuditEvent

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


@pytest.fixture
def opened(draft, ship, quality):
    ship(facility_name="Mercy Hospital", order_number="SO-MERCY-1", quantity=37, ship_date=datetime.date(2026, 3, 2))
    ship(facility_name="Mercy Hospital", order_number="SO-MERCY-2", quantity=41, ship_date=datetime.date(2026, 4, 6),
         address1="9 Dock Rd")
    ship(facility_name="Valley <Clinic> & Co", order_number="SO-VALLEY-1", quantity=53, lot_number="LOT-VAL",
         udi_di="00850000000001")
    recall = draft(lots=["LOT2601", "LOT-VAL"], reason="Seal may open <in transit> & leak.",
                   health_hazard="Infection risk.", instructions="Quarantine and return.")
    return services.open_recall(actor=quality, recall=recall, reason="open")


def test_a_letter_carries_its_consignees_lots_quantities_and_no_one_elses(client, opened, quality):
    client.force_login(quality)
    mercy = opened.consignees.get(facility_name="Mercy Hospital")
    response = client.get(reverse("recalls:consignee_letter", args=[opened.pk, mercy.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "URGENT: MEDICAL DEVICE RECALL" in text
    assert f"{opened.number}-001" in text and "Mercy Hospital" in text
    for expected in ("LOT2601", "SO-MERCY-1", "SO-MERCY-2", "2026-03-02", "2026-04-06", " 37", " 41", "78"):
        assert expected in text, expected
    assert "9 Dock Rd" in text  # shipped to two addresses: each line says where
    for foreign in ("LOT-VAL", "SO-VALLEY-1", "Valley", " 53"):
        assert foreign not in text, foreign
    assert "Seal may open <in transit> & leak." in text and "Infection risk." in text
    assert "RESPONSE FORM" in text and "Quarantine and return." in text


def test_recorded_text_with_markup_characters_prints_as_written(client, opened, quality):
    client.force_login(quality)
    valley = opened.consignees.get(facility_name__startswith="Valley")
    text = pdf_text(client.get(reverse("recalls:consignee_letter", args=[opened.pk, valley.pk])).content)
    assert "Valley <Clinic> & Co" in text and "LOT-VAL" in text and "00850000000001" in text
    assert "LOT2601" not in text


def test_a_letter_is_stored_once_per_content_and_linked_from_the_consignee(opened, quality):
    mercy = opened.consignees.get(facility_name="Mercy Hospital")
    document, data = services.generate_letter(actor=quality, consignee=mercy)
    again, data_again = services.generate_letter(actor=quality, consignee=mercy)
    assert again == document and data_again == data
    mercy.refresh_from_db()
    assert mercy.letter == document
    assert document.file.name == f"recall-documents/{document.sha256[:2]}/{document.sha256}.pdf"
    with document.file.open("rb") as stored:
        assert stored.read() == data
    assert AuditEvent.objects.filter(action="recall.letter_generated").count() == 1


def test_a_correction_and_a_mock_recall_say_so(draft, ship, quality):
    ship()
    correction = services.open_recall(actor=quality, recall=draft(kind="correction"), reason="open")
    _, data = services.generate_letter(actor=quality, consignee=correction.consignees.get())
    assert "URGENT: MEDICAL DEVICE CORRECTION" in pdf_text(data)
    mock = services.open_recall(actor=quality, recall=draft(kind="mock"), reason="open")
    _, data = services.generate_letter(actor=quality, consignee=mock.consignees.get())
    assert "MOCK RECALL EXERCISE" in pdf_text(data)


class Recorder:
    def __init__(self):
        self.total, self.done = None, 0

    def set_total(self, total):
        self.total = total

    def advance(self, amount=1):
        self.done += amount


def test_the_merged_letters_report_progress_letter_by_letter_and_are_stored(opened, quality):
    progress = Recorder()
    document = services.build_merged_letters(opened, actor=quality, progress=progress)
    assert (progress.total, progress.done) == (2, 2)
    assert document.kind == DocumentKind.MERGED_LETTERS and document.pages == 4  # a letter and its form each
    with document.file.open("rb") as stored:
        text = pdf_text(stored.read())
    assert text.count("RESPONSE FORM") == 2 and "SO-MERCY-1" in text and "SO-VALLEY-1" in text
    assert services.build_merged_letters(opened, actor=quality) == document  # same content, same document
    assert RecallDocument.objects.filter(kind=DocumentKind.MERGED_LETTERS).count() == 1
    event = AuditEvent.objects.get(action="recall.letters_merged")
    assert event.data["letters"] == 2 and event.target_id == str(opened.pk)
