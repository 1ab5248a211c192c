"""factory_boy factories. Tests build the rows they need; no hand-written fixture files."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Permission

from silqeqms.models import User

TEST_PASSWORD = "correct-horse-battery-staple"  # noqa: S105 - test data


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def perms(self, create, extracted, **kwargs):
        """UserFactory(perms=["distribution.view"]) grants exactly those permissions."""
        if not create:
            return
        for key in extracted or []:
            app_label, codename = key.split(".", 1)
            self.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        self.save()
