"""The recall's documents: each consignee's letter and the merged letters (stored, content-addressed,
like imported originals), and the reports' PDFs (whose download is recorded like any export)."""

from __future__ import annotations

import hashlib
from typing import Protocol

from django.core.files.base import ContentFile
from django.db import transaction

from recalls import reports
from recalls.letters import render_letter, render_merged_letters
from recalls.models import DocumentKind, Recall, RecallConsignee, RecallDocument
from recalls.pdf import Built
from recalls.selectors import letters_for, report_data
from silqeqms.audit import record_event
from silqeqms.models import User


class ProgressReporter(Protocol):
    """What a long job reports through (silqeqms.jobs' Progress has this shape)."""

    def set_total(self, total: int | None) -> None: ...

    def advance(self, amount: int = 1) -> None: ...


class NoProgress:
    def set_total(self, total: int | None) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass


def _store(*, actor: User | None, recall: Recall, consignee: RecallConsignee | None, kind: str, built: Built
           ) -> tuple[RecallDocument, bool]:
    """The document for these bytes: the one already stored, or a new one (file under its SHA-256: if the
    transaction rolls back, the file left behind is the same bytes the next generation writes)."""
    digest = hashlib.sha256(built.data).hexdigest()
    existing = RecallDocument.objects.filter(recall=recall, kind=kind, sha256=digest, consignee=consignee).first()
    if existing is not None:
        return existing, False
    document = RecallDocument(recall=recall, consignee=consignee, kind=kind, sha256=digest, size=len(built.data),
                              pages=built.pages, created_by=actor)
    path = f"recall-documents/{digest[:2]}/{digest}.pdf"
    storage = document.file.storage
    if not storage.exists(path):
        path = storage.save(path, ContentFile(built.data))
    document.file.name = path
    document.save()
    return document, True


@transaction.atomic
def generate_letter(*, actor: User | None, consignee: RecallConsignee) -> tuple[RecallDocument, bytes]:
    """The consignee's letter as of today, stored and linked from the consignee (the same content finds the
    stored one: a new document, and its audit event, only when the letter changed)."""
    recall = consignee.recall
    [letter] = letters_for(recall, [consignee])
    built = render_letter(letter)
    document, created = _store(actor=actor, recall=recall, consignee=consignee, kind=DocumentKind.LETTER, built=built)
    if consignee.letter_id != document.pk:
        RecallConsignee.objects.filter(pk=consignee.pk).update(letter=document)
        consignee.letter = document
    if created:
        record_event(actor=actor, action="recall.letter_generated", target=consignee,
                     data={"recall": recall.number, "document_id": document.pk, "sha256": document.sha256,
                           "pages": document.pages})
    return document, built.data


def build_merged_letters(recall: Recall, *, actor: User | None, progress: ProgressReporter | None = None
                         ) -> RecallDocument:
    """Every consignee's letter in one PDF, stored; `progress` hears of each letter as it is laid out.
    Plain and synchronous: the merged-letters job kind calls it with the job's progress."""
    progress = progress or NoProgress()
    letters = list(letters_for(recall))
    progress.set_total(len(letters))
    built = render_merged_letters(letters, title=f"{recall.number} letters", on_letter=progress.advance)
    with transaction.atomic():
        document, created = _store(actor=actor, recall=recall, consignee=None, kind=DocumentKind.MERGED_LETTERS,
                                   built=built)
        if created:
            record_event(actor=actor, action="recall.letters_merged", target=recall,
                         data={"document_id": document.pk, "sha256": document.sha256, "letters": len(letters),
                               "pages": document.pages})
    return document


@transaction.atomic
def export_report_pdf(*, actor: User, recall: Recall, report: str) -> bytes:
    """The status report ("status") or the FDA report data ("fda") as PDF; the download is recorded."""
    builders = {"status": reports.status_report_pdf, "fda": reports.fda_report_pdf}
    built = builders[report](report_data(recall))
    record_event(actor=actor, action=f"recall.{report}_report_exported", target=recall,
                 data={"format": "pdf", "pages": built.pages})
    return built.data
