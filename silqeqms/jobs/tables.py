from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html

from silqeqms.jobs.models import Job
from silqeqms.jobs.registry import label_for
from silqeqms.tables import BoundedTable

STATUS_BADGE = {"queued": "", "running": "badge-needs_review", "succeeded": "badge-active", "failed": "badge-error"}


def status_badge(job: Job) -> str:
    return format_html('<span class="badge {}">{}</span>', STATUS_BADGE.get(job.status, ""), job.get_status_display())


class JobTable(BoundedTable):
    id = tables.Column(verbose_name="Job", linkify=True)
    kind = tables.Column(verbose_name="What")
    status = tables.Column()
    done = tables.Column(verbose_name="Progress", orderable=False, attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    started_by = tables.Column(verbose_name="Started by", default="system", order_by=("started_by__username", "id"))
    created_at = tables.DateTimeColumn(verbose_name="Started", format="Y-m-d H:i")
    finished_at = tables.DateTimeColumn(verbose_name="Finished", format="Y-m-d H:i", default="—")

    class Meta:
        model = Job
        fields = ["id", "kind", "status", "done", "started_by", "created_at", "finished_at"]
        order_by = "-id"
        per_page = 25
        empty_text = "No jobs match these filters."

    def render_id(self, value):
        return f"#{value}"

    def render_kind(self, value, record):
        return format_html("{}{}", label_for(value),
                           format_html(' <span class="muted">(attempt {})</span>', record.attempt)
                           if record.attempt > 1 else "")

    def render_status(self, record):
        return status_badge(record)

    def render_done(self, record):
        if record.total is not None:
            return f"{record.done:,} / {record.total:,}"
        return f"{record.done:,}" if record.done else "—"

    def render_started_by(self, value):
        return value.username
