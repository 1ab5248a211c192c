from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject

from silqeqms.jobs.selectors import badge_count
from silqeqms.navigation import sections_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": [], "jobs_active": 0}
    items = []
    for section in sections_for(user):
        try:
            url = reverse(section.url_name)
        except NoReverseMatch:  # a section whose app has no pages yet
            continue
        items.append({"title": section.title, "url": url, "summary": section.summary,
                      "active": request.path.startswith(url)})
    # The header's Jobs link shows a badge while a job this user started is queued or running (counted
    # only when a page renders the header, once; see silqeqms.jobs.selectors.badge_count).
    return {"nav_sections": items, "jobs_active": SimpleLazyObject(lambda: badge_count(request))}
