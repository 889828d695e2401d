"""Background jobs of the case flow (Celery)."""

from celery import shared_task

from gridwork.celery import app


@shared_task(name="cases.ensure_event_partitions")
def ensure_event_partitions():
    """Make the coming months' partitions of the case steps (daily on the Celery beat; see cases/partitions.py)."""
    from cases import partitions

    return partitions.ensure()


@app.task(name="cases.process_photo", acks_late=True)  # idempotent: a redelivery after a crash is safe
def process_photo(photo_id, kind="case"):
    """Re-encode a photo (a case's, a need's ...: cases.photos.KINDS) once it is sent; a retry changes nothing, and
    a photo that crashed the worker cases.photos.ATTEMPTS times is failed instead of being tried again."""
    from cases import photos

    return photos.process(photo_id, kind)


@app.task(name="cases.process_pending_photos")
def process_pending_photos():
    """Photos still pending some minutes after they were sent (their message lost, the worker killed): processed
    (on the beat)."""
    from cases import photos

    return photos.process_pending()
