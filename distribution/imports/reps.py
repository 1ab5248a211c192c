"""How a rep named on an imported row (CSV column, PDF "Sales rep" field) is found among the users.

One rule for every source: the username, the e-mail address or the full name ("First Last"), ignoring
case and surrounding spaces. Former reps (inactive users) still match, because a historic shipment
was theirs. A full name that two users share matches neither: the row must name the username.
What happens to a name that matches nobody is the source's choice (the CSV refuses the row, a PDF
leaves the rep blank with a warning), not this module's.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, Value
from django.db.models.functions import Concat, Lower

from silqeqms.models import User


def rep_key(name: str) -> str:
    """The form in which a printed rep name is looked up."""
    return " ".join((name or "").split()).lower()


def resolve_reps(names: Iterable[str]) -> dict[str, User]:
    """{rep_key(name): user} for every name that identifies exactly one user, in one query."""
    wanted = {rep_key(n) for n in names} - {""}
    if not wanted:
        return {}
    users = User.objects.annotate(
        u=Lower("username"), e=Lower("email"), full=Lower(Concat("first_name", Value(" "), "last_name")),
    ).filter(Q(u__in=wanted) | Q(e__in=wanted) | Q(full__in=wanted))
    found: dict[str, User] = {}
    by_name: dict[str, set[int]] = {}
    for user in users:
        for key, exact in ((user.u, True), (user.e, True), (user.full, False)):
            if key in wanted:
                if exact:
                    found[key] = user
                else:
                    by_name.setdefault(key, set()).add(user.pk)
                    found.setdefault(key, user)
    # A username or e-mail wins over a name; a name shared by several users identifies nobody.
    for key, ids in by_name.items():
        if len(ids) > 1 and found[key].pk in ids and key not in {found[key].u, found[key].e}:
            del found[key]
    return found
