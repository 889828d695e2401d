"""A photo whose re-encoding crashes or kills the worker every time (a decoder bug, memory) is not taken up again
without end: each start is counted before anything is decoded, and after cases.photos.ATTEMPTS starts the photo is
failed, its raw bytes deleted, with a log line that names nothing but the photo's kind and id. One poisoned photo
does not stop the sweep from re-encoding the others."""

import logging

import pytest
from PIL import ImageOps

from cases import photos as case_photos
from cases.models import CasePhoto, PhotoUpload
from cases.tests.factories import jpeg, place, report

pytestmark = pytest.mark.django_db

POISON = (640, 480)  # the size of the photo whose decoding fails in these tests


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def scene(django_user_model):
    place(django_user_model)


def poisoned(monkeypatch, crash):
    """Pillow's decoding of a POISON-sized photo raises `crash` (what a decoder bug or a killed worker does to the
    re-encoding); other photos decode as usual."""
    transpose = ImageOps.exif_transpose

    def exif_transpose(img, *args, **kwargs):
        if img.size == POISON:
            raise crash
        return transpose(img, *args, **kwargs)

    monkeypatch.setattr(ImageOps, "exif_transpose", exif_transpose)


@pytest.mark.parametrize("crash", [RuntimeError("decoder bug"), SystemExit(1)], ids=["raises", "worker-killed"])
def test_a_photo_that_crashes_every_time_is_failed_after_three_attempts(scene, media, monkeypatch, caplog, crash):
    poisoned(monkeypatch, crash)
    case = report(
        photos=[jpeg(size=POISON, gps=True)],
        description="门口堆了很多垃圾",
        contact_name="李四",
        contact_phone="13900001111",
    )
    photo = case.photos.get()
    for attempt in range(1, case_photos.ATTEMPTS + 1):
        with pytest.raises(type(crash)):
            case_photos.process(photo.pk)  # the task's run, crashing half-way through the re-encoding
        photo.refresh_from_db()
        # The start is counted although the re-encoding's transaction was rolled back.
        assert photo.status == CasePhoto.Status.PENDING and photo.attempts == attempt
        assert PhotoUpload.objects.filter(photo=photo).exists()

    with caplog.at_level(logging.INFO, logger="cases.photos"):
        assert case_photos.process_pending(older_than_s=0) == 1  # the sweep: not tried a fourth time
    photo.refresh_from_db()
    assert photo.status == CasePhoto.Status.FAILED and photo.attempts == case_photos.ATTEMPTS and not photo.image
    assert not PhotoUpload.objects.exists()
    assert [r.getMessage() for r in caplog.records] == [
        f"case photo {photo.pk} failed: its re-encoding did not finish in 3 attempts"
    ]
    # Later sweeps have nothing left to do.
    assert case_photos.process_pending(older_than_s=0) == 0
    assert case_photos.process(photo.pk) == CasePhoto.Status.FAILED


def test_the_sweep_goes_on_past_a_photo_that_crashes(scene, media, monkeypatch, caplog):
    poisoned(monkeypatch, RuntimeError("decoder bug /home/someone/IMG_0001.jpg"))
    bad = report(photos=[jpeg(size=POISON)]).photos.get()  # the oldest: the sweep takes it first
    good = report(photos=[jpeg(size=(64, 48))]).photos.get()
    with caplog.at_level(logging.INFO, logger="cases.photos"):
        assert case_photos.process_pending(older_than_s=0) == 2
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.status == CasePhoto.Status.PENDING and bad.attempts == 1
    assert good.status == CasePhoto.Status.READY and good.attempts == 1
    assert list(PhotoUpload.objects.values_list("photo_id", flat=True)) == [bad.pk]
    # The log names the photo and the exception's type, not its message.
    assert [r.getMessage() for r in caplog.records] == [f"case photo {bad.pk}: re-encoding raised RuntimeError"]
