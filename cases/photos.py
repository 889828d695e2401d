"""Photos: the type is read from the content (not the name), the size is bounded, and every photo is re-encoded
as a fresh JPEG so EXIF data (GPS position, device, owner) never leaves the server.

Every photo sent to the site is re-encoded by the worker, not in the request: a case's (its report, a step, a note
added to it), a need's, a mediation agreement's, an inspection's and a household assessment's (the KINDS below,
models on cases.models.ProcessedPhoto, registered by their apps). The request makes the checks that need no
decoding (`check_photos`: count, bytes, type and pixel count from the header), so a bad photo is refused with its
own message and nothing is saved; `keep` then writes a pending photo and its raw bytes (its model's upload table,
in the database: no URL reaches them) in the caller's transaction and queues `cases.process_photo` once it
commits. The task (`process`) re-encodes, stores the clean JPEG, deletes the raw bytes and marks the photo ready,
or failed when it cannot be decoded or when its re-encoding crashed or was killed ATTEMPTS times. Pages and
answers show ready photos only (the photo's status). The beat's sweep (`process_pending`) takes up the photos
whose message was lost."""

import io
import logging

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from cases.models import limits
from common.images import check_header

log = logging.getLogger(__name__)

ACCEPTED = {"JPEG", "PNG", "WEBP", "MPO"}  # MPO: the JPEG variant some phone cameras write


def unreadable(name):
    return ValidationError(
        _("%(name)s is not a photo that can be read (JPEG, PNG or WebP).") % {"name": name}, code="photo_type"
    )


def wrong_format(name, fmt):
    return ValidationError(
        _("%(name)s is a %(fmt)s file; send a JPEG, PNG or WebP photo.") % {"name": name, "fmt": fmt},
        code="photo_format",
    )


def check_photo(upload):
    """What can be told without decoding a pixel: the size in bytes, then from the header the type (read from the
    content, not the name) and the pixel count. Returns the Pillow format name or raises a ValidationError naming
    the file."""
    name = getattr(upload, "name", None) or "photo"
    limit = limits()["MAX_PHOTO_BYTES"]
    if upload.size > limit:
        raise ValidationError(
            _("%(name)s is %(size).1f MB; a photo may be at most %(limit).1f MB.")
            % {"name": name, "size": upload.size / 1_048_576, "limit": limit / 1_048_576},
            code="photo_size",
        )
    if not upload.size:
        raise unreadable(name)
    fmt = check_header(upload, name)  # the pixel count from the header, before anything is decoded
    if fmt is None:
        raise unreadable(name)
    if fmt not in ACCEPTED:
        raise wrong_format(name, fmt)
    return fmt


def reencode(f, name="photo"):
    """Decode the photo and write it again as a JPEG of at most PHOTO_MAX_SIDE pixels, turned upright, without
    metadata. A ContentFile, or a ValidationError when the pixels cannot be decoded."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(f) as img:
            if img.format not in ACCEPTED:
                raise wrong_format(name, img.format)
            img.load()
            img = ImageOps.exif_transpose(img)
            img = img.convert("RGB")
            side = limits()["PHOTO_MAX_SIDE"]
            img.thumbnail((side, side))
            out = io.BytesIO()
            img.save(out, "JPEG", quality=85, optimize=True)  # no exif= argument: nothing carried over
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise unreadable(name)
    return ContentFile(out.getvalue(), name="photo.jpg")


def count_photos(uploads):
    uploads = [u for u in uploads if u]
    most = limits()["MAX_PHOTOS"]
    if len(uploads) > most:
        raise ValidationError(
            _("At most %(n)s photos per report or step; %(got)s were sent.") % {"n": most, "got": len(uploads)},
            code="photo_count",
        )
    return uploads


def check_photos(uploads):
    """The uploads, each checked from its header (`check_photo`), or a ValidationError; nothing is decoded."""
    uploads = count_photos(uploads)
    for upload in uploads:
        check_photo(upload)
    return uploads


# --- re-encoding on the worker ---------------------------------------------------------------------------------
# The photo models the worker re-encodes, by the name their tasks carry: the other apps add theirs in their
# AppConfig.ready() (`register`). Each has a one-to-one `upload` row of its raw bytes (its photo the primary key),
# deleted once the photo is ready or failed.
KINDS = {"case": "cases.CasePhoto"}
ATTEMPTS = 3  # starts of a photo's re-encoding (each crashed or killed) before it is failed without another


def register(kind, model):
    """Re-encode the photos of `model` (a ProcessedPhoto with an `upload` table) on the worker, as `kind`."""
    KINDS[kind] = model._meta.label


def photo_model(kind):
    return apps.get_model(KINDS[kind])


def upload_model(model):
    return model._meta.get_field("upload").related_model


def kind_of(model):
    return next(kind for kind, label in KINDS.items() if label == model._meta.label)


def keep(model, uploads, **owner):
    """Within the caller's transaction: a pending photo of `model` (one of KINDS, created with `owner`: its case,
    need, ...) for each checked upload, its bytes kept in the model's upload table; the worker is asked to
    re-encode them once the transaction commits (a rolled-back write leaves neither rows nor queued work).
    Returns the photos."""
    raw_model = upload_model(model)
    photos = []
    for upload in uploads:
        upload.seek(0)
        data = upload.read()
        upload.seek(0)
        photo = model.objects.create(status=model.Status.PENDING, **owner)
        keep_bytes(raw_model, photo.pk, data)
        photos.append(photo)
    if photos:
        kind, ids = kind_of(model), [p.pk for p in photos]
        transaction.on_commit(lambda: enqueue(ids, kind))
    return photos


def keep_for_processing(case, event, uploads):
    """The photos of a case's report or step (`keep`)."""
    from cases.models import CasePhoto

    return keep(CasePhoto, uploads, case=case, event=event)


