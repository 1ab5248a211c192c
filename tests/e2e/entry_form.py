"""Steps the browser journeys through the distribution entry form share."""

from __future__ import annotations

from playwright.sync_api import expect

from distribution.models import DistributionLogEntry


def save_after_answering(page, question: str, says: str, answer: str) -> None:
    """Save; the form asks `question` (a CSS selector) saying `says` and saves nothing; tick `answer`
    and save again: the entry is saved."""
    page.get_by_role("button", name="Save entry").click()
    asked = page.locator(question)
    expect(asked).to_contain_text(says)
    assert not DistributionLogEntry.objects.exists()
    asked.get_by_label(answer).check()
    page.get_by_role("button", name="Save entry").click()
    expect(page.get_by_text("saved")).to_be_visible()
