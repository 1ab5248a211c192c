"""ShipStation API v1 client: turns `GET /shipments` pages into plain dataclasses (no Django, no ORM).

The client owns the HTTP concerns the sync must not think about: Basic auth, a timeout on every call,
the `X-Rate-Limit-*` headers, retries with capped backoff for 429/5xx/timeouts/connection errors, and
typed errors for everything else. It never logs the API secret or puts it in an exception message.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import requests

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://ssapi.shipstation.com"
PAGE_SIZE = 500  # the largest page ShipStation serves
LOT_OPTION_NAMES = frozenset({"lot", "lot number", "lot #", "batch"})

# Wait before the next request once the window has this many requests left or fewer. Keeping one in
# hand leaves room for another process using the same key (e.g. a webhook handler).
RATE_LIMIT_FLOOR = 1
# Added to a pre-emptive wait: X-Rate-Limit-Reset is whole seconds, so it may round down.
RATE_LIMIT_MARGIN = 1.0
# Used when a 429 comes without a usable X-Rate-Limit-Reset (ShipStation's window is one minute).
DEFAULT_RESET_SECONDS = 60.0
# A reset header larger than this is treated as garbage rather than obeyed.
MAX_RESET_SECONDS = 300.0
BODY_EXCERPT_CHARS = 200


class ShipStationError(Exception):
    """ShipStation answered something the client cannot use (4xx, malformed JSON, bad shapes)."""


class CredentialsRejected(ShipStationError):
    """ShipStation answered 401/403: the key or secret is wrong, or the account lacks API access."""


class ShipStationUnavailable(ShipStationError):
    """Retries were exhausted on 429/5xx answers, timeouts or connection errors."""


@dataclass(frozen=True)
class ShipTo:
    name: str
    company: str
    street1: str
    street2: str
    street3: str
    city: str
    state: str
    postal_code: str
    country: str
    phone: str


@dataclass(frozen=True)
class ShipmentItem:
    order_item_id: int | None
    line_item_key: str | None
    sku: str
    name: str
    quantity: int
    options: tuple[tuple[str, str], ...]

    @property
    def lot_number(self) -> str:
        """The lot carried in an item option ("Lot", "Lot Number", "Lot #", "Batch"); "" when none.

        ShipStation has no lot field, so this is the only place a lot can arrive. The first matching
        option with a non-blank value wins.
        """
        for name, value in self.options:
            if " ".join(name.split()).casefold() in LOT_OPTION_NAMES and value.strip():
                return value.strip()
        return ""


@dataclass(frozen=True)
class Shipment:
    shipment_id: int
    order_id: int | None
    order_number: str
    ship_date: datetime.date
    voided: bool
    void_date: datetime.datetime | None
    ship_to: ShipTo
    items: tuple[ShipmentItem, ...]
    store_id: int | None = None


@dataclass(frozen=True)
class ShipmentPage:
    page: int
    pages: int
    total: int
    shipments: tuple[Shipment, ...]


class ShipStationClient:
    """A small ShipStation API v1 client. One instance per sync run; not thread-safe."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        api_secret: str,
        timeout: float = 30.0,
        max_retries: int = 5,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._api_secret = api_secret
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._sleep = sleep
        self._session = session if session is not None else requests.Session()
        self.requests_made = 0
        # Seconds to wait before the next request, set when a response says the window is spent.
        self._pending_wait = 0.0

    def __repr__(self) -> str:
        return f"<ShipStationClient base_url={self.base_url!r}>"

    def close(self) -> None:
        """Close the HTTP session (its pooled connections)."""
        self._session.close()

    def describe(self) -> dict[str, Any]:
        """What the client is configured with, safe to show or log: never the key or secret."""
        return {
            "base_url": self.base_url,
            "api_key_set": bool(self._api_key),
            "api_secret_set": bool(self._api_secret),
        }

    def iter_shipment_pages(
        self, *, ship_date_start: datetime.date, ship_date_end: datetime.date, start_page: int = 1
    ) -> Iterator[ShipmentPage]:
        """GET /shipments?shipDateStart=…&shipDateEnd=…&includeShipmentItems=true&page=N&pageSize=500
        &sortBy=ShipDate&sortDir=ASC, following `pages`.

        Both dates are inclusive. At least one page is always yielded (an empty one when nothing
        shipped), so a caller can record progress page by page and resume with `start_page`.
        """
        page = start_page
        while True:
            params = {
                "shipDateStart": ship_date_start.isoformat(),
                "shipDateEnd": ship_date_end.isoformat(),
                "includeShipmentItems": "true",
                "page": str(page),
                "pageSize": str(PAGE_SIZE),
                "sortBy": "ShipDate",
                "sortDir": "ASC",
            }
            context = f"page {page} of shipments {ship_date_start.isoformat()}..{ship_date_end.isoformat()}"
            payload = self._get_json("/shipments", params, context=context)
            shipment_page = _parse_page(payload, page=page, context=context)
            yield shipment_page
            if page >= shipment_page.pages:
                return
            page += 1

    # -- HTTP -------------------------------------------------------------------------------------

    def _get_json(self, path: str, params: Mapping[str, str], *, context: str) -> Any:
        url = self.base_url + path
        retries = 0
        while True:
            if self._pending_wait > 0:
                wait, self._pending_wait = self._pending_wait, 0.0
                logger.info("ShipStation rate limit nearly spent; waiting %.1fs before %s", wait, context)
                self._sleep(wait)
            self.requests_made += 1
            try:
                response = self._session.get(
                    url,
                    params=params,
                    auth=(self._api_key, self._api_secret),
                    timeout=self.timeout,
                    headers={"Accept": "application/json"},
                )
            except requests.Timeout:
                last_failure = f"no answer within {self.timeout:g}s"
                delay = self._backoff(retries)
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                last_failure = f"connection error ({type(exc).__name__})"
                delay = self._backoff(retries)
            except requests.RequestException as exc:
                raise ShipStationError(
                    f"ShipStation request failed: GET {url} ({context}): {type(exc).__name__}"
                ) from exc
            else:
                status = response.status_code
                self._note_rate_limit(response)
                if status in (401, 403):
                    raise CredentialsRejected(
                        f"ShipStation rejected the API credentials (HTTP {status}). "
                        "Check SHIPSTATION_API_KEY and SHIPSTATION_API_SECRET."
                    )
                if status == 429:
                    last_failure = "HTTP 429 (rate limited)"
                    delay = _reset_seconds(response) or DEFAULT_RESET_SECONDS
                    self._pending_wait = 0.0  # the 429 wait below covers the window
                elif status >= 500:
                    last_failure = f"HTTP {status}"
                    delay = self._backoff(retries)
                elif 200 <= status < 300:
                    return self._decode(response, url=url, context=context)
                else:
                    raise ShipStationError(
                        f"ShipStation answered HTTP {status} to GET {url} ({context}): "
                        f"{self._excerpt(response.text)}"
                    )
            if retries >= self.max_retries:
                raise ShipStationUnavailable(
                    f"ShipStation unavailable: GET {url} ({context}) failed after {retries + 1} attempts; "
                    f"last: {last_failure}."
                )
            retries += 1
            delay = max(delay, self._pending_wait)
            self._pending_wait = 0.0
            logger.warning(
                "ShipStation GET %s (%s): %s; retry %d of %d in %.1fs",
                url,
                context,
                last_failure,
                retries,
                self.max_retries,
                delay,
            )
            self._sleep(delay)

    def _backoff(self, retries: int) -> float:
        return min(self.backoff_base * 2**retries, self.backoff_cap)

    def _note_rate_limit(self, response: requests.Response) -> None:
        remaining = _int_header(response, "X-Rate-Limit-Remaining")
        if remaining is not None and remaining <= RATE_LIMIT_FLOOR:
            reset = _reset_seconds(response)
            self._pending_wait = (DEFAULT_RESET_SECONDS if reset is None else reset) + RATE_LIMIT_MARGIN

    def _decode(self, response: requests.Response, *, url: str, context: str) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise ShipStationError(
                f"ShipStation answered GET {url} ({context}) with something that is not JSON: "
                f"{self._excerpt(response.text)}"
            ) from exc

    def _excerpt(self, text: str) -> str:
        excerpt = " ".join(text.split())[:BODY_EXCERPT_CHARS] or "(empty body)"
        if self._api_secret:
            excerpt = excerpt.replace(self._api_secret, "***")
        return excerpt


