"""The ShipStation client against the fake ShipStation server over real HTTP; no database, no sleeping."""

import base64
import datetime
import socket

import pytest
import requests

from distribution.shipstation.client import (
    CredentialsRejected,
    ShipmentItem,
    ShipStationClient,
    ShipStationError,
    ShipStationUnavailable,
)
from tests.distribution.shipstation_fake import FakeShipStation, make_item, make_shipment

KEY = "key-123"
SECRET = "s3cret-value-never-shown"
START = datetime.date(2026, 3, 1)
END = datetime.date(2026, 3, 31)


class RecordingSleep:
    """Stands in for time.sleep: records each wait and how many requests the fake had seen by then."""

    def __init__(self, fake: FakeShipStation) -> None:
        self.fake = fake
        self.waits: list[float] = []
        self.requests_seen: list[int] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.requests_seen.append(len(self.fake.requests))


@pytest.fixture
def fake():
    with FakeShipStation(api_key=KEY, api_secret=SECRET) as server:
        yield server


@pytest.fixture
def sleep(fake):
    return RecordingSleep(fake)


def make_client(fake, sleep, **overrides) -> ShipStationClient:
    options = {
        "base_url": fake.base_url,
        "api_key": KEY,
        "api_secret": SECRET,
        "timeout": 2.0,
        "sleep": sleep,
    }
    return ShipStationClient(**{**options, **overrides})


def all_pages(client, start=START, end=END, **kwargs):
    return list(client.iter_shipment_pages(ship_date_start=start, ship_date_end=end, **kwargs))


def one_shipment(client):
    [page] = all_pages(client)
    [shipment] = page.shipments
    return shipment


# -- paging and the request itself ---------------------------------------------------------------------


def test_it_follows_every_page_in_ship_date_order(fake, sleep):
    fake.shipments = [
        make_shipment(n, f"SO-{n}", START + datetime.timedelta(days=n % 30), items=[make_item(n, "SKU-1", 1)])
        for n in range(1, 1102)
    ]
    pages = all_pages(make_client(fake, sleep))

    assert [(p.page, p.pages, p.total, len(p.shipments)) for p in pages] == [
        (1, 3, 1101, 500),
        (2, 3, 1101, 500),
        (3, 3, 1101, 101),
    ]
    ship_dates = [s.ship_date for p in pages for s in p.shipments]
    assert ship_dates == sorted(ship_dates)
    assert len({s.shipment_id for p in pages for s in p.shipments}) == 1101
    assert [r.query["page"] for r in fake.requests] == ["1", "2", "3"]
    assert sleep.waits == []


def test_it_sends_the_documented_query_parameters(fake, sleep):
    all_pages(make_client(fake, sleep), start=datetime.date(2026, 1, 5), end=datetime.date(2026, 2, 6))

    [request] = fake.requests
    assert request.method == "GET"
    assert request.path == "/shipments"
    assert request.query == {
        "shipDateStart": "2026-01-05",
        "shipDateEnd": "2026-02-06",
        "includeShipmentItems": "true",
        "page": "1",
        "pageSize": "500",
        "sortBy": "ShipDate",
        "sortDir": "ASC",
    }


def test_it_sends_basic_auth_with_the_key_and_secret(fake, sleep):
    all_pages(make_client(fake, sleep))

    [request] = fake.requests
    assert request.auth_header == "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
    assert request.credentials == (KEY, SECRET)


def test_it_starts_at_the_requested_page(fake, sleep):
    fake.shipments = [make_shipment(n, f"SO-{n}", START) for n in range(1, 1002)]

    pages = all_pages(make_client(fake, sleep), start_page=2)

    assert [p.page for p in pages] == [2, 3]
    assert [r.query["page"] for r in fake.requests] == ["2", "3"]


def test_it_yields_one_empty_page_when_nothing_shipped(fake, sleep):
    pages = all_pages(make_client(fake, sleep))

    assert [(p.page, p.pages, p.total, p.shipments) for p in pages] == [(1, 0, 0, ())]
    assert len(fake.requests) == 1


def test_it_counts_the_requests_it_makes(fake, sleep):
    fake.enqueue(500)
    client = make_client(fake, sleep)

    all_pages(client)

    assert client.requests_made == 2 == len(fake.requests)


