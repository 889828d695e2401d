"""A household assessment's photos go the way of case photos (cases/photos.py): checked from their headers when
the assessment is recorded (a bad one refuses the whole assessment, nothing saved), kept raw in the database and
pending; the worker's task re-encodes them without EXIF and deletes the raw bytes. Before, they were stored as sent
(EXIF, GPS position and the file's own name included)."""

import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import Membership, Role
from cases import photos as shared
from cases.tasks import process_photo
from cases.tests.factories import jpeg
from cogov import services
from cogov.models import AssessmentPhoto, AssessmentPhotoUpload, Rating
from cogov.tests.factories import small_community

pytestmark = pytest.mark.django_db

PASS = {k: True for k in services.CHECKLISTS[Rating.Kind.COURTYARD]}


@pytest.fixture
def setup(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    community, homes = small_community(1)
    staff = get_user_model().objects.create_user("assessor", password="x" * 12)
    Membership.objects.create(user=staff, role=Role.MANAGER, community=community)
    rating = services.apply_rating(homes[0], Rating.Kind.COURTYARD, year=2026)
    return rating, staff, settings.MEDIA_ROOT


def files(root):
    return sorted(p for p in Path(root).rglob("*") if p.is_file()) if Path(root).exists() else []


def test_assessment_photos_are_kept_raw_and_re_encoded_by_the_task_without_exif(setup):
    rating, staff, media = setup
    raw = jpeg(size=(2000, 1000), gps=True).read()
    rating = services.assess(rating, by=staff, checklist=PASS, photos=[SimpleUploadedFile("张三家院子.jpg", raw)])
    photo = rating.photos.get()
    assert photo.status == AssessmentPhoto.Status.PENDING and not photo.image and files(media) == []
    assert bytes(AssessmentPhotoUpload.objects.get(photo=photo).data) == raw

    assert process_photo(photo.pk, "assessment") == AssessmentPhoto.Status.READY
    photo.refresh_from_db()
    [stored] = files(media)
    assert Path(photo.image.path) == stored and "张三" not in photo.image.name  # the sender's file name is not kept
    with Image.open(stored) as img:
        assert img.format == "JPEG" and dict(img.getexif()) == {} and img.size == (1600, 800)
    assert not AssessmentPhotoUpload.objects.exists()


def test_a_photo_that_is_no_photo_refuses_the_assessment_and_nothing_is_saved(setup):
    rating, staff, media = setup
    gif = io.BytesIO()
    Image.new("RGB", (40, 30)).save(gif, "GIF")
    with pytest.raises(ValidationError) as refused:
        services.assess(rating, by=staff, checklist=PASS, photos=[SimpleUploadedFile("yard.jpg", gif.getvalue())])
    assert refused.value.message_dict == {"photos": ["yard.jpg is a GIF file; send a JPEG, PNG or WebP photo."]}
    rating.refresh_from_db()
    assert rating.status == Rating.Status.APPLIED and not AssessmentPhoto.objects.exists() and files(media) == []


def test_the_sweep_takes_up_an_assessment_photo(setup):
    rating, staff, media = setup
    services.assess(rating, by=staff, checklist=PASS, photos=[jpeg(gps=True)])
    assert shared.process_pending(older_than_s=0) == 1
    assert AssessmentPhoto.objects.get().is_ready and not AssessmentPhotoUpload.objects.exists()


def test_photos_stored_as_sent_before_the_worker_are_re_encoded_too(setup, django_capture_on_commit_callbacks):
    """cogov 0004: a photo kept as sent by the earlier code (EXIF and GPS in its media file, the sender's file name)
    is handed to the worker, its original file deleted; one whose file is gone is failed."""
    import importlib

    from django.apps import apps as live_apps
    from django.core.files.base import ContentFile

    rating, _staff, media = setup
    raw = jpeg(size=(800, 600), gps=True).read()
    old = AssessmentPhoto.objects.create(rating=rating, status=AssessmentPhoto.Status.READY)
    old.image.save("张三家院子.jpg", ContentFile(raw))
    gone = AssessmentPhoto.objects.create(rating=rating, status=AssessmentPhoto.Status.READY, image="cogov/x/none.jpg")
    [original] = files(media)
    with Image.open(original) as img:
        assert dict(img.getexif())  # as sent: EXIF kept

    migration = importlib.import_module("cogov.migrations.0004_reencode_earlier_assessment_photos")
    with django_capture_on_commit_callbacks(execute=True):
        migration.reencode(live_apps, None)
    old.refresh_from_db(), gone.refresh_from_db()
    assert (old.status, old.image.name, gone.status) == ("pending", "", "failed")
    assert bytes(AssessmentPhotoUpload.objects.get(photo=old).data) == raw
    assert files(media) == []  # the file as sent is deleted

    assert process_photo(old.pk, "assessment") == AssessmentPhoto.Status.READY
    old.refresh_from_db()
    with Image.open(old.image.path) as img:
        assert dict(img.getexif()) == {} and "张三" not in old.image.name
