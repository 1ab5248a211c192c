"""The dashboard has no tables of its own; this unmanaged model only carries its permissions."""

from django.db import models


class Dashboard(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view", "View the sales dashboard"), ("export", "Export the sales dashboard")]

    def __str__(self) -> str:
        return "Sales dashboard"
