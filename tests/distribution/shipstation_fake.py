"""A fake ShipStation API v1 server on 127.0.0.1, for tests and local demos (standard library only).

Usage in a test::

    with FakeShipStation(shipments=[make_shipment(1, "SO-1", "2026-03-02", items=[make_item(11, "SKU", 2)])]) as fake:
        client = ShipStationClient(base_url=fake.base_url, api_key=fake.api_key, api_secret=fake.api_secret)
        fake.enqueue(429, reset=7)             # the next request gets a 429 with X-Rate-Limit-Reset: 7
        fake.enqueue(500, times=2)             # then two 500s
        fake.enqueue(delay=0.5)                # then a normal answer, half a second late
        fake.remaining = 1                     # X-Rate-Limit-Remaining counts down from here
        fake.shipments[0]["voided"] = True     # the list is the server's data; edit it between syncs
        fake.requests[-1].query["page"]        # every request is recorded

Standalone: ``python tests/distribution/shipstation_fake.py --port 8765 --demo`` serves demo shipments
until killed (Ctrl-C); point SHIPSTATION_BASE_URL at http://127.0.0.1:8765.

Served: ``GET /shipments`` with HTTP Basic auth, shipDateStart/shipDateEnd (inclusive dates), page and
pageSize, sortBy=ShipDate with sortDir, includeShipmentItems (items are null unless "true"), and the
X-Rate-Limit-Limit/Remaining/Reset headers on every answer.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime
import json
import math
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

DEFAULT_API_KEY = "fake-key"
DEFAULT_API_SECRET = "fake-secret"
DEFAULT_PAGE_SIZE = 100  # ShipStation's default when pageSize is absent
MAX_PAGE_SIZE = 500

_UNSET: Any = object()


# -- builders for the documented JSON shapes ---------------------------------------------------------


def make_ship_to(**fields: Any) -> dict[str, Any]:
    """A `shipTo` dict; pass camelCase keys (`postalCode`) to override the defaults, None for null."""
    ship_to: dict[str, Any] = {
        "name": "Receiving Dock",
        "company": "Hospital A",
        "street1": "1 Main St",
        "street2": None,
        "street3": None,
        "city": "Springfield",
        "state": "IL",
        "postalCode": "62701",
        "country": "US",
        "phone": None,
        "residential": False,
        "addressVerified": "Address validated successfully",
    }
    unknown = set(fields) - set(ship_to)
    if unknown:
        raise TypeError(f"unknown shipTo fields: {sorted(unknown)}")
    ship_to.update(fields)
    return ship_to


def make_item(
    order_item_id: int | None,
    sku: str,
    quantity: int,
    lot: str | None = None,
    line_item_key: str | None = _UNSET,
    option_name: str = "Lot",
    *,
    name: str | None = None,
    options: list[dict[str, str | None]] | None = _UNSET,
) -> dict[str, Any]:
    """A `shipmentItems[]` dict. `lot` becomes the option {option_name: lot}; no lot → no option.

    `line_item_key` defaults to "line-<order_item_id>"; pass None for a null lineItemKey.
    `options` replaces the generated options entirely (None → null).
    """
    if line_item_key is _UNSET:
        line_item_key = f"line-{order_item_id}"
    if options is _UNSET:
        options = [] if lot is None else [{"name": option_name, "value": lot}]
    return {
        "orderItemId": order_item_id,
        "lineItemKey": line_item_key,
        "sku": sku,
        "name": name if name is not None else f"Product {sku}",
        "imageUrl": None,
        "weight": None,
        "quantity": quantity,
        "unitPrice": 0.0,
        "taxAmount": None,
        "warehouseLocation": None,
        "options": options,
        "productId": None,
        "fulfillmentSku": None,
        "adjustment": False,
        "upc": None,
        "createDate": None,
        "modifyDate": None,
    }


def make_shipment(
    shipment_id: int,
    order_number: str,
    ship_date: datetime.date | str,
    items: Sequence[dict[str, Any]] | None = (),
    voided: bool = False,
    ship_to: dict[str, Any] | None = None,
    *,
    order_id: int | None = _UNSET,
    void_date: str | None = _UNSET,
    store_id: int | None = None,
    tracking_number: str | None = _UNSET,
) -> dict[str, Any]:
    """A `shipments[]` dict as ShipStation sends it.

    `items=None` stores a null shipmentItems (served null even with includeShipmentItems=true).
    `ship_to` overrides fields of the default address (see make_ship_to). `order_id` defaults to
    shipment_id + 100000; a voided shipment gets a voidDate on its ship date unless one is given.
    """
    ship_date_text = ship_date.isoformat() if isinstance(ship_date, datetime.date) else ship_date
    if order_id is _UNSET:
        order_id = shipment_id + 100000
    if void_date is _UNSET:
        void_date = f"{ship_date_text}T15:30:00.0000000" if voided else None
    if tracking_number is _UNSET:
        tracking_number = f"1Z{shipment_id:016d}"
    return {
        "shipmentId": shipment_id,
        "orderId": order_id,
        "orderKey": f"key-{order_number}",
        "userId": "00000000-0000-0000-0000-000000000000",
        "customerEmail": None,
        "orderNumber": order_number,
        "createDate": f"{ship_date_text}T09:00:00.0000000",
        "shipDate": ship_date_text,
        "shipmentCost": 12.5,
        "insuranceCost": 0.0,
        "trackingNumber": tracking_number,
        "isReturnLabel": False,
        "batchNumber": None,
        "carrierCode": "ups",
        "serviceCode": "ups_ground",
        "packageCode": "package",
        "confirmation": None,
        "warehouseId": 1,
        "voided": voided,
        "voidDate": void_date,
        "marketplaceNotified": False,
        "notifyErrorMessage": None,
        "shipTo": make_ship_to(**(ship_to or {})),
        "weight": {"value": 16.0, "units": "ounces", "WeightUnits": 1},
        "dimensions": None,
        "insuranceOptions": {"provider": None, "insureShipment": False, "insuredValue": 0.0},
        "advancedOptions": {"billToParty": None, "storeId": store_id},
        "shipmentItems": None if items is None else list(items),
        "labelData": None,
        "formData": None,
    }


# -- the server ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake saw it. `query` keeps the last value of each parameter."""

    method: str
    path: str
    query: dict[str, str]
    auth_header: str | None
    at: float  # time.monotonic() on arrival

    @property
    def credentials(self) -> tuple[str, str] | None:
        """(key, secret) decoded from a Basic auth header, None if absent or not Basic."""
        return _decode_basic(self.auth_header)


