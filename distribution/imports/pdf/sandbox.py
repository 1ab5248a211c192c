"""Reading a PDF in a child process, so a hostile file cannot hang or exhaust a web worker.

The parent sends a JSON request line and the file's bytes on stdin, and enforces a wall-clock limit;
the child (`python -I _child.py`) sets its own memory and CPU limits before it touches the file and
answers with one line of JSON, which the parent rebuilds into dataclasses value by value.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
import math
import os
import subprocess
import sys
from typing import Any

from .reader import parse_sales_order_pdf, refuse_obviously_bad
from .results import PdfImportError, PdfLine, PdfOrder, PdfParseResult

logger = logging.getLogger(__name__)

PARSE_TIME_LIMIT_SECONDS = 20
DEFAULT_MEMORY_LIMIT_BYTES = 1024 * 1024 * 1024

# The script the child runs; read at call time.
CHILD_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_child.py")


def parse_sales_order_pdf_safely(
    data: bytes,
    file_name: str,
    *,
    time_limit: float = PARSE_TIME_LIMIT_SECONDS,
    memory_limit_bytes: int = DEFAULT_MEMORY_LIMIT_BYTES,
) -> PdfParseResult:
    """Parse in a child process with a wall-clock and a memory limit; same result and errors as parse_sales_order_pdf."""
    data = bytes(data)
    refuse_obviously_bad(data, file_name)  # cheap refusals need no process
    request = {
        "file_name": file_name,
        "memory_limit_bytes": int(memory_limit_bytes),
        # A CPU limit as well: if the parent dies, nobody is left to enforce the wall clock.
        "cpu_seconds": max(1, math.ceil(time_limit) + 1),
    }
    # -I (isolated): no PYTHON* variables, no user site, and neither the working directory nor the
    # script's folder on sys.path, so a sibling module named like a standard one cannot shadow it.
    # The script loads this package by path (see _child.py); nothing imports Django or settings,
    # and subprocess (fork+exec) is safe in threaded servers.
    command = [sys.executable, "-I", CHILD_SCRIPT]
    env = {"PATH": os.environ.get("PATH", os.defpath), "LC_ALL": "C.UTF-8"}
    try:
        child = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            close_fds=True,
        )
    except OSError as exc:
        raise PdfImportError(
            f"{file_name} could not be read: the PDF reader could not be started.", file_name
        ) from exc
    try:
        out, err = child.communicate(json.dumps(request).encode() + b"\n" + data, timeout=time_limit)
    except subprocess.TimeoutExpired:
        raise PdfImportError(
            f"{file_name} took longer than {time_limit:g} seconds to read, so reading it was stopped. "
            "Enter its lines by hand under New entry, or split the file and try again.",
            file_name,
        ) from None
    finally:
        if child.poll() is None:  # timed out, or interrupted: never leave a reader running
            child.kill()
            child.communicate()
    if err:
        logger.info(
            "PDF reader for %s wrote to stderr: %s", file_name, err[-2000:].decode("utf-8", "replace")
        )
    try:
        reply = json.loads(out)
        if reply.get("ok"):
            return _result_from_json(reply["result"])
        message = str(reply["error"])
    except Exception:
        logger.warning("PDF reader for %s stopped with exit code %s", file_name, child.returncode)
        raise PdfImportError(
            f"{file_name} could not be read: the PDF reader stopped unexpectedly (exit code {child.returncode}).",
            file_name,
        ) from None
    raise PdfImportError(message, file_name)


# PdfOrder's text fields travel as they are; its date, pages, lines and warnings are converted below.
_ORDER_TEXT_FIELDS = tuple(f.name for f in dataclasses.fields(PdfOrder) if f.type in ("str", str))


def _result_to_json(result: PdfParseResult) -> dict[str, Any]:
    return {
        "file_name": result.file_name,
        "sha256": result.sha256,
        "page_count": result.page_count,
        "orders": [
            {
                **{name: getattr(order, name) for name in _ORDER_TEXT_FIELDS},
                "ship_date": order.ship_date.isoformat() if order.ship_date else None,
                "pages": list(order.pages),
                "warnings": list(order.warnings),
                "lines": [
                    [line.sku, line.description, line.lot_number, line.quantity, line.page]
                    for line in order.lines
                ],
            }
            for order in result.orders
        ],
    }


def _result_from_json(data: dict[str, Any]) -> PdfParseResult:
    # Built field by field (not pickle): the child has just read a hostile file and is not trusted
    # to hand the web process anything but plain values.
    orders = []
    for raw in data["orders"]:
        first, last = raw["pages"]
        orders.append(
            PdfOrder(
                **{name: str(raw[name]) for name in _ORDER_TEXT_FIELDS},
                ship_date=datetime.date.fromisoformat(raw["ship_date"]) if raw["ship_date"] else None,
                lines=[PdfLine(str(s), str(d), str(lot), int(q), int(p)) for s, d, lot, q, p in raw["lines"]],
                pages=(int(first), int(last)),
                warnings=[str(w) for w in raw["warnings"]],
            )
        )
    return PdfParseResult(str(data["file_name"]), str(data["sha256"]), int(data["page_count"]), orders)


def _limit_resources(memory_limit_bytes: int, cpu_seconds: int) -> None:
    try:
        import resource
    except ImportError:  # not on POSIX: the parent's wall clock is the only limit
        return
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit_bytes, memory_limit_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))


def child_main() -> int:
    """In the child: read a JSON request line and the PDF bytes from stdin; write one JSON reply to stdout."""
    request = json.loads(sys.stdin.buffer.readline())
    file_name = str(request["file_name"])
    # Limits go on before pdfplumber is imported or the file is touched.
    _limit_resources(int(request["memory_limit_bytes"]), int(request["cpu_seconds"]))
    # pdfminer logs a warning per oddity, and a hostile file can have millions: the parent would
    # buffer them all. Anything printed during the parse goes to stderr, so stdout carries only the reply.
    logging.disable(logging.CRITICAL)
    reply_stream, sys.stdout = sys.stdout, sys.stderr
    try:
        reply: dict[str, Any] = {
            "ok": True,
            "result": _result_to_json(parse_sales_order_pdf(sys.stdin.buffer.read(), file_name)),
        }
    except PdfImportError as err:
        reply = {"ok": False, "error": str(err)}
    except Exception as exc:  # parse_sales_order_pdf converts everything; this is the last line of defence
        reply = {"ok": False, "error": f"{file_name} could not be read ({type(exc).__name__})."}
    reply_stream.write(json.dumps(reply))
    reply_stream.flush()
    return 0
