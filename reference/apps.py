"""App config, so the app label is stable whatever the import path."""

from __future__ import annotations

from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "reference"
    default_auto_field = "django.db.models.BigAutoField"