def test_it_passes_the_timeout_on_every_request(fake, sleep):
    seen_timeouts = []

    class SpySession(requests.Session):
        def request(self, *args, **kwargs):
            seen_timeouts.append(kwargs.get("timeout"))
            return super().request(*args, **kwargs)

    fake.shipments = [make_shipment(n, f"SO-{n}", START) for n in range(1, 1002)]
    fake.enqueue(503)

    all_pages(make_client(fake, sleep, timeout=4.5, session=SpySession()))

    assert seen_timeouts == [4.5, 4.5, 4.5, 4.5]


# -- rate limits ---------------------------------------------------------------------------------------


def test_it_waits_the_reset_time_after_a_429(fake, sleep):
    fake.enqueue(429, reset=7)
    fake.shipments = [make_shipment(1, "SO-1", START)]

    [page] = all_pages(make_client(fake, sleep))

    assert sleep.waits == [7]
    assert sleep.requests_seen == [1]
    assert len(fake.requests) == 2
    assert [s.shipment_id for s in page.shipments] == [1]


def test_it_waits_a_minute_after_a_429_without_a_usable_reset_header(fake, sleep):
    fake.enqueue(429, headers={"X-Rate-Limit-Reset": "soon"})

    all_pages(make_client(fake, sleep))

    assert sleep.waits == [60]


def test_it_waits_for_the_window_before_the_next_request_when_remaining_hits_zero(fake, sleep):
    fake.shipments = [make_shipment(n, f"SO-{n}", START) for n in range(1, 1002)]
    fake.remaining = 1  # the first answer says X-Rate-Limit-Remaining: 0
    fake.reset_seconds = 12

    pages = all_pages(make_client(fake, sleep))

    assert len(pages) == 3
    assert len(sleep.waits) == 1
    assert 12 <= sleep.waits[0] <= 14  # the reset plus a small margin
    assert sleep.requests_seen == [1]  # after the first request, before the second


def test_it_does_not_wait_after_the_last_page_even_when_the_window_is_spent(fake, sleep):
    fake.remaining = 1

    all_pages(make_client(fake, sleep))

    assert sleep.waits == []


def test_it_gives_up_when_shipstation_always_answers_429(fake, sleep):
    fake.enqueue(429, reset=3, times=10)

    with pytest.raises(ShipStationUnavailable, match="429"):
        all_pages(make_client(fake, sleep, max_retries=3))

    assert sleep.waits == [3, 3, 3]
    assert len(fake.requests) == 4


# -- server errors, timeouts, connection errors ----------------------------------------------------------


def test_it_retries_a_500_with_backoff(fake, sleep):
    fake.enqueue(500)
    fake.enqueue(502)
    fake.shipments = [make_shipment(1, "SO-1", START)]

    [page] = all_pages(make_client(fake, sleep, backoff_base=1.5))

    assert sleep.waits == [1.5, 3.0]
    assert len(fake.requests) == 3
    assert len(page.shipments) == 1


def test_it_gives_up_after_max_retries_with_capped_waits(fake, sleep):
    fake.enqueue(503, times=20)

    with pytest.raises(ShipStationUnavailable) as raised:
        all_pages(make_client(fake, sleep, max_retries=5, backoff_base=1.0, backoff_cap=5.0))

    assert sleep.waits == [1, 2, 4, 5, 5]
    assert len(fake.requests) == 6
    message = str(raised.value)
    assert "HTTP 503" in message
    assert "/shipments" in message
    assert "page 1" in message
    assert SECRET not in message


def test_it_retries_after_a_timeout(fake, sleep):
    fake.enqueue(delay=1.0)
    fake.shipments = [make_shipment(1, "SO-1", START)]

    [page] = all_pages(make_client(fake, sleep, timeout=0.3))

    assert sleep.waits == [1.0]
    assert len(fake.requests) == 2
    assert [s.shipment_id for s in page.shipments] == [1]


def test_it_reports_unavailable_when_nothing_listens():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    waits = []
    client = ShipStationClient(
        base_url=f"http://127.0.0.1:{port}", api_key=KEY, api_secret=SECRET, max_retries=2, sleep=waits.append
    )

    with pytest.raises(ShipStationUnavailable, match="connection error"):
        all_pages(client)

    assert waits == [1, 2]
    assert client.requests_made == 3


# -- errors that are not retried ------------------------------------------------------------------------


def test_it_raises_credentials_rejected_on_401_without_retry_or_the_secret(fake, sleep):
    wrong_secret = "wrong-" + SECRET

    with pytest.raises(CredentialsRejected) as raised:
        all_pages(make_client(fake, sleep, api_secret=wrong_secret))

    assert str(raised.value) == (
        "ShipStation rejected the API credentials (HTTP 401). "
        "Check SHIPSTATION_API_KEY and SHIPSTATION_API_SECRET."
    )
    assert wrong_secret not in str(raised.value)
    assert len(fake.requests) == 1
    assert sleep.waits == []


