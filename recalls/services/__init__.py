"""Every write of the recalls app, one function per use case (import them from here):

- recalls.py      create_recall, update_recall, open_recall, close_recall (e-signed), closing_problems
- consignees.py   notify_consignee, record_response, close_consignee, mark_unreachable, add_later_shipments
- responses.py    plan_responses, import_responses (the responses CSV, all rows or none)
- documents.py    generate_letter, build_merged_letters (the merged-letters job's work), export_report_pdf
- freezing.py     freeze_entries: entries → consignees and lines (opening and later shipments share it)
"""

from recalls.services.consignees import (
    add_later_shipments,
    close_consignee,
    mark_unreachable,
    notify_consignee,
    record_response,
)
from recalls.services.documents import build_merged_letters, export_report_pdf, generate_letter
from recalls.services.recalls import (
    CLOSE_MEANING,
    close_recall,
    closing_problems,
    create_recall,
    open_recall,
    update_recall,
)
from recalls.services.responses import import_responses, plan_responses

__all__ = [
    "CLOSE_MEANING", "add_later_shipments", "build_merged_letters", "close_consignee", "close_recall",
    "closing_problems", "create_recall", "export_report_pdf", "generate_letter", "import_responses",
    "mark_unreachable", "notify_consignee", "open_recall", "plan_responses", "record_response", "update_recall",
]
