"""Background work of the dashboard: bringing the kept per-cell summaries up to date after bulk changes."""

from gridwork.celery import app


@app.task(name="cogov.refresh_summaries", acks_late=True)
def refresh_summaries():
    from common import dashboard

    dashboard.refresh_summaries()
