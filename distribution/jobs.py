"""distribution's background job kinds, registered from DistributionConfig.ready() (silqeqms/jobs)."""

from __future__ import annotations

from django.urls import reverse

from distribution.models import CustomerOrderStats, DailySkuSummary, LotSummary, OrderSummary
from distribution.summaries import rebuild_summaries, verify_summaries
from silqeqms.jobs import JobFailed, job_kind

REBUILD_SUMMARIES = "distribution.rebuild_summaries"


@job_kind(REBUILD_SUMMARIES, label="Rebuild the dashboard summaries", permission="distribution.edit",
          startable=True, description="Recomputes the sales dashboard's summary tables from the entries, then "
                                      "checks them (manage.py verify_summaries --rebuild).")
def rebuild_dashboard_summaries(*, actor, params, progress) -> dict:
    progress.set_total(2)
    rebuild_summaries()  # one transaction: every summary table is replaced, or none is
    progress.advance()
    problems = verify_summaries()
    progress.advance()
    if problems:
        shown = "; ".join(problems[:5])
        raise JobFailed(f"{len(problems)} summary rows still differ from the entries after the rebuild "
                        f"(an entry changed meanwhile?): {shown}. Try again.")
    return {
        "summary": ["The summaries were rebuilt from the entries and match them exactly."],
        "counts": [["Orders", OrderSummary.objects.count()],
                   ["Customers with orders", CustomerOrderStats.objects.count()],
                   ["Lots", LotSummary.objects.count()], ["Day × SKU rows", DailySkuSummary.objects.count()]],
        "links": [{"label": "Sales dashboard", "url": reverse("sales_dashboard:dashboard")}],
    }