def _int_header(response: requests.Response, name: str) -> int | None:
    try:
        return int(response.headers.get(name, "").strip())
    except ValueError:
        return None


def _reset_seconds(response: requests.Response) -> float | None:
    """X-Rate-Limit-Reset as seconds to wait, or None when missing or garbled."""
    value = _int_header(response, "X-Rate-Limit-Reset")
    if value is None or value < 0 or value > MAX_RESET_SECONDS:
        return None
    return float(value)


# -- JSON -> dataclasses -----------------------------------------------------------------------------


def _parse_page(payload: Any, *, page: int, context: str) -> ShipmentPage:
    if not isinstance(payload, dict) or not isinstance(payload.get("shipments"), list):
        raise ShipStationError(f"ShipStation answered {context} without a 'shipments' list.")
    try:
        pages = _optional_int(payload.get("pages")) or 0
        total = _optional_int(payload.get("total")) or 0
    except (TypeError, ValueError) as exc:
        raise ShipStationError(f"ShipStation answered {context} with unreadable page counts.") from exc
    shipments = tuple(_parse_shipment(raw, context=context) for raw in payload["shipments"])
    return ShipmentPage(page=page, pages=pages, total=total, shipments=shipments)


def _parse_shipment(raw: Any, *, context: str) -> Shipment:
    shipment_id = raw.get("shipmentId") if isinstance(raw, dict) else None
    try:
        if shipment_id is None:
            raise ValueError("no shipmentId")
        advanced = raw.get("advancedOptions") or {}
        items = raw.get("shipmentItems") or []
        return Shipment(
            shipment_id=_required_int(shipment_id),
            order_id=_optional_int(raw.get("orderId")),
            order_number=_text(raw.get("orderNumber")),
            ship_date=datetime.date.fromisoformat(_text(raw.get("shipDate"))[:10]),
            voided=bool(raw.get("voided")),
            void_date=_optional_datetime(raw.get("voidDate")),
            ship_to=_parse_ship_to(raw.get("shipTo") or {}),
            items=tuple(_parse_item(item) for item in items if item is not None),
            store_id=_optional_int(advanced.get("storeId")) if isinstance(advanced, dict) else None,
        )
    except (AttributeError, TypeError, ValueError) as exc:
        raise ShipStationError(
            f"ShipStation sent a shipment the client cannot read (shipmentId={shipment_id!r}, {context}): {exc}"
        ) from exc


