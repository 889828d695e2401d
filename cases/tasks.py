"""Background jobs of the case flow (Celery)."""

from celery import shared_task


@shared_task(name="cases.ensure_event_partitions")
def ensure_event_partitions():
    """Make the coming months' partitions of the case steps (daily on the Celery beat; see cases/partitions.py)."""
    from cases import partitions

    return partitions.ensure()
