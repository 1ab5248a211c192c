"""The recall pages through HTTP: the addresses other tools rely on (new ?lot=, POST open, ?format=json, the
letter), the lot trace's link, constant query counts, the consignee forms, closing with the password,
the responses upload (preview → confirm), and the reports (each download recorded)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from recalls import services
from recalls.models import ConsigneeStatus, Recall, RecallStatus
from silqeqms.models import AuditEvent
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def quality_client(client, quality):
    client.force_login(quality)
    return client


def html(response) -> str:
    import html as markup

    return markup.unescape(" ".join(response.content.decode().split()))


def test_the_lot_trace_offers_a_recall_to_those_who_may_start_one(client, quality, ops_user, ship):
    ship(lot_number="A/B & C#1")
    client.force_login(quality)
    page = html(client.get(reverse("distribution:lot_trace", args=["A/B & C#1"])))
    assert 'href="/admin/recalls/new/?lot=A%2FB%20%26%20C%231">Start a recall for this lot</a>' in page
    client.force_login(ops_user)
    assert "Start a recall" not in html(client.get(reverse("distribution:lot_trace", args=["A/B & C#1"])))


def test_the_new_recall_form_has_the_lot_in_scope(quality_client):
    response = quality_client.get("/admin/recalls/new/", {"lot": "A/B & C#1"})
    assert response.status_code == 200
    assert response.context["form"]["lots"].value() == "A/B & C#1"
    assert "<title>New recall · SilqeQMS</title>" in response.content.decode()


def test_saving_the_form_makes_a_draft_and_opens_its_page_then_posting_open_opens_it(quality_client, ship):
    ship(lot_number="LOT-7", facility_name="Mercy Hospital", quantity=4)
    ship(lot_number="lot-7", facility_name="Valley Clinic", quantity=2)
    response = quality_client.post("/admin/recalls/new/", {"title": "Seal defect", "kind": "recall", "reason": "Seal",
                                                          "level": "A", "lots": "LOT-7\r\n", "classification": "pending",
                                                          "depth": "user"})
    recall = Recall.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/admin/recalls/{recall.pk}/"
    assert recall.status == RecallStatus.DRAFT and recall.lots == ["LOT-7"]
    page = html(quality_client.get(response["Location"]))
    assert "In scope now: <b>2</b> live shipments to <b>2</b> consignees, <b>6</b> units" in page
    response = quality_client.post(f"/admin/recalls/{recall.pk}/open/", {"reason": "HHE-7"})
    assert response.status_code == 302
    recall.refresh_from_db()
    assert recall.status == RecallStatus.OPEN
    data = quality_client.get(f"/admin/recalls/{recall.pk}/", {"format": "json"}).json()
    assert set(data) == {"number", "status", "kind", "lots", "consignees", "effectiveness"}
    assert (data["number"], data["status"], data["kind"], data["lots"]) == (recall.number, "open", "recall", ["LOT-7"])
    assert [set(c) for c in data["consignees"]] == [{"id", "customer_id", "facility_name", "units", "status"}] * 2
    assert [(c["facility_name"], c["units"], c["status"]) for c in data["consignees"]] == [
        ("Mercy Hospital", 4, "pending"), ("Valley Clinic", 2, "pending")]
    assert data["effectiveness"] == {"consignees": 2, "notified": 0, "responded": 0, "closed": 0,
                                     "target_share": 1.0, "met": False}


def test_the_new_recall_form_names_what_is_missing(quality_client):
    response = quality_client.post("/admin/recalls/new/", {"title": "", "kind": "recall", "reason": "x", "level": "B"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "title" in errors and "lots" in errors
    assert not Recall.objects.exists()


def test_opening_without_a_reason_says_so_and_opens_nothing(quality_client, draft, ship):
    ship()
    recall = draft()
    response = quality_client.post(f"/admin/recalls/{recall.pk}/open/", {"reason": " "}, follow=True)
    assert "was not opened" in html(response)
    recall.refresh_from_db()
    assert recall.status == RecallStatus.DRAFT


def open_with(ship, draft, quality, consignees: int) -> Recall:
    for n in range(consignees):
        ship(facility_name=f"Clinic {n:02d}", quantity=n + 1)
    return services.open_recall(actor=quality, recall=draft(), reason="open")


def count_queries(client, url, params=None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


def test_the_recall_page_runs_the_same_queries_for_two_or_twenty_consignees(quality_client, quality, ship, draft):
    small = open_with(ship, draft, quality, 2)
    for consignee in small.consignees.all():
        services.notify_consignee(actor=quality, consignee=consignee, notified_at=timezone.now(), method="letter",
                                  reason="sent", version=consignee.version)
    big = open_with(ship, draft, quality, 20)
    small_url, big_url = (reverse("recalls:recall_detail", args=[r.pk]) for r in (small, big))
    quality_client.get(small_url)  # the session's first request saves more
    page = count_queries(quality_client, small_url)
    assert count_queries(quality_client, big_url) == page
    assert page <= 20
    json = count_queries(quality_client, small_url, {"format": "json"})
    assert count_queries(quality_client, big_url, {"format": "json"}) == json
    assert json <= 10  # session, user, permissions, recall, figures, consignees, session save
    consignee = big.consignees.last()
    detail = count_queries(quality_client, reverse("recalls:consignee_detail", args=[big.pk, consignee.pk]))
    assert detail <= 14


def test_the_recall_list_runs_a_fixed_number_of_queries(quality_client, quality, ship, draft,
                                                        django_assert_max_num_queries):
    open_with(ship, draft, quality, 3)
    draft()
    with django_assert_max_num_queries(9):  # session, user, permissions (2), count, page, session save
        page = quality_client.get(reverse("recalls:recall_list"))
    assert page.status_code == 200 and page.context["table"].paginator.count == 2


def test_later_shipments_are_flagged_on_the_page_and_added_with_a_reason(quality_client, quality, ship, draft):
    recall = open_with(ship, draft, quality, 1)
    late = ship(facility_name="Late Clinic", quantity=3)
    ship(facility_name="Valley Surgery Center", quantity=2)
    page = html(quality_client.get(recall.get_absolute_url()))
    assert "2 new shipments in scope since opening" in page
    listing = quality_client.get(reverse("recalls:later_shipments", args=[recall.pk]))
    assert "Late Clinic" in listing.content.decode()
    response = quality_client.post(reverse("recalls:later_shipments", args=[recall.pk]),
                                   {"entries": [late.pk], "reason": ""})
    assert "Give a reason for this change." in response.content.decode()
    response = quality_client.post(reverse("recalls:later_shipments", args=[recall.pk]),
                                   {"entries": [late.pk], "reason": "late import"})
    assert response.status_code == 302
    assert "1 new shipment in scope since opening" in html(quality_client.get(recall.get_absolute_url()))
    assert recall.consignees.filter(facility_name="Late Clinic", added_after_opening=True).exists()


def test_the_consignee_forms_move_it_on_and_show_errors_on_their_fields(quality_client, quality, ship, draft):
    recall = open_with(ship, draft, quality, 1)
    consignee = recall.consignees.get()
    url = reverse("recalls:consignee_detail", args=[recall.pk, consignee.pk])
    page = quality_client.get(url)
    assert set(page.context["forms"]) == {"notify", "unreachable"}
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = quality_client.post(url, {"action": "notify", "notify-notified_at": now, "notify-method": "phone",
                                         "notify-reason": "called the buyer", "notify-version": 1})
    assert response.status_code == 200
    assert "must be confirmed in writing" in response.content.decode()
    response = quality_client.post(url, {"action": "notify", "notify-notified_at": now, "notify-method": "letter",
                                         "notify-reason": "FedEx 123", "notify-version": 1})
    assert response.status_code == 302 and response["Location"] == recall.get_absolute_url()
    response = quality_client.post(url, {"action": "respond", "respond-responded_at": now, "respond-responder": "Pat",
                                         "respond-units_returned": 1, "respond-reason": "form back",
                                         "respond-version": 2})
    assert response.status_code == 302
    consignee.refresh_from_db()
    assert consignee.status == ConsigneeStatus.RESPONDED
    response = quality_client.post(url, {"action": "notify", "notify-notified_at": now, "notify-method": "letter",
                                         "notify-reason": "again", "notify-version": 3}, follow=True)
    assert "that change is not open to it now" in html(response)


def test_someone_who_only_views_cannot_change_a_consignee(client, readonly_user, quality, ship, draft):
    recall = open_with(ship, draft, quality, 1)
    consignee = recall.consignees.get()
    client.force_login(readonly_user)
    url = reverse("recalls:consignee_detail", args=[recall.pk, consignee.pk])
    assert client.get(url).status_code == 200
    before = AuditEvent.objects.count()
    response = client.post(url, {"action": "unreachable", "unreachable-reason": "x", "unreachable-version": 1})
    assert response.status_code == 403 and "recalls.manage" in response.content.decode()
    assert AuditEvent.objects.count() == before


def test_another_recalls_consignee_is_not_found(quality_client, quality, ship, draft):
    recall = open_with(ship, draft, quality, 1)
    other = draft()
    consignee = recall.consignees.get()
    assert quality_client.get(reverse("recalls:consignee_detail", args=[other.pk, consignee.pk])).status_code == 404
    assert quality_client.get(reverse("recalls:consignee_letter", args=[other.pk, consignee.pk])).status_code == 404


def finish(quality, recall):
    for c in recall.consignees.all():
        c = services.notify_consignee(actor=quality, consignee=c, notified_at=timezone.now(), method="email",
                                      reason="sent", version=c.version)
        c = services.record_response(actor=quality, consignee=c, responded_at=timezone.now(), responder="",
                                     units={"units_destroyed": c.units}, reason="destroyed", version=c.version)
        services.close_consignee(actor=quality, consignee=c, reason="done", version=c.version)
    recall.refresh_from_db()
    return recall


def test_closing_in_the_browser_needs_the_password_and_states_its_meaning(quality_client, quality, ship, draft):
    recall = finish(quality, open_with(ship, draft, quality, 2))
    url = reverse("recalls:recall_close", args=[recall.pk])
    page = html(quality_client.get(url))
    assert "“I approve the closure of this recall”" in page and "Quinn Quality" in page
    response = quality_client.post(url, {"reason": "all units destroyed", "password": "", "version": recall.version})
    assert "Enter your password to sign." in response.content.decode()
    response = quality_client.post(url, {"reason": "all units destroyed", "password": "nope", "version": recall.version})
    assert "That is not your password, so nothing was signed." in response.content.decode()
    assert Recall.objects.get(pk=recall.pk).status == RecallStatus.OPEN
    response = quality_client.post(url, {"reason": "all units destroyed", "password": TEST_PASSWORD,
                                         "version": recall.version}, follow=True)
    page = html(response)
    assert "is closed, signed by Quinn Quality" in page
    assert re.search(r"Signed by <b>Quinn Quality</b> \(quality_user\) at \d{4}-\d\d-\d\d", page)
    assert Recall.objects.get(pk=recall.pk).status == RecallStatus.CLOSED


def test_the_close_page_lists_what_still_stops_the_closure(quality_client, quality, ship, draft):
    recall = open_with(ship, draft, quality, 2)
    page = html(quality_client.get(reverse("recalls:recall_close", args=[recall.pk])))
    assert "cannot be closed yet" in page and "2 consignees are not closed or marked unreachable." in page
    assert 'name="password"' not in page


def test_responses_upload_previews_then_records_every_row(quality_client, quality, ship, draft):
    recall = open_with(ship, draft, quality, 2)
    for c in recall.consignees.all():
        services.notify_consignee(actor=quality, consignee=c, notified_at=timezone.now(), method="letter",
                                  reason="sent", version=c.version)
    url = reverse("recalls:responses", args=[recall.pk])
    merge = quality_client.get(reverse("recalls:mail_merge", args=[recall.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(merge.streaming_content).decode("utf-8-sig"))))
    header = rows[0]
    for row in rows[1:]:
        row[header.index("responded_at")] = timezone.localtime().strftime("%Y-%m-%d %H:%M")
        row[header.index("units_returned")] = "1"
        row[header.index("close")] = "yes"
    body = io.StringIO()
    csv.writer(body).writerows(rows)
    upload = io.BytesIO(body.getvalue().encode())
    upload.name = "responses.csv"
    preview = quality_client.post(url, {"file": upload})
    assert preview.status_code == 200 and preview.context["can_import"]
    assert not AuditEvent.objects.filter(action="recall_consignee.responded").exists()
    confirm = preview.context["confirm_form"]
    response = quality_client.post(url, {"token": confirm["token"].value(), "fingerprint": confirm["fingerprint"].value(),
                                         "reason": "forms received"}, follow=True)
    assert "Recorded 2 responses from responses.csv (2 consignees closed)." in html(response)
    assert recall.consignees.filter(status=ConsigneeStatus.CLOSED).count() == 2
    assert AuditEvent.objects.filter(action="recall.mail_merge_exported", target_id=str(recall.pk)).count() == 1


def test_a_bad_responses_file_lists_its_problems_and_offers_no_confirmation(quality_client, quality, ship, draft):
    recall = open_with(ship, draft, quality, 1)
    upload = io.BytesIO(f"reference,responded_at,units_returned\n{recall.number}-001,2026-13-01,x\n".encode())
    upload.name = "bad.csv"
    response = quality_client.post(reverse("recalls:responses", args=[recall.pk]), {"file": upload})
    page = html(response)
    assert "Line 2, responded_at '2026-13-01'" in page and "Line 2, units_returned 'x'" in page
    assert response.context.get("confirm_form") is None


def test_the_reports_download_as_pdf_and_csv_and_each_download_is_recorded(quality_client, quality, ship, draft):
    recall = finish(quality, open_with(ship, draft, quality, 2))
    for name, action in (("recalls:status_report", "recall.status_report_exported"),
                         ("recalls:fda_report", "recall.fda_report_exported")):
        pdf = quality_client.get(reverse(name, args=[recall.pk]))
        assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
        data = quality_client.get(reverse(name, args=[recall.pk]), {"format": "csv"})
        rows = list(csv.DictReader(io.StringIO(b"".join(data.streaming_content).decode("utf-8-sig"))))
        assert len(rows) == 2 and rows[0]["recall_number"] == recall.number
        formats = sorted(e.data["format"] for e in AuditEvent.objects.filter(action=action, target_id=str(recall.pk)))
        assert formats == ["csv", "pdf"]
    status = list(csv.DictReader(io.StringIO(b"".join(quality_client.get(
        reverse("recalls:status_report", args=[recall.pk]), {"format": "csv"}).streaming_content).decode("utf-8-sig"))))
    assert [(r["status"], r["units_destroyed"], r["units_accounted"]) for r in status] == [
        ("closed", "1", "1"), ("closed", "2", "2")]


def test_the_merged_letters_are_a_job_whose_page_links_the_stored_pdf(quality_client, quality, ship, draft,
                                                                      django_capture_on_commit_callbacks):
    from silqeqms.jobs.models import Job

    recall = open_with(ship, draft, quality, 2)
    with django_capture_on_commit_callbacks(execute=True):
        response = quality_client.post(reverse("recalls:merged_letters", args=[recall.pk]))
    job = Job.objects.get(kind="recalls.merged_letters")
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    job.refresh_from_db()  # the immediate backend ran it when the request's transaction committed
    assert (job.status, job.done, job.total) == ("succeeded", 2, 2)
    (pdf_link,) = [link["url"] for link in job.result["links"] if link["label"] == "The merged PDF"]
    pdf = quality_client.get(pdf_link)
    assert pdf["Content-Type"] == "application/pdf" and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert "All letters (merged)" in html(quality_client.get(recall.get_absolute_url()))


def test_a_user_without_recall_permissions_sees_no_recalls_section(client):
    client.force_login(UserFactory(perms=["distribution.view"]))
    assert "/admin/recalls/" not in client.get("/").content.decode()


def pdf_text(data: bytes) -> str:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def test_the_report_pdfs_carry_what_7_53_and_806_10_ask_for(quality_client, quality, ship, draft, settings):
    settings.RECALL_FIRM_REGISTRATION = "3012345678"
    recall = open_with(ship, draft, quality, 2)
    consignee = recall.consignees.get(number=1)
    services.notify_consignee(actor=quality, consignee=consignee, notified_at=timezone.now(), method="phone",
                              confirmed_in_writing_on=timezone.localdate(), reason="called", version=1)
    status = pdf_text(quality_client.get(reverse("recalls:status_report", args=[recall.pk])).content)
    assert "RECALL STATUS REPORT" in status and "Notified 1 of 2 (50.0 %)" in status
    assert "Target not met yet" in status and "Clinic 00" in status and "phone" in status
    assert "Consignees that have not responded (2)" in status
    fda = pdf_text(quality_client.get(reverse("recalls:fda_report", args=[recall.pk])).content)
    assert "REPORT OF CORRECTION OR REMOVAL" in fda and "Registration number 3012345678" in fda
    assert "Report due (806.10(b))" in fda and "Consignees (2)" in fda and "LOT2601 (2)" in fda
    assert "1 of 2 consignees notified" in fda


def test_hostile_uploads_and_addresses_are_answered_not_crashed(quality_client, quality, ship, draft):
    recall = open_with(ship, draft, quality, 1)
    upload = io.BytesIO(b"reference,responded_at\x00\x01\x02")
    upload.name = "evil.csv"
    response = quality_client.post(reverse("recalls:responses", args=[recall.pk]), {"file": upload})
    assert response.status_code == 200 and "binary data" in html(response)
    assert quality_client.get("/admin/recalls/999999/").status_code == 404
    assert quality_client.get("/admin/recalls/999999/", {"format": "json"}).status_code == 404
    assert quality_client.get(f"/admin/recalls/{recall.pk}/documents/999999/").status_code == 404
    response = quality_client.post(reverse("recalls:responses", args=[recall.pk]),
                                   {"token": "../../etc/passwd", "fingerprint": "x", "reason": "r"}, follow=True)
    assert "That upload has expired" in html(response)