@dataclass(frozen=True)
class ScriptedResponse:
    status: int | None  # None: answer normally (after `delay`)
    body: Any = None  # dict/list → JSON; str/bytes sent as is; None → a ShipStation-like error body
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class FakeShipStation:
    """A threaded HTTP server that serves `GET /shipments` from `self.shipments`.

    Attributes a test may read or set at any time:
      shipments        list of shipment dicts (make_shipment); mutate it between syncs
      requests         list of RecordedRequest, oldest first (scripted answers included)
      remaining        the next X-Rate-Limit-Remaining is this minus one; at 0 the next request starts
                       a fresh window of `limit` (the fake trusts the client to have waited)
      limit, reset_seconds   X-Rate-Limit-Limit and X-Rate-Limit-Reset
      api_key, api_secret    the credentials accepted (anything else → 401)
    """

    def __init__(
        self,
        *,
        shipments: Sequence[dict[str, Any]] = (),
        api_key: str = DEFAULT_API_KEY,
        api_secret: str = DEFAULT_API_SECRET,
        host: str = "127.0.0.1",
        port: int = 0,
        limit: int = 40,
        reset_seconds: int = 60,
        verbose: bool = False,
    ) -> None:
        self.shipments: list[dict[str, Any]] = list(shipments)
        self.requests: list[RecordedRequest] = []
        self.api_key = api_key
        self.api_secret = api_secret
        self.limit = limit
        self.remaining = limit
        self.reset_seconds = reset_seconds
        self.verbose = verbose
        self._script: deque[ScriptedResponse] = deque()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), _make_handler(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # lifecycle

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeShipStation:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> FakeShipStation:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # scripting

    def enqueue(
        self,
        status: int | None = None,
        *,
        reset: int | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        times: int = 1,
    ) -> None:
        """Force the next `times` answers, whatever the request.

        enqueue(429, reset=7)   429 with X-Rate-Limit-Remaining: 0 and X-Rate-Limit-Reset: 7
        enqueue(500)            500 with a ShipStation-like error body (or `body`)
        enqueue(401)            401 even with good credentials
        enqueue(delay=0.5)      a normal answer, sent 0.5 s late (longer than a tiny client timeout)
        enqueue(200, body="{")  malformed JSON
        `headers` override the rate-limit headers the fake would send.
        """
        forced = dict(headers or {})
        if reset is not None:
            forced.setdefault("X-Rate-Limit-Reset", str(reset))
        if status == 429:
            forced.setdefault("X-Rate-Limit-Remaining", "0")
        with self._lock:
            self._script.extend(ScriptedResponse(status, body, forced, delay) for _ in range(times))

    def clear_script(self) -> None:
        with self._lock:
            self._script.clear()

    @property
    def pending_script(self) -> int:
        """Scripted answers not yet used (assert 0 to prove the client made every expected request)."""
        with self._lock:
            return len(self._script)

    def serve_forever(self) -> None:
        """Serve in the calling thread until KeyboardInterrupt (the standalone mode)."""
        try:
            self._httpd.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
        finally:
            self._httpd.server_close()

    # internals used by the handler

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next_scripted(self) -> ScriptedResponse | None:
        with self._lock:
            return self._script.popleft() if self._script else None

    def _rate_limit_headers(self, *, count: bool) -> dict[str, str]:
        with self._lock:
            if count:
                if self.remaining <= 0:
                    self.remaining = self.limit
                self.remaining -= 1
            return {
                "X-Rate-Limit-Limit": str(self.limit),
                "X-Rate-Limit-Remaining": str(max(self.remaining, 0)),
                "X-Rate-Limit-Reset": str(self.reset_seconds),
            }

    def _shipments_answer(self, query: dict[str, str]) -> tuple[int, Any]:
        try:
            start = _query_date(query, "shipDateStart")
            end = _query_date(query, "shipDateEnd")
            page = int(query.get("page", "1"))
            page_size = int(query.get("pageSize", str(DEFAULT_PAGE_SIZE)))
        except ValueError as exc:
            return 400, {"Message": "The request is invalid.", "ExceptionMessage": str(exc)}
        if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
            return 400, {
                "Message": "The request is invalid.",
                "ExceptionMessage": "page or pageSize out of range",
            }
        with self._lock:
            selected = [s for s in self.shipments if _within(s, start, end)]
        if query.get("sortBy", "").lower() == "shipdate":
            selected.sort(
                key=lambda s: (str(s.get("shipDate"))[:10], s.get("shipmentId") or 0),
                reverse=query.get("sortDir", "ASC").upper() == "DESC",
            )
        total = len(selected)
        chunk = selected[(page - 1) * page_size : page * page_size]
        include_items = query.get("includeShipmentItems", "").lower() == "true"
        served = [s if include_items else {**s, "shipmentItems": None} for s in chunk]
        return 200, {"shipments": served, "total": total, "page": page, "pages": math.ceil(total / page_size)}


def _make_handler(fake: FakeShipStation) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FakeShipStation/1"

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def log_message(self, format: str, *args: Any) -> None:
            if fake.verbose:
                super().log_message(format, *args)

        def _handle(self) -> None:
            url = urlsplit(self.path)
            query = {key: values[-1] for key, values in parse_qs(url.query, keep_blank_values=True).items()}
            auth_header = self.headers.get("Authorization")
            fake._record(RecordedRequest(self.command, url.path, query, auth_header, time.monotonic()))
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)

            scripted = fake._next_scripted()
            if scripted is not None and scripted.delay:
                time.sleep(scripted.delay)
            if scripted is not None and scripted.status is not None:
                headers = {**fake._rate_limit_headers(count=True), **scripted.headers}
                body = scripted.body
                if body is None:
                    body = {"Message": f"Scripted error {scripted.status}."}
                self._send(scripted.status, body, headers)
                return

            headers = fake._rate_limit_headers(count=True)
            if _decode_basic(auth_header) != (fake.api_key, fake.api_secret):
                headers["WWW-Authenticate"] = 'Basic realm="ShipStation"'
                self._send(401, "401 Unauthorized", headers)
            elif self.command != "GET":
                self._send(
                    405, {"Message": f"The requested resource does not support {self.command}."}, headers
                )
            elif url.path.rstrip("/") == "/shipments":
                status, body = fake._shipments_answer(query)
                self._send(status, body, headers)
            else:
                self._send(404, {"Message": f"No HTTP resource was found that matches {url.path}."}, headers)

        def _send(self, status: int, body: Any, headers: dict[str, str]) -> None:
            if isinstance(body, bytes):
                payload, content_type = body, "application/octet-stream"
            elif isinstance(body, str):
                payload, content_type = body.encode(), "text/plain; charset=utf-8"
            else:
                payload, content_type = json.dumps(body).encode(), "application/json; charset=utf-8"
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (e.g. its timeout fired during a scripted delay)

    return Handler


