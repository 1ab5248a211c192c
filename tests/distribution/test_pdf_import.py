"""Importing sales-order PDFs through the page and the command: preview, confirm, originals kept."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from distribution.models import DistributionLogEntry, SourceDocument, Status
from silqeqms.models import AuditEvent
from tests.distribution.pdf_samples import (
    make_image_only_pdf,
    make_order_pdf_fpdf,
    make_order_pdf_reportlab,
    sample_order,
)
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_run_at_once")]

URL = "distribution:import_pdf"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(client, *files: tuple[str, bytes]):
    return client.post(reverse(URL), {"files": [SimpleUploadedFile(n, d, "application/pdf") for n, d in files]})


def _confirm(client, preview, reason="sales orders of 5 March"):
    token = preview.context["confirm_form"].initial["tokens"]
    return client.post(reverse(URL), {"tokens": token, "reason": reason})


def test_two_pdfs_from_two_writers_import_exactly_and_keep_their_originals(ops_client):
    first = make_order_pdf_reportlab(sample_order(), ruled=True)
    second_order = sample_order(order_number="SO-2002", facility_name="Valley Clinic", city="Fresno",
                                postal_code="93701", lines=[{"sku": "311400KIT", "description": "Kit",
                                                             "lot": "", "quantity": 2}])
    second = make_order_pdf_fpdf(second_order, ruled=False)
    preview = _upload(ops_client, ("mercy.pdf", first), ("valley.pdf", second))
    html = preview.content.decode()
    assert "Order SO-1001" in html and "Order SO-2002" in html
    assert "no lot" in html  # the reader says where it was unsure
    assert DistributionLogEntry.objects.count() == 0
    response = _confirm(ops_client, preview)
    assert response.status_code == 302
    entries = DistributionLogEntry.objects.order_by("order_number", "sku")
    assert [(e.order_number, e.sku, e.lot_number, e.quantity, e.status) for e in entries] == [
        ("SO-1001", "211810SPT", "L2026-0142", 12, Status.ACTIVE),
        ("SO-1001", "211820SPT", "L2026-0155", 4, Status.ACTIVE),
        ("SO-1001", "300100", "B77-301", 30, Status.ACTIVE),
        ("SO-2002", "311400KIT", "", 2, Status.NEEDS_REVIEW),
    ]
    mercy = entries[0]
    assert (mercy.facility_name, mercy.city, mercy.state, mercy.postal_code) == (
        "Mercy General Hospital", "Sacramento", "CA", "95819")
    assert mercy.source == "pdf" and mercy.customer.company_key == "MERCYGENERALHOSPITAL"
    assert SourceDocument.objects.count() == 2
    document = mercy.source_document
    assert document.original_name == "mercy.pdf"
    download = ops_client.get(reverse("distribution:source_document", args=[document.pk]))
    assert b"".join(download.streaming_content) == first
    assert AuditEvent.objects.filter(action="distribution.imported").count() == 2


def test_the_same_pdf_again_creates_nothing_and_says_so(ops_client):
    data = make_order_pdf_reportlab(sample_order())
    _confirm(ops_client, _upload(ops_client, ("a.pdf", data)))
    again = _upload(ops_client, ("a-copy.pdf", data))
    assert "Already imported" in again.content.decode()
    assert again.context.get("confirm_form") is None
    assert DistributionLogEntry.objects.count() == 3


@pytest.mark.parametrize(("name", "data", "says"), [
    ("notes.pdf", b"hello, this is not a PDF", "not a PDF"),
    ("empty.pdf", b"", "empty"),
    ("scan.pdf", make_image_only_pdf(), "no text layer"),
    ("cut.pdf", make_order_pdf_reportlab(sample_order())[:900], "notes"),
])
def test_bad_files_get_a_clear_message_naming_the_file_and_nothing_is_written(ops_client, name, data, says):
    response = _upload(ops_client, (name, data))
    assert response.status_code == 200
    html = response.content.decode()
    assert name in html
    if says != "notes":
        assert says in html
    assert response.context.get("confirm_form") is None
    assert DistributionLogEntry.objects.count() == 0


def test_an_oversized_pdf_is_refused_before_it_is_read(ops_client, monkeypatch):
    import distribution.forms

    monkeypatch.setattr(distribution.forms, "MAX_PDF_BYTES", 100)
    response = _upload(ops_client, ("big.pdf", make_order_pdf_reportlab(sample_order())))
    assert "Over the" in response.content.decode() and "big.pdf" in response.content.decode()


def test_confirm_needs_a_reason(ops_client):
    preview = _upload(ops_client, ("a.pdf", make_order_pdf_reportlab(sample_order())))
    response = _confirm(ops_client, preview, reason="  ")
    assert "Give a reason" in response.content.decode()
    assert DistributionLogEntry.objects.count() == 0


def test_a_printed_rep_name_is_matched_to_the_user(ops_client):
    jane = UserFactory(username="jsmith", first_name="Jane", last_name="Smith")
    _confirm(ops_client, _upload(ops_client, ("a.pdf", make_order_pdf_fpdf(sample_order()))))
    assert set(DistributionLogEntry.objects.values_list("rep", flat=True)) == {jane.pk}


def test_the_command_imports_and_refuses_a_second_time(tmp_path, capsys):
    path = tmp_path / "order.pdf"
    path.write_bytes(make_order_pdf_reportlab(sample_order()))
    with pytest.raises(CommandError, match="--reason"):
        call_command("import_distribution_pdf", str(path))
    call_command("import_distribution_pdf", str(path), "--dry-run")
    assert DistributionLogEntry.objects.count() == 0
    call_command("import_distribution_pdf", str(path), "--reason", "backfill")
    assert DistributionLogEntry.objects.count() == 3
    call_command("import_distribution_pdf", str(path), "--reason", "backfill")
    assert "already imported" in capsys.readouterr().out
    assert DistributionLogEntry.objects.count() == 3
