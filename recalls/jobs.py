"""recalls' background job kinds, registered from RecallsConfig.ready() (silqeqms/jobs)."""

from __future__ import annotations

from silqeqms.jobs import JobFailed, job_kind

MERGED_LETTERS = "recalls.merged_letters"


@job_kind(MERGED_LETTERS, label="Merge a recall's letters into one PDF", permission="recalls.manage")
def merge_letters(*, actor, params, progress) -> dict:
    from recalls.models import Recall
    from recalls.services import build_merged_letters

    recall = Recall.objects.filter(pk=params["recall_id"]).first()
    if recall is None:
        raise JobFailed("That recall no longer exists.")
    document = build_merged_letters(recall, actor=actor, progress=progress)
    return {
        "summary": [f"Every consignee's letter of {recall.number} in one PDF."],
        "counts": [["Letters", progress.total or 0], ["Pages", document.pages]],
        "links": [{"label": "The merged PDF", "url": document.get_absolute_url()},
                  {"label": f"Recall {recall.number}", "url": recall.get_absolute_url()}],
    }
