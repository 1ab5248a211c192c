"""Distribution log pages, driven through the Django test client."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from distribution import services
from distribution.models import DistributionLogEntry, Status
from silqeqms.models import AuditEvent
from tests.factories import (
    CustomerFactory,
    DistributionLogEntryFactory,
    ProductFactory,
    RepAssignmentFactory,
    UserFactory,
    entry_data,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_run_at_once")]


@pytest.fixture(autouse=True)
def catalogue(db):
    """The SKU the forms post is a product (a SKU not in the catalogue asks first: test_entry_catalogue.py)."""
    return ProductFactory(sku="211810SPT", gtin="")

HEADER = "ship_date,order_number,facility_name,address1,city,state,postal_code,sku,lot_number,quantity,rep\n"


def _csv_bytes(body: str, header: str = HEADER) -> bytes:
    return (header + body).encode()


def _upload(client, data: bytes, name: str = "shipments.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("distribution:import_csv"), {"file": SimpleUploadedFile(name, data, "text/csv")}
    )


def _rows(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_list_costs_the_same_number_of_queries_for_10_or_120_rows(
    admin_client, django_assert_max_num_queries
):
    DistributionLogEntryFactory.create_batch(10)
    with django_assert_max_num_queries(14) as small:
        admin_client.get(reverse("distribution:entry_list"))
    DistributionLogEntryFactory.create_batch(110)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = admin_client.get(reverse("distribution:entry_list"))
    assert response.status_code == 200
    assert len(response.context["table"].page.object_list) == 50


def test_filters_live_in_the_url_and_narrow_the_list(admin_client):
    DistributionLogEntryFactory(lot_number="LOT-A", sku="211810SPT")
    DistributionLogEntryFactory(lot_number="LOT-B", sku="311400KIT")
    response = admin_client.get(reverse("distribution:entry_list"), {"lot_number": "LOT-A"})
    assert [r.record.lot_number for r in response.context["table"].page.object_list] == ["LOT-A"]
    response = admin_client.get(reverse("distribution:entry_list"), {"ship_date_from": "not a date"})
    assert "Enter a valid date" in response.content.decode()


def test_voided_rows_are_shown_struck_through(admin_client):
    DistributionLogEntryFactory(status=Status.VOIDED, order_number="SO-VOID")
    html = admin_client.get(reverse("distribution:entry_list")).content.decode()
    assert 'class="voided' in html and "SO-VOID" in html


def test_creating_an_entry_through_the_form_links_a_customer(ops_client):
    data = {k: ("" if v is None else v) for k, v in entry_data().items()}
    response = ops_client.post(reverse("distribution:entry_create"), data)
    entry = DistributionLogEntry.objects.get()
    assert response.status_code == 302 and response["Location"] == entry.get_absolute_url()
    assert entry.customer.facility_name == "Hospital A"
    assert entry.created_by.username == "ops_user"


def test_the_form_shows_inline_errors_and_saves_nothing(ops_client):
    data = {k: ("" if v is None else v) for k, v in entry_data(quantity=0, ship_date="31/31/2026").items()}
    response = ops_client.post(reverse("distribution:entry_create"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a valid date" in html
    assert "Quantity must be at least 1" in html or "greater than or equal to 1" in html
    assert DistributionLogEntry.objects.count() == 0


def test_editing_needs_a_reason_and_a_stale_form_is_refused(ops_client, ops_user):
    entry = services.create_entry(actor=ops_user, data=entry_data())
    url = reverse("distribution:entry_edit", args=[entry.pk])
    form = {k: ("" if v is None else v) for k, v in entry_data(quantity=8).items()}
    assert "Give a reason" in ops_client.post(url, {**form, "version": 1}).content.decode()
    other = UserFactory(username="other_editor")
    services.update_entry(actor=other, entry=entry, data={"quantity": 6}, reason="count", version=1)
    html = ops_client.post(url, {**form, "version": 1, "reason": "recount"}).content.decode()
    assert "other_editor" in html and "Nothing was saved" in html
    entry.refresh_from_db()
    assert entry.quantity == 6


def test_the_detail_page_shows_the_history_with_old_and_new_values(admin_client, admin_user):
    entry = services.create_entry(actor=admin_user, data=entry_data())
    services.update_entry(actor=admin_user, entry=entry, data={"quantity": 9}, reason="recounted", version=1)
    html = admin_client.get(entry.get_absolute_url()).content.decode()
    assert "recounted" in html
    assert "<b>quantity</b>: 5 → 9" in html


def test_void_has_a_confirm_step_and_needs_a_reason(admin_client, admin_user):
    entry = services.create_entry(actor=admin_user, data=entry_data())
    url = reverse("distribution:entry_void", args=[entry.pk])
    assert "Void this entry" in admin_client.get(url).content.decode()
    admin_client.post(url, {"version": 1, "reason": ""})
    entry.refresh_from_db()
    assert entry.status == Status.ACTIVE
    admin_client.post(url, {"version": 1, "reason": "duplicate keyed twice"})
    entry.refresh_from_db()
    assert entry.status == Status.VOIDED


def test_the_review_queue_confirms_an_entry_once_its_lot_is_filled_in(admin_client, admin_user):
    entry = services.create_entry(actor=admin_user, data=entry_data(lot_number=""))
    assert entry.order_number in admin_client.get(reverse("distribution:review_queue")).content.decode()
    admin_client.post(
        reverse("distribution:entry_confirm", args=[entry.pk]), {"lot_number": "", "version": 1}
    )
    entry.refresh_from_db()
    assert entry.status == Status.NEEDS_REVIEW
    admin_client.post(
        reverse("distribution:entry_confirm", args=[entry.pk]), {"lot_number": "LOT77", "version": 1}
    )
    entry.refresh_from_db()
    assert (entry.status, entry.lot_number) == (Status.ACTIVE, "LOT77")


def test_csv_import_previews_every_row_then_imports_on_confirm_with_a_reason(ops_client):
    data = _csv_bytes(
        '2026-03-01,SO-1,"Hospital A, Main Campus",1 Main St,Austin,TX,78701,211810SPT,LOT1,5,\n'
        "3/2/2026,SO-2,Clinic B,2 Oak Ave,Dallas,TX,75201,311400KIT,,2,\n"
    )
    preview = _upload(ops_client, data)
    html = preview.content.decode()
    assert "Hospital A, Main Campus" in html and "new · lot pending" in html
    assert DistributionLogEntry.objects.count() == 0
    token = preview.context["confirm_form"].initial["token"]
    response = ops_client.post(reverse("distribution:import_csv"), {"token": token, "reason": ""})
    assert "Give a reason" in response.content.decode()
    response = ops_client.post(
        reverse("distribution:import_csv"), {"token": token, "reason": "March ERP export"}
    )
    assert response.status_code == 302
    assert DistributionLogEntry.objects.count() == 2
    assert DistributionLogEntry.objects.get(order_number="SO-2").status == Status.NEEDS_REVIEW
    assert AuditEvent.objects.get(action="distribution.imported").data["file_name"] == "shipments.csv"
    # the staged upload is gone: confirming twice imports nothing more
    ops_client.post(reverse("distribution:import_csv"), {"token": token, "reason": "again"})
    assert DistributionLogEntry.objects.count() == 2


def test_csv_preview_names_the_line_column_and_value_of_every_error_and_offers_no_import(ops_client):
    data = _csv_bytes(
        "2026-03-01,SO-1,Hospital A,,,,,211810SPT,LOT1,0,\n"
        "2026-13-45,SO-2,Clinic B,,,,,311400KIT,LOT2,2,ghost\n"
    )
    response = _upload(ops_client, data)
    html = response.content.decode()
    assert "Line 2" in html and "quantity" in html
    assert "Line 3" in html and "2026-13-45" in html
    assert response.context.get("confirm_form") is None
    assert DistributionLogEntry.objects.count() == 0


def test_csv_with_an_unknown_column_is_refused_naming_it(ops_client):
    response = _upload(
        ops_client, b"ship_date,order_number,facility_name,sku,quantity,colour\n2026-01-01,1,A,B,1,red\n"
    )
    assert "colour" in response.content.decode()


def test_an_oversized_upload_is_refused_before_parsing(ops_client, monkeypatch):
    import distribution.forms

    monkeypatch.setattr(distribution.forms, "MAX_CSV_BYTES", 10)
    response = _upload(ops_client, _csv_bytes("2026-03-01,SO-1,Hospital A,,,,,211810SPT,LOT1,5,\n"))
    assert "the limit is" in response.content.decode()


def test_export_round_trips_through_import_and_defuses_formulas(admin_client, admin_user):
    services.create_entry(
        actor=admin_user, data=entry_data(facility_name='=HYPERLINK("http://x")', notes="+1 call")
    )
    services.create_entry(
        actor=admin_user, data=entry_data(order_number="SO-2", facility_name="Hôpital Sainte-Anne")
    )
    voided = services.create_entry(actor=admin_user, data=entry_data(order_number="SO-3"))
    services.void_entry(actor=admin_user, entry=voided, reason="keyed twice")
    response = admin_client.get(reverse("distribution:export"))
    assert response["Content-Type"].startswith("text/csv")
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert {r["facility_name"] for r in rows} == {
        '\'=HYPERLINK("http://x")',
        "Hôpital Sainte-Anne",
        "Hospital A",
    }
    assert next(r for r in rows if r["order_number"] == "SO-3")["status"] == "voided"
    assert next(r for r in rows if r["order_number"] == "SO-1001")["notes"] == "'+1 call"
    assert AuditEvent.objects.filter(action="distribution.exported").exists()
    # importing our own export back creates nothing: every live row is already there, the voided one is left out
    preview = _upload(admin_client, raw, "export.csv")
    assert preview.context["preview"].nothing_new is True
    assert len(preview.context["plan"].duplicates) == 2
    assert len(preview.context["parsed"].voided_lines) == 1


def test_export_follows_the_current_filter(admin_client):
    DistributionLogEntryFactory(lot_number="LOT-A")
    DistributionLogEntryFactory(lot_number="LOT-B")
    rows = _rows(admin_client.get(reverse("distribution:export"), {"lot_number": "LOT-B"}))
    assert [r["lot_number"] for r in rows] == ["LOT-B"]


def test_the_lot_trace_lists_every_consignee_with_totals_and_exports_for_a_recall(admin_client, admin_user):
    services.create_entry(actor=admin_user, data=entry_data(facility_name="Hospital A", quantity=5))
    services.create_entry(
        actor=admin_user, data=entry_data(facility_name="Clinic B", order_number="SO-2", quantity=2)
    )
    voided = services.create_entry(
        actor=admin_user, data=entry_data(facility_name="Clinic C", order_number="SO-3")
    )
    services.void_entry(actor=admin_user, entry=voided, reason="returned")
    response = admin_client.get(reverse("distribution:lot_trace", args=["LOT2601"]))
    totals = response.context["totals"]
    assert (totals["units"], totals["consignees"], totals["voided"]) == (7, 2, 1)
    rows = _rows(admin_client.get(reverse("distribution:lot_trace_export", args=["LOT2601"])))
    assert sorted(r["facility_name"] for r in rows) == ["Clinic B", "Hospital A"]
    assert rows[0]["address1"] == "100 Main St"


def test_a_sales_rep_sees_only_entries_of_their_customers_and_404_for_others(client, rep_user):
    mine = CustomerFactory()
    RepAssignmentFactory(customer=mine, rep=rep_user)
    own = DistributionLogEntryFactory(customer=mine)
    other = DistributionLogEntryFactory()
    client.force_login(rep_user)
    listed = [
        r.record.pk for r in client.get(reverse("distribution:entry_list")).context["table"].page.object_list
    ]
    assert listed == [own.pk]
    assert client.get(other.get_absolute_url()).status_code == 404


def test_posts_need_the_csrf_token(ops_user):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(ops_user)
    data = {k: ("" if v is None else v) for k, v in entry_data().items()}
    assert strict.post(reverse("distribution:entry_create"), data).status_code == 403
    assert DistributionLogEntry.objects.count() == 0


def test_a_user_without_the_permission_writes_nothing(client, readonly_user):
    client.force_login(readonly_user)
    data = {k: ("" if v is None else v) for k, v in entry_data().items()}
    assert client.post(reverse("distribution:entry_create"), data).status_code == 403
    assert DistributionLogEntry.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="distribution").exists()


def test_the_lot_search_ignores_case_and_says_which_lot_it_shows(admin_client, admin_user):
    services.create_entry(actor=admin_user, data=entry_data(lot_number="L0226006"))
    response = admin_client.get(reverse("distribution:lot_search"), {"lot": "l0226006"}, follow=True)
    assert response.context["lot"] == "L0226006"
    assert response.context["totals"]["units"] == 5
    assert "matched ignoring case" in response.content.decode()
    listed = admin_client.get(reverse("distribution:entry_list"), {"lot_number": "l0226006"})
    assert len(listed.context["table"].page.object_list) == 1


def test_a_lot_nobody_received_says_so_and_suggests_close_lots(admin_client, admin_user):
    services.create_entry(actor=admin_user, data=entry_data(lot_number="L0226006"))
    html = admin_client.get(reverse("distribution:lot_trace", args=["L02260"])).content.decode()
    assert "No entry carries lot" in html and "L0226006" in html


def test_a_page_size_from_the_url_is_capped(admin_client):
    DistributionLogEntryFactory.create_batch(3)
    response = admin_client.get(reverse("distribution:entry_list"), {"per_page": 100000})
    assert response.context["table"].paginator.per_page == 200


def test_a_reversed_date_range_is_an_error_not_an_empty_list(admin_client):
    response = admin_client.get(reverse("distribution:entry_list"),
                                {"ship_date_from": "2026-05-01", "ship_date_to": "2026-04-01"})
    assert "The end date is before the start date." in response.content.decode()


def test_an_export_with_a_broken_filter_exports_nothing_and_says_why(admin_client):
    response = admin_client.get(reverse("distribution:export"), {"ship_date_from": "bad"}, follow=True)
    assert "Nothing was exported" in response.content.decode()
    assert not AuditEvent.objects.filter(action="distribution.exported").exists()


def test_the_void_page_of_a_voided_entry_goes_back_to_the_entry(admin_client, admin_user):
    entry = services.create_entry(actor=admin_user, data=entry_data())
    services.void_entry(actor=admin_user, entry=entry, reason="returned")
    response = admin_client.get(reverse("distribution:entry_void", args=[entry.pk]))
    assert response.status_code == 302 and response["Location"] == entry.get_absolute_url()


def test_dates_are_shown_the_same_way_on_every_page(admin_client, admin_user):
    entry = services.create_entry(actor=admin_user, data=entry_data())
    assert "2026-03-02" in admin_client.get(entry.get_absolute_url()).content.decode()
    assert "2026-03-02" in admin_client.get(reverse("distribution:entry_list")).content.decode()


def test_back_from_creating_a_customer_the_entry_form_has_it_chosen(ops_client):
    customer = CustomerFactory(facility_name="Lakeside Clinic", city="Omaha", state="NE")
    response = ops_client.get(reverse("distribution:entry_create"), {"customer": customer.pk})
    form = response.context["form"]
    assert form.initial["customer"] == customer.pk
    assert (form.initial["facility_name"], form.initial["city"]) == ("Lakeside Clinic", "Omaha")


def test_pages_hold_the_right_rows_and_the_total_is_exact_without_counting(admin_client, admin_user):
    from distribution.selectors import entry_count_total

    for n in range(60):
        services.create_entry(actor=admin_user, data=entry_data(order_number=f"SO-{n}",
                                                                 lot_number="" if n % 7 == 0 else f"L{n % 4}"))
    services.void_entry(actor=admin_user, entry=DistributionLogEntry.objects.first(), reason="test")
    assert entry_count_total() == DistributionLogEntry.objects.count() == 60
    expected = list(DistributionLogEntry.objects.order_by("-ship_date", "-id").values_list("pk", flat=True))
    seen = []
    for page in (1, 2):
        response = admin_client.get(reverse("distribution:entry_list"), {"page": page})
        assert response.context["table"].paginator.count == 60
        seen += [row.record.pk for row in response.context["table"].page.object_list]
    assert seen == expected


def test_list_and_lot_trace_rows_escape_what_users_typed_and_link_each_entry(admin_client, admin_user):
    """Both tables write their rows in Python for speed; every value must still be escaped."""
    entry = services.create_entry(actor=admin_user, data=entry_data(
        facility_name="<b>Evil</b> & Co", city="<i>Town</i>", order_number="SO-<1>", lot_number="L 7&8"))
    pending = services.create_entry(actor=admin_user, data=entry_data(order_number="SO-2", lot_number=""))
    html = admin_client.get(reverse("distribution:entry_list")).content.decode()
    assert "<b>Evil</b>" not in html and "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in html
    assert "&lt;i&gt;Town&lt;/i&gt;" in html and "SO-&lt;1&gt;" in html
    assert f'<a href="{entry.get_absolute_url()}">{entry.pk}</a>' in html
    lot_url = reverse("distribution:lot_trace", args=["L 7&8"]).replace("&", "%26")
    assert f'href="{lot_url}"' in html
    assert admin_client.get(lot_url).context["lot"] == "L 7&8"
    assert f'<tr class="{pending.status}">' in html and "lot pending" in html
    html = admin_client.get(reverse("distribution:lot_trace", args=["L 7&8"])).content.decode()
    assert "<b>Evil</b>" not in html and "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in html
    assert f'href="{entry.get_absolute_url()}"' in html


def test_an_empty_list_says_why(admin_client):
    html = admin_client.get(reverse("distribution:entry_list"), {"sku": "NOPE"}).content.decode()
    assert "No distribution entries match these filters." in html


@pytest.mark.parametrize("sort", ["", "-ship_date", "ship_date"])
def test_deep_pages_that_seek_by_ship_date_hold_exactly_the_rows_plain_paging_would(admin_client, admin_user,
                                                                                   sort):
    """Unfiltered pages in ship-date order start from the day × SKU counts (plus voided entries) rather
    than an OFFSET over every earlier row; every page must still hold the right rows, in order."""
    import datetime

    day = datetime.date(2026, 3, 1)
    for n in range(45):
        services.create_entry(actor=admin_user, data=entry_data(
            order_number=f"SO-{n}", ship_date=day + datetime.timedelta(days=n % 6), sku=f"SKU-{n % 3}",
            lot_number="" if n % 5 == 0 else f"L{n % 4}"))
    for entry in DistributionLogEntry.objects.order_by("pk")[:6:2]:
        services.void_entry(actor=admin_user, entry=entry, reason="test")
    order = ("ship_date", "id") if sort == "ship_date" else ("-ship_date", "-id")
    expected = list(DistributionLogEntry.objects.order_by(*order).values_list("pk", flat=True))
    seen = []
    for page in range(1, 8):
        response = admin_client.get(reverse("distribution:entry_list"), {"page": page, "per_page": 7, "sort": sort})
        assert response.context["table"].paginator.count == 45
        seen += [row.record.pk for row in response.context["table"].page.object_list]
    assert seen == expected


def test_ship_date_seek_names_the_day_of_a_row_and_how_many_rows_come_before_it(admin_user):
    import datetime

    from distribution.selectors import ship_date_seek

    day = datetime.date(2026, 3, 1)
    for n, offset_days in enumerate([0, 0, 1, 2, 2, 2]):  # 2 rows on day 0, 1 on day 1, 3 on day 2
        services.create_entry(actor=admin_user, data=entry_data(order_number=f"SO-{n}",
                                                                ship_date=day + datetime.timedelta(days=offset_days)))
    assert ship_date_seek(0) == (day + datetime.timedelta(days=2), 0)
    assert ship_date_seek(3) == (day + datetime.timedelta(days=1), 3)
    assert ship_date_seek(5) == (day, 4)
    assert ship_date_seek(1, descending=False) == (day, 0)
    assert ship_date_seek(2, descending=False) == (day + datetime.timedelta(days=1), 2)


@pytest.mark.parametrize("sort", ["quantity", "-quantity", "status", "-source", "sku", "-facility_name"])
def test_sorting_by_a_column_of_equal_values_pages_through_every_row_once(admin_client, admin_user, sort):
    for n in range(20):
        services.create_entry(actor=admin_user, data=entry_data(order_number=f"SO-{n}", quantity=2))
    seen = []
    for page in (1, 2, 3):
        response = admin_client.get(reverse("distribution:entry_list"), {"sort": sort, "per_page": 7, "page": page})
        seen += [row.record.pk for row in response.context["table"].page.object_list]
    ids = sorted(DistributionLogEntry.objects.values_list("pk", flat=True))
    assert seen == (ids if not sort.startswith("-") else ids[::-1])


def test_choosing_a_sort_order_starts_again_at_the_first_page(admin_client, admin_user):
    for n in range(3):
        services.create_entry(actor=admin_user, data=entry_data(order_number=f"SO-{n}"))
    html = admin_client.get(reverse("distribution:entry_list"), {"page": 2, "per_page": 1, "sku": ""}).content.decode()
    assert 'href="?per_page=1&amp;sku=&amp;sort=quantity"' in html


def test_the_sku_filter_counts_from_the_index_alone_on_postgresql(admin_client):
    """Migration 0012 adds INCLUDE (sku) to the case-insensitive SKU index on PostgreSQL, so the
    filtered list's COUNT(*) is an index-only scan (15 ms -> 2 ms at a million entries)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("INCLUDE columns exist only on PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'dist_sku_upper_idx'")
        (definition,) = cursor.fetchone()
    assert "INCLUDE (sku)" in definition
    DistributionLogEntryFactory(sku="211810spt")
    assert admin_client.get(reverse("distribution:entry_list"), {"sku": "211810SPT"}).context[
        "table"].paginator.count == 1


def test_csv_preview_points_out_rows_that_repeat_an_earlier_row_of_the_file(ops_client):
    """Two equal lines can be two shipments, so both are imported, but the preview says so first."""
    row = "2026-03-01,SO-1,Hospital A,1 Main St,Austin,TX,78701,211810SPT,LOT1,5,\n"
    data = _csv_bytes(row + "2026-03-01,SO-1,Hospital A,1 Main St,Austin,TX,78701,311400KIT,LOT2,1,\n" + row)
    preview = _upload(ops_client, data)
    html = preview.content.decode()
    assert "1 row repeats an earlier row of this file exactly (line 4 = line 2)" in html
    assert "repeats line 2" in html
    token = preview.context["confirm_form"].initial["token"]
    ops_client.post(reverse("distribution:import_csv"), {"token": token, "reason": "March ERP export"})
    assert DistributionLogEntry.objects.filter(sku="211810SPT").count() == 2