def _decode_basic(header: str | None) -> tuple[str, str] | None:
    if not header or not header.startswith("Basic "):
        return None
    try:
        key, _, secret = base64.b64decode(header[6:], validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return key, secret


def _query_date(query: dict[str, str], name: str) -> datetime.date | None:
    value = query.get(name, "")
    return datetime.date.fromisoformat(value[:10]) if value else None


def _within(shipment: dict[str, Any], start: datetime.date | None, end: datetime.date | None) -> bool:
    ship_date = datetime.date.fromisoformat(str(shipment.get("shipDate"))[:10])
    return (start is None or start <= ship_date) and (end is None or ship_date <= end)


# -- standalone demo -----------------------------------------------------------------------------------


def demo_shipments() -> list[dict[str, Any]]:
    """A few shipments covering the cases the sync cares about: lots, no lot, several lines, a void."""
    return [
        make_shipment(
            5001,
            "SO-1001",
            "2026-01-06",
            items=[make_item(9001, "SLQ-100", 10, lot="SLQ-24001")],
            ship_to={"company": "Hospital A", "city": "Springfield", "state": "IL"},
        ),
        make_shipment(
            5002,
            "SO-1002",
            "2026-01-14",
            items=[
                make_item(9002, "SLQ-100", 5, lot="SLQ-24001"),
                make_item(9003, "SLQ-200", 2, lot="B-7781", option_name="Batch"),
            ],
            ship_to={
                "company": "Hôpital Sainte-Anne",
                "street1": "1 Rue Cabanis",
                "city": "Paris",
                "state": None,
                "postalCode": "75014",
                "country": "FR",
            },
        ),
        make_shipment(
            5003,
            "SO-1003",
            "2026-02-03",
            items=[make_item(9004, "SLQ-300", 3, line_item_key=None)],
            ship_to={"company": "Mercy Clinic", "city": "Austin", "state": "TX", "postalCode": "78701"},
        ),
        make_shipment(
            5004,
            "SO-1001",
            "2026-02-20",
            items=[make_item(9005, "SLQ-100", 4, lot="SLQ-24007", option_name="Lot Number")],
            ship_to={"company": "Hospital A", "city": "Springfield", "state": "IL"},
        ),
        make_shipment(
            5005,
            "SO-1004",
            "2026-03-02",
            items=[make_item(9006, "SLQ-200", 1, lot="B-7790")],
            voided=True,
            ship_to={"company": "Lakeside Surgical", "city": "Madison", "state": "WI", "postalCode": "53703"},
        ),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a fake ShipStation API v1 until killed.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--key", default=DEFAULT_API_KEY, help="API key to accept")
    parser.add_argument("--secret", default=DEFAULT_API_SECRET, help="API secret to accept")
    parser.add_argument("--demo", action="store_true", help="serve demo shipments (otherwise none)")
    args = parser.parse_args(argv)

    fake = FakeShipStation(
        shipments=demo_shipments() if args.demo else (),
        api_key=args.key,
        api_secret=args.secret,
        host=args.host,
        port=args.port,
        verbose=True,
    )
    print(
        f"Fake ShipStation at {fake.base_url} (key {args.key!r}, secret {args.secret!r}); Ctrl-C stops it.",
        flush=True,
    )
    fake.serve_forever()


if __name__ == "__main__":
    main()
