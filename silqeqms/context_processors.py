from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from silqeqms.navigation import sections_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": []}
    items = []
    for section in sections_for(user):
        try:
            url = reverse(section.url_name)
        except NoReverseMatch:  # a section whose app has no pages yet
            continue
        items.append({"title": section.title, "url": url, "summary": section.summary,
                      "active": request.path.startswith(url)})
    return {"nav_sections": items}
