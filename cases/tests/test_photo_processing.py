"""Case photos are re-encoded by the worker, not in the request: the request checks what the header tells (and
refuses a bad photo with its own message, saving nothing), keeps the raw bytes out of every URL and leaves the
photo pending; the task re-encodes it without EXIF and deletes the raw bytes, or marks a photo it cannot decode
failed. Nothing but a ready photo is ever served."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from PIL import Image

from cases import photos as case_photos
from cases.models import Case, CaseEvent, CasePhoto, PhotoUpload
from cases.tests.factories import dispatcher, jpeg, place, report, report_form

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json", "HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def eager(monkeypatch):
    """The queued task runs in this process when it is sent (the worker's code, without a worker)."""
    from gridwork.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


@pytest.fixture
def scene(django_user_model):
    place(django_user_model)
    return {"dispatcher": dispatcher(django_user_model)}


def files(root):
    return sorted(p for p in Path(root).rglob("*") if p.is_file()) if Path(root).exists() else []


def camera_photo(size=(3000, 2000), name="IMG_0001.jpg"):
    """A JPEG as a phone writes it: detailed pixels (a few hundred kB and more) and a GPS block in its EXIF."""
    img = Image.effect_mandelbrot(size, (-2.0, -1.0, 1.0, 1.0), 40).convert("RGB")
    img = Image.blend(img, Image.effect_noise(size, 30).convert("RGB"), 0.3)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (30.0, 30.0, 0.0), 3: "E", 4: (114.0, 19.0, 0.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def fields(**kw):
    return report_form(**kw)


def test_a_report_returns_with_its_photo_pending_and_the_worker_stores_it_without_exif(
    client, scene, media, eager, django_capture_on_commit_callbacks
):
    raw = camera_photo()
    with Image.open(io.BytesIO(raw)) as sent:
        assert sent.size == (3000, 2000) and sent.getexif().get(0x8825)  # it really carries a GPS block
    with django_capture_on_commit_callbacks() as queued:
        response = client.post("/cases/report/", fields(photos=SimpleUploadedFile("IMG_0001.jpg", raw)), **JSON)
    assert response.status_code == 201, response.content
    photo = CasePhoto.objects.get()
    # Answered before any re-encoding: the photo is pending, its bytes as sent wait in the database, nothing is in
    # media storage, and one task is waiting for the commit.
    assert photo.status == CasePhoto.Status.PENDING and not photo.image
    assert bytes(PhotoUpload.objects.get(photo=photo).data) == raw
    assert files(media) == []
    assert len(queued) == 1

    staff = signed_in(scene["dispatcher"])
    page = staff.get(reverse("cases:detail", args=[photo.case_id]), headers={"accept-language": "en"})
    assert "Photo being processed" in page.content.decode()
    assert reverse("cases:photo", args=[photo.pk]) not in page.content.decode()
    assert staff.get(reverse("cases:photo", args=[photo.pk])).status_code == 404

    queued[0]()  # the commit sends the task; eager, it runs here as the worker would
    photo.refresh_from_db()
    assert photo.status == CasePhoto.Status.READY and not PhotoUpload.objects.exists()
    [stored] = files(media)
    assert Path(photo.image.path) == stored
    with Image.open(stored) as img:
        assert img.format == "JPEG" and dict(img.getexif()) == {} and "exif" not in img.info
        assert img.size == (1600, 1067) and (photo.width, photo.height) == img.size
    served = staff.get(reverse("cases:photo", args=[photo.pk]))
    assert served.status_code == 200 and b"".join(served.streaming_content) == stored.read_bytes()
    page = staff.get(reverse("cases:detail", args=[photo.case_id]), headers={"accept-language": "en"})
    assert reverse("cases:photo", args=[photo.pk]) in page.content.decode()

    # A retry (a message delivered twice, the sweep, a second worker) changes nothing.
    name = photo.image.name
    assert case_photos.process(photo.pk) == CasePhoto.Status.READY
    photo.refresh_from_db()
    assert photo.image.name == name and files(media) == [stored]


def signed_in(user):
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c


def truncated_jpeg():
    """A JPEG whose header is whole (type and size read fine) but whose pixel data stops half-way."""
    data = camera_photo(size=(800, 600))
    return data[: len(data) // 2]


def test_a_photo_that_cannot_be_decoded_ends_failed_with_nothing_raw_left(client, scene, media):
    data = truncated_jpeg()
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "JPEG" and img.size == (800, 600)  # the header check lets it through
    case = report(photos=[SimpleUploadedFile("half.jpg", data)])
    photo = case.photos.get()
    assert photo.status == CasePhoto.Status.PENDING
    assert case_photos.process(photo.pk) == CasePhoto.Status.FAILED
    photo.refresh_from_db()
    assert photo.status == CasePhoto.Status.FAILED and not photo.image
    assert not PhotoUpload.objects.exists() and files(media) == []
    staff = signed_in(scene["dispatcher"])
    assert staff.get(reverse("cases:photo", args=[photo.pk])).status_code == 404
    english = staff.get(reverse("cases:detail", args=[case.pk]), headers={"accept-language": "en"}).content.decode()
    assert "This photo could not be read." in english
    chinese = staff.get(reverse("cases:detail", args=[case.pk]), headers={"accept-language": "zh-hans"})
    assert "此照片无法读取。" in chinese.content.decode()
    assert case_photos.process(photo.pk) == CasePhoto.Status.FAILED  # again: nothing changes


def test_a_rolled_back_report_leaves_no_photo_no_raw_bytes_and_no_queued_work(
    scene, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                report(photos=[SimpleUploadedFile("a.jpg", camera_photo(size=(640, 480)))])
                assert CasePhoto.objects.count() == 1 and PhotoUpload.objects.count() == 1
                raise RuntimeError("a later step of the same transaction fails")
    assert queued == []
    assert not Case.objects.exists() and not CasePhoto.objects.exists() and not PhotoUpload.objects.exists()
    assert files(media) == []


def test_a_pending_photo_is_served_by_no_url(client, scene, media):
    raw = camera_photo(size=(640, 480))
    case = report(photos=[SimpleUploadedFile("gps.jpg", raw)])
    photo = case.photos.get()
    # Nothing is written to media storage, so no /media/ address can lead to the raw bytes.
    assert files(media) == []
    stranger = client
    staff = signed_in(scene["dispatcher"])
    guesses = [
        reverse("cases:photo", args=[photo.pk]),
        f"/media/cases/{photo.created_at:%Y/%m}/{photo.pk}.jpg",
        f"/media/{photo.pk}",
        f"/open311/v2/requests/{case.pk}.json",
        f"/open311/v2/requests.json?service_request_id={case.pk}",
        reverse("cases:track", args=[case.token]),
        reverse("cases:detail", args=[case.pk]),
    ]
    for who in (stranger, staff):
        for url in guesses:
            response = who.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert raw[:4096] not in body, url
            assert response.status_code != 200 or b"\xff\xd8" != body[:2], url  # never a JPEG
    assert staff.get(reverse("cases:photo", args=[photo.pk])).status_code == 404


def png_header(width, height):
    """A PNG whose header says width × height, without the pixels (a decompression bomb's header)."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 256)) + chunk(b"IEND", b"")
    )


def gif():
    out = io.BytesIO()
    Image.new("RGB", (40, 30)).save(out, "GIF")
    return out.getvalue()


@pytest.mark.parametrize(
    "photos,message",
    [
        ([SimpleUploadedFile("empty.jpg", b"")], "empty.jpg is not a photo that can be read"),
        ([SimpleUploadedFile("bomb.png", png_header(13000, 13000))], "at most 40,000,000 pixels"),
        ([SimpleUploadedFile("wide.png", png_header(8000, 6000))], "8000 × 6000 pixels"),
        ([SimpleUploadedFile("anim.jpg", gif())], "anim.jpg is a GIF file"),
        ([SimpleUploadedFile("x.jpg", b"%PDF-1.4 not a photo")], "x.jpg is not a photo that can be read"),
        ([jpeg(name=f"{i}.jpg") for i in range(41)], "At most 6 photos per report or step; 41 were sent."),
    ],
    ids=["zero-bytes", "bomb-header", "over-the-pixel-limit", "gif-named-jpg", "not-an-image", "41-photos"],
)
def test_hostile_photos_are_refused_in_the_request_and_nothing_is_kept(
    client, scene, media, photos, message, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = client.post("/cases/report/", fields(photos=photos), **JSON)
    assert response.status_code == 400
    assert any(message in m for m in response.json()["photos"]), response.json()
    assert queued == [] and files(media) == []
    assert not Case.objects.exists() and not CasePhoto.objects.exists() and not PhotoUpload.objects.exists()


def test_a_png_named_jpg_is_read_as_a_png_and_stored_as_a_jpeg(scene, media):
    case = report(photos=[jpeg(size=(2400, 1200), gps=True, fmt="PNG", name="looks-like.jpg")])
    photo = case.photos.get()
    assert case_photos.process(photo.pk) == CasePhoto.Status.READY
    photo.refresh_from_db()
    with Image.open(photo.image.path) as img:
        assert img.format == "JPEG" and img.size == (1600, 800) and dict(img.getexif()) == {}


def test_photos_of_a_step_and_of_an_added_note_are_processed_the_same_way(scene, media):
    from cases import services

    case = report()
    services.add_to(case, None, "又堆了一些", [jpeg(gps=True)])
    added = CasePhoto.objects.get(event__action="add")
    assert added.status == CasePhoto.Status.PENDING and PhotoUpload.objects.filter(photo=added).exists()
    assert case_photos.process_pending(older_than_s=0) == 1  # the sweep of photos whose message was lost
    added.refresh_from_db()
    assert added.status == CasePhoto.Status.READY and not PhotoUpload.objects.exists()
    assert CaseEvent.objects.filter(case=case, action="add").get().photos.get() == added


def test_a_deleted_case_takes_its_pending_photo_with_it_and_the_task_has_nothing_to_do(scene, media):
    case = report(photos=[jpeg()])
    pk = case.photos.get().pk
    Case.objects.filter(pk=case.pk).delete()
    assert not PhotoUpload.objects.exists()
    assert case_photos.process(pk) is None and files(media) == []
