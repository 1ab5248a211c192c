"""Reading a sales-order PDF in this process: cheap refusals, then pdfplumber page by page.

Every failure becomes a PdfImportError naming the file; pdfminer's many exception kinds on damaged
input are sorted into "password-protected", "needs more memory" and "damaged".
"""

from __future__ import annotations

import hashlib
import io
import logging
from typing import Any

from .columns import Layout
from .orders import assemble_orders
from .results import PdfImportError, PdfParseResult
from .table import PageReading, read_page

logger = logging.getLogger(__name__)

MAX_PDF_BYTES = 10 * 1024 * 1024
MAX_PDF_PAGES = 50

SCANNED_MESSAGE = (
    "{file} has no text layer — it looks like a scanned image. Enter its lines by hand under New entry."
)


def parse_sales_order_pdf(data: bytes, file_name: str) -> PdfParseResult:
    """Parse in this process. Raises PdfImportError, and nothing else, for any file it cannot import."""
    data = bytes(data)
    refuse_obviously_bad(data, file_name)
    try:
        import pdfplumber  # noqa: F401  (loaded here so a failure is not blamed on the file)
    except Exception as exc:  # MemoryError or ImportError under a tight memory limit
        raise PdfImportError(
            f"{file_name} could not be read: the PDF reader could not be loaded ({type(exc).__name__}), "
            "possibly for lack of memory.",
            file_name,
        ) from exc
    try:
        return _parse(data, file_name)
    except PdfImportError:
        raise
    except Exception as exc:  # pdfminer raises many kinds on damaged input; all mean "cannot read".
        if _caused_by(exc, (MemoryError,)):
            raise PdfImportError(
                f"{file_name} needs more memory to read than is allowed, so reading it was stopped.",
                file_name,
            ) from exc
        if _is_encryption_error(exc):
            raise PdfImportError(
                f"{file_name} is password-protected. Save a copy without a password and import that.",
                file_name,
            ) from exc
        logger.info("PDF %s could not be read: %r", file_name, exc)
        raise PdfImportError(
            f"{file_name} could not be read: the file is damaged or is not a valid PDF.", file_name
        ) from exc


def refuse_obviously_bad(data: bytes, file_name: str) -> None:
    """The refusals that need no PDF reader (and, in the web process, no child process)."""
    if not data:
        raise PdfImportError(f"{file_name} is empty (0 bytes).", file_name)
    if len(data) > MAX_PDF_BYTES:
        raise PdfImportError(
            f"{file_name} is {len(data) / (1024 * 1024):.1f} MB; PDFs larger than "
            f"{MAX_PDF_BYTES // (1024 * 1024)} MB are not accepted.",
            file_name,
        )
    if not data.startswith(b"%PDF-"):
        raise PdfImportError(f"{file_name} is not a PDF (it does not start with %PDF-).", file_name)
    # Readers look for %%EOF in the last 1024 bytes; without it the file was cut short, and pdfminer's
    # recovery could otherwise hand back some pages and silently lose the rest.
    if b"%%EOF" not in data[-1024:]:
        raise PdfImportError(
            f"{file_name} looks truncated or damaged: the end-of-file marker is missing.", file_name
        )


def _is_encryption_error(exc: BaseException) -> bool:
    try:
        from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    except Exception:  # the reader itself failed to load: not an encryption problem
        return False
    return _caused_by(exc, (PDFPasswordIncorrect, PDFEncryptionError))


def _caused_by(exc: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    """Whether `exc` or anything it wraps is one of `kinds`.

    pdfplumber re-raises pdfminer's errors (even MemoryError) as PdfminerException(original).
    """
    seen: set[int] = set()
    pending: list[Any] = [exc]
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, kinds):
            return True
        if isinstance(item, BaseException):
            pending.extend([*item.args, item.__cause__, item.__context__])
    return False


def _parse(data: bytes, file_name: str) -> PdfParseResult:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page_count = len(pdf.pages)
        if page_count > MAX_PDF_PAGES:
            raise PdfImportError(
                f"{file_name} has {page_count} pages; PDFs with more than {MAX_PDF_PAGES} pages are not accepted.",
                file_name,
            )
        if page_count == 0:
            raise PdfImportError(
                f"{file_name} has no pages: the file is damaged or was saved empty.", file_name
            )
        readings: list[PageReading] = []
        carried: Layout | None = None
        for number, page in enumerate(pdf.pages, start=1):
            reading = read_page(page, number, carried)
            readings.append(reading)
            carried = reading.layout or carried
            page.close()  # drop pdfplumber's per-page caches; a 50-page file stays small
    if not any(reading.has_text for reading in readings):
        raise PdfImportError(SCANNED_MESSAGE.format(file=file_name), file_name)
    orders = assemble_orders(readings, file_name)
    return PdfParseResult(
        file_name=file_name,
        sha256=hashlib.sha256(data).hexdigest(),
        page_count=page_count,
        orders=orders,
    )