def test_it_raises_credentials_rejected_on_403(fake, sleep):
    fake.enqueue(403)

    with pytest.raises(CredentialsRejected, match="HTTP 403"):
        all_pages(make_client(fake, sleep))

    assert len(fake.requests) == 1


def test_it_does_not_retry_a_404(fake, sleep):
    fake.enqueue(404, body={"Message": "No HTTP resource was found"})

    with pytest.raises(ShipStationError, match="HTTP 404.*No HTTP resource was found") as raised:
        all_pages(make_client(fake, sleep))

    assert not isinstance(raised.value, ShipStationUnavailable | CredentialsRejected)
    assert len(fake.requests) == 1
    assert sleep.waits == []


def test_it_masks_the_secret_if_an_error_body_echoes_it(fake, sleep):
    fake.enqueue(400, body=f"bad request for {KEY}:{SECRET}")

    with pytest.raises(ShipStationError) as raised:
        all_pages(make_client(fake, sleep))

    assert SECRET not in str(raised.value)


def test_it_rejects_malformed_json_without_retry(fake, sleep):
    fake.enqueue(200, body='{"shipments": [')

    with pytest.raises(ShipStationError, match="not JSON"):
        all_pages(make_client(fake, sleep))

    assert len(fake.requests) == 1


def test_it_rejects_an_answer_without_a_shipments_list(fake, sleep):
    fake.enqueue(200, body={"Message": "surprise"})

    with pytest.raises(ShipStationError, match="'shipments'"):
        all_pages(make_client(fake, sleep))


def test_it_rejects_a_shipment_without_a_ship_date(fake, sleep):
    fake.shipments = [make_shipment(1, "SO-1", START)]
    fake.enqueue(
        200, body={"shipments": [{**fake.shipments[0], "shipDate": None}], "total": 1, "page": 1, "pages": 1}
    )

    with pytest.raises(ShipStationError, match="shipmentId=1"):
        all_pages(make_client(fake, sleep))


def test_describe_never_reveals_the_credentials(fake, sleep):
    client = make_client(fake, sleep)

    assert client.describe() == {"base_url": fake.base_url, "api_key_set": True, "api_secret_set": True}
    assert SECRET not in repr(client)
    assert make_client(fake, sleep, api_key="", api_secret="").describe()["api_secret_set"] is False


# -- parsing ---------------------------------------------------------------------------------------------


def test_it_parses_a_shipment_into_dataclasses(fake, sleep):
    fake.shipments = [
        make_shipment(
            42,
            "SO-42",
            "2026-03-05",
            items=[make_item(7, "SLQ-100", 3, lot="SLQ-24001", line_item_key="abc", name="Silqe pad")],
            ship_to={"name": "Dock 4", "company": "Hospital A", "street2": "Bldg 2", "postalCode": "62701"},
            order_id=9042,
            store_id=12,
        )
    ]

    shipment = one_shipment(make_client(fake, sleep))

    assert shipment.shipment_id == 42
    assert shipment.order_id == 9042
    assert shipment.order_number == "SO-42"
    assert shipment.ship_date == datetime.date(2026, 3, 5)
    assert shipment.voided is False
    assert shipment.void_date is None
    assert shipment.store_id == 12
    assert shipment.ship_to.name == "Dock 4"
    assert shipment.ship_to.company == "Hospital A"
    assert shipment.ship_to.street2 == "Bldg 2"
    assert shipment.ship_to.postal_code == "62701"
    assert shipment.items == (
        ShipmentItem(
            order_item_id=7,
            line_item_key="abc",
            sku="SLQ-100",
            name="Silqe pad",
            quantity=3,
            options=(("Lot", "SLQ-24001"),),
        ),
    )
    assert shipment.items[0].lot_number == "SLQ-24001"


def test_it_reads_null_shipment_items_as_no_items(fake, sleep):
    fake.shipments = [make_shipment(1, "SO-1", START, items=None)]

    assert one_shipment(make_client(fake, sleep)).items == ()


def test_it_accepts_a_null_line_item_key_and_order_item_id(fake, sleep):
    fake.shipments = [make_shipment(1, "SO-1", START, items=[make_item(None, "SKU", 2, line_item_key=None)])]

    [item] = one_shipment(make_client(fake, sleep)).items

    assert item.line_item_key is None
    assert item.order_item_id is None
    assert item.quantity == 2