def keep_bytes(model, photo_id, data):
    """INSERT the raw bytes as a binary parameter of a server-bound statement (common.db.prepared_cursor), in the
    caller's transaction. (Django's
    cursor binds parameters on the client: a photo of a few MB would travel as a hex literal twice its size inside
    the SQL text and be parsed as one, several times slower.)"""
    from django.db import connection

    from common.db import prepared_cursor

    table = connection.ops.quote_name(model._meta.db_table)
    with prepared_cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (photo_id, data) VALUES (%s, %b)", [photo_id, data])


def enqueue(ids, kind="case"):
    """Send one task per photo; when the queue cannot be reached the photos stay pending and the worker's sweep
    (cases.process_pending_photos) takes them up."""
    from cases.tasks import process_photo

    try:
        # One connection for them all, tried once (settings.CELERY_BROKER_TRANSPORT_OPTIONS): the request has been
        # answered but for this.
        with process_photo.app.connection_for_write() as connection:
            for pk in ids:
                # A case photo's task carries its id alone, as before kinds (a worker not yet updated reads it).
                args = [pk] if kind == "case" else [pk, kind]
                process_photo.apply_async(args=args, retry=False, connection=connection)
    except Exception as exc:  # the broker is down: the sweep takes the photos up later
        log.warning("%s photos %s not queued: %s", kind, ids, exc)


def _done_already(photo, raw_model):
    raw_model.objects.filter(photo_id=photo.pk).delete()  # a photo done already keeps nothing raw
    return photo.status


def process(pk, kind="case"):
    """Re-encode one pending photo of `kind`: the clean JPEG stored, the raw bytes deleted, the photo ready; or
    failed (raw bytes deleted) when it cannot be decoded. Running it again (a retry, the sweep, a second worker)
    changes nothing: only a pending photo is processed, under its row lock. Returns the photo's status, or None when
    the photo is gone (its case, need ... was deleted).

    Each start is counted and committed before anything is decoded, so a photo that crashes or kills the worker
    every time (a decoder bug, memory) is not taken up without end: at its ATTEMPTS+1th start it is failed."""
    model = photo_model(kind)
    raw_model = upload_model(model)
    with transaction.atomic():
        photo = model.objects.select_for_update().filter(pk=pk).first()
        if photo is None:
            return None
        if photo.status != model.Status.PENDING:
            return _done_already(photo, raw_model)
        if photo.attempts >= ATTEMPTS:
            # Ids and counts only: nothing of the photo or of whoever sent it.
            log.warning("%s photo %s failed: its re-encoding did not finish in %s attempts", kind, pk, photo.attempts)
            photo.status = model.Status.FAILED
            photo.save(update_fields=["status"])
            return _done_already(photo, raw_model)
        model.objects.filter(pk=pk).update(attempts=F("attempts") + 1)
    # The attempt is counted (committed) whatever happens to the re-encoding below.
    with transaction.atomic():
        photo = model.objects.select_for_update().filter(pk=pk).first()
        if photo is None:
            return None
        if photo.status != model.Status.PENDING:  # another worker finished it meanwhile
            return _done_already(photo, raw_model)
        raw = raw_model.objects.filter(photo_id=pk).values_list("data", flat=True).first()
        try:
            if raw is None:
                raise unreadable("photo")
            content = reencode(io.BytesIO(bytes(raw)))
        except ValidationError as exc:
            log.info("%s photo %s could not be read: %s", kind, pk, exc.messages[0])
            photo.status = model.Status.FAILED
            photo.save(update_fields=["status"])
        else:
            photo.image.save(content.name, content, save=False)
            written = photo.image.name
            fields = ["image", "status"] + [f for f in ("width", "height") if hasattr(photo, f)]
            try:
                photo.status = model.Status.READY
                photo.save(update_fields=fields)
            except Exception:
                photo.image.storage.delete(written)
                raise
        raw_model.objects.filter(photo_id=pk).delete()
    return photo.status


def process_pending(older_than_s=300, limit=200):
    """The photos of every kind still pending some minutes after they were sent (their message lost, or the worker
    stopped while working on them): processed here, each on its own (one that raises does not stop the others; its
    attempts are counted). Returns how many were taken up."""
    from datetime import timedelta

    from django.utils import timezone

    since = timezone.now() - timedelta(seconds=older_than_s)
    taken = 0
    for kind in KINDS:
        model = photo_model(kind)
        ids = list(
            model.objects.filter(status=model.Status.PENDING, created_at__lt=since)
            .order_by("created_at")
            .values_list("pk", flat=True)[: limit - taken]
        )
        for pk in ids:
            try:
                process(pk, kind)
            except Exception as exc:  # the type only: a message may quote the photo's content
                log.warning("%s photo %s: re-encoding raised %s", kind, pk, type(exc).__name__)
        taken += len(ids)
        if taken >= limit:
            break
    return taken
