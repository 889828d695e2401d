"""An inspection's photos go the way of case photos (cases/photos.py): the field API's request checks them from
their headers only and keeps the raw bytes in the database, the photo is pending; the worker's task re-encodes it
without EXIF (ready, raw bytes deleted), or marks it failed when it cannot be decoded."""

import uuid
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases import photos as shared
from cases.models import CasePhoto
from cases.tasks import process_photo
from cases.tests.factories import in_english, jpeg
from inspections.models import Inspection, InspectionPhoto, InspectionPhotoUpload
from inspections.tests.test_inspections import csrf_client, scene, send  # noqa: F401 (scene: a fixture)

pytestmark = pytest.mark.django_db
english = pytest.fixture(autouse=True)(in_english)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def files(root):
    return sorted(p for p in Path(root).rglob("*") if p.is_file()) if Path(root).exists() else []


def test_inspection_photos_are_kept_raw_in_the_request_and_re_encoded_by_the_task(
    scene,  # noqa: F811
    media,
    django_capture_on_commit_callbacks,
):
    raw = jpeg(size=(2000, 1500), gps=True).read()
    whole = jpeg(size=(800, 600)).read()
    broken = whole[: len(whole) // 2]  # a whole header, half the pixels: only decoding tells
    client, token = csrf_client(scene["worker"])
    photos = [SimpleUploadedFile("a.jpg", raw), SimpleUploadedFile("b.jpg", broken)]
    with django_capture_on_commit_callbacks() as queued:
        response = send(client, token, uuid.uuid4(), scene["toilets"], scene["west"], scene["toilet"], photos=photos)
    assert response.status_code == 201, response.content
    inspection = Inspection.objects.get()
    good, bad = inspection.photos.order_by("id")
    assert {good.status, bad.status} == {InspectionPhoto.Status.PENDING} and not good.image
    assert bytes(InspectionPhotoUpload.objects.get(photo=good).data) == raw
    assert files(media) == [] and len(queued) == 1

    assert process_photo(good.pk, "inspection") == InspectionPhoto.Status.READY
    assert process_photo(bad.pk, "inspection") == InspectionPhoto.Status.FAILED
    good.refresh_from_db()
    [stored] = files(media)
    assert Path(good.image.path) == stored
    with Image.open(stored) as img:
        assert img.format == "JPEG" and dict(img.getexif()) == {} and img.size == (1600, 1200)
    assert not InspectionPhotoUpload.objects.exists()
    # The raw bytes (GPS position and all) never enter the audit trail: their table is out of it, as every raw-bytes
    # table is (PhotoBytes.AUDITED), while the photo itself is audited.
    assert not LogEntry.objects.filter(content_type__model="inspectionphotoupload").exists()
    assert LogEntry.objects.filter(content_type__model="inspectionphoto").exists()
    assert not any(raw[:64].hex() in str(e.changes) for e in LogEntry.objects.all())


def test_a_failed_item_s_case_and_the_inspection_keep_their_own_pending_photos_for_the_sweep(scene, media):  # noqa: F811
    client, token = csrf_client(scene["worker"])
    args = (client, token, uuid.uuid4(), scene["toilets"], scene["west"], scene["toilet"])
    response = send(*args, failed=("无异味",), photos=[jpeg(gps=True)])
    assert response.status_code == 201, response.content
    assert InspectionPhoto.objects.get().status == InspectionPhoto.Status.PENDING
    assert CasePhoto.objects.get().status == CasePhoto.Status.PENDING
    assert shared.process_pending(older_than_s=0) == 2  # both kinds on one sweep
    assert InspectionPhoto.objects.get().is_ready and CasePhoto.objects.get().is_ready
    assert not InspectionPhotoUpload.objects.exists() and len(files(media)) == 2


def test_a_hostile_inspection_photo_is_refused_and_nothing_is_kept(scene, media):  # noqa: F811
    client, token = csrf_client(scene["worker"])
    response = send(
        client,
        token,
        uuid.uuid4(),
        scene["toilets"],
        scene["west"],
        scene["toilet"],
        photos=[SimpleUploadedFile("x.jpg", b"%PDF-1.4 not a photo")],
    )
    assert response.status_code == 400 and response.json()["photos"] == [
        "x.jpg 不是可读取的照片（JPEG、PNG 或 WebP）。"
    ]
    assert not Inspection.objects.exists() and not InspectionPhotoUpload.objects.exists() and files(media) == []
