"""Background jobs of the case flow (Celery)."""

from celery import shared_task

from gridwork.celery import app


@shared_task(name="cases.ensure_event_partitions")
def ensure_event_partitions():
    """Make the coming months' partitions of the case steps (daily on the Celery beat; see cases/partitions.py)."""
    from cases import partitions

    return partitions.ensure()


@app.task(name="cases.process_photo", acks_late=True)  # idempotent: a redelivery after a crash is safe
def process_photo(photo_id):
    """Re-encode a photo sent with a report or a step (cases/photos.py); a retry changes nothing."""
    from cases import photos

    return photos.process(photo_id)


@app.task(name="cases.process_pending_photos")
def process_pending_photos():
    """Photos still pending some minutes after their report (their message lost): processed (on the beat)."""
    from cases import photos

    return photos.process_pending()