def _parse_ship_to(raw: dict[str, Any]) -> ShipTo:
    return ShipTo(
        name=_text(raw.get("name")),
        company=_text(raw.get("company")),
        street1=_text(raw.get("street1")),
        street2=_text(raw.get("street2")),
        street3=_text(raw.get("street3")),
        city=_text(raw.get("city")),
        state=_text(raw.get("state")),
        postal_code=_text(raw.get("postalCode")),
        country=_text(raw.get("country")),
        phone=_text(raw.get("phone")),
    )


def _parse_item(raw: dict[str, Any]) -> ShipmentItem:
    line_item_key = raw.get("lineItemKey")
    options = tuple(
        (_text(option.get("name")), _text(option.get("value")))
        for option in raw.get("options") or []
        if isinstance(option, dict)
    )
    return ShipmentItem(
        order_item_id=_optional_int(raw.get("orderItemId")),
        line_item_key=None if line_item_key is None else str(line_item_key),
        sku=_text(raw.get("sku")),
        name=_text(raw.get("name")),
        quantity=_optional_int(raw.get("quantity")) or 0,
        options=options,
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _required_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"expected a whole number, got {value!r}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"expected a whole number, got {value!r}")
        return int(value)
    return int(value)


def _optional_int(value: Any) -> int | None:
    return None if value is None or value == "" else _required_int(value)


def _optional_datetime(value: Any) -> datetime.datetime | None:
    """ShipStation sends naive US/Pacific times like 2026-03-06T10:12:00.0000000; kept naive."""
    if not value:
        return None
    try:
        return datetime.datetime.fromisoformat(str(value))
    except ValueError:
        logger.warning("ShipStation sent an unreadable voidDate %r; ignoring it", value)
        return None
