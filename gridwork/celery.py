"""Celery application: background jobs (imports, imagery) run by a worker that `./dev up` starts."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridwork.settings.dev")

app = Celery("gridwork")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
