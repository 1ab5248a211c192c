from __future__ import annotations

import django_filters

from silqeqms.jobs.models import Job
from silqeqms.jobs.registry import all_kinds


class JobFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Job.Status.choices, label="Status", empty_label="Any status")
    kind = django_filters.ChoiceFilter(label="Kind", empty_label="Any kind")
    whose = django_filters.ChoiceFilter(choices=[("mine", "Mine")], label="Started by", empty_label="Anyone",
                                        method="filter_whose")

    class Meta:
        model = Job
        fields = ["status", "kind", "whose"]

    def __init__(self, *args, user=None, see_all: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.filters["kind"].extra["choices"] = [(kind.name, kind.label) for kind in all_kinds()]
        if not see_all:  # everyone else only ever sees their own
            del self.filters["whose"]

    def filter_whose(self, queryset, name, value):
        return queryset.filter(started_by=self.user) if value == "mine" else queryset