def test_it_reads_null_ship_to_fields_and_options_as_empty(fake, sleep):
    nulls = dict.fromkeys(("name", "company", "street1", "city", "state", "postalCode", "country"))
    fake.shipments = [
        make_shipment(
            1, "SO-1", START, items=[make_item(1, "SKU", 1, options=None)], ship_to=nulls, store_id=None
        )
    ]

    shipment = one_shipment(make_client(fake, sleep))

    assert set(vars(shipment.ship_to).values()) == {""}
    assert shipment.items[0].options == ()
    assert shipment.items[0].lot_number == ""
    assert shipment.store_id is None


def test_it_parses_a_voided_shipment(fake, sleep):
    fake.shipments = [
        make_shipment(1, "SO-1", "2026-03-04", voided=True, void_date="2026-03-06T10:12:00.1234567")
    ]

    shipment = one_shipment(make_client(fake, sleep))

    assert shipment.voided is True
    assert shipment.void_date == datetime.datetime(2026, 3, 6, 10, 12, 0, 123456)


def test_it_sees_a_shipment_voided_between_two_runs(fake, sleep):
    fake.shipments = [make_shipment(1, "SO-1", START, items=[make_item(1, "SKU", 5)])]
    client = make_client(fake, sleep)
    assert one_shipment(client).voided is False

    fake.shipments[0]["voided"] = True
    fake.shipments[0]["shipmentItems"][0]["quantity"] = 4

    shipment = one_shipment(client)
    assert shipment.voided is True
    assert shipment.items[0].quantity == 4


@pytest.mark.parametrize(
    ("options", "lot"),
    [
        ([{"name": "Lot", "value": "SLQ-1"}], "SLQ-1"),
        ([{"name": " lot number ", "value": " SLQ-2 "}], "SLQ-2"),
        ([{"name": "Lot #", "value": "SLQ-3"}], "SLQ-3"),
        ([{"name": "BATCH", "value": "B-4"}], "B-4"),
        ([{"name": "Color", "value": "Blue"}, {"name": "Lot", "value": "SLQ-5"}], "SLQ-5"),
        ([{"name": "Lot", "value": None}, {"name": "Batch", "value": "B-6"}], "B-6"),
        ([{"name": "Color", "value": "Blue"}], ""),
        ([{"name": "Lots", "value": "SLQ-7"}], ""),
        ([], ""),
    ],
)
def test_lot_number_comes_from_a_lot_or_batch_option(fake, sleep, options, lot):
    fake.shipments = [make_shipment(1, "SO-1", START, items=[make_item(1, "SKU", 1, options=options)])]

    [item] = one_shipment(make_client(fake, sleep)).items

    assert item.lot_number == lot


# -- the fake server itself (the sync and browser tests rely on it) ------------------------------------


def test_fake_filters_by_inclusive_ship_dates_and_nulls_items_unless_asked(fake):
    fake.shipments = [
        make_shipment(1, "SO-1", "2026-02-28", items=[make_item(1, "SKU", 1)]),
        make_shipment(2, "SO-2", "2026-03-01", items=[make_item(2, "SKU", 1)]),
        make_shipment(3, "SO-3", "2026-03-31", items=[make_item(3, "SKU", 1)]),
        make_shipment(4, "SO-4", "2026-04-01", items=[make_item(4, "SKU", 1)]),
    ]

    answer = requests.get(
        f"{fake.base_url}/shipments",
        params={"shipDateStart": "2026-03-01", "shipDateEnd": "2026-03-31"},
        auth=(KEY, SECRET),
        timeout=2,
    )

    assert answer.status_code == 200
    body = answer.json()
    assert [s["shipmentId"] for s in body["shipments"]] == [2, 3]
    assert [s["shipmentItems"] for s in body["shipments"]] == [None, None]
    assert (body["total"], body["page"], body["pages"]) == (2, 1, 1)
    assert {"X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"} <= set(answer.headers)


def test_fake_rejects_wrong_credentials_and_counts_down_the_rate_limit(fake):
    fake.remaining = 3
    wrong = requests.get(f"{fake.base_url}/shipments", auth=(KEY, "nope"), timeout=2)
    right = requests.get(f"{fake.base_url}/shipments", auth=(KEY, SECRET), timeout=2)

    assert wrong.status_code == 401
    assert right.status_code == 200
    assert [wrong.headers["X-Rate-Limit-Remaining"], right.headers["X-Rate-Limit-Remaining"]] == ["2", "1"]
    assert fake.requests[0].credentials == (KEY, "nope")
    assert fake.pending_script == 0
