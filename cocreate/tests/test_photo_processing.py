"""Photos of a need and of a mediation agreement go the way of case photos (cases/photos.py): the request checks
them from their headers only and keeps the raw bytes in the database (no URL reaches them), the photo is pending;
the worker's task re-encodes it without EXIF (ready, raw bytes deleted) or marks it failed; only a ready photo is
served. The beat's sweep takes up the photos of every kind."""

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cases import photos as shared
from cases.tasks import process_photo
from cases.tests.factories import jpeg
from cocreate.models import (
    Mediation,
    MediationPhoto,
    MediationPhotoUpload,
    Mediator,
    Need,
    NeedPhoto,
    NeedPhotoUpload,
)
from cocreate.tests.factories import scene as make_scene
from grids.tests.factories import point

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def scene(django_user_model):
    s = make_scene(django_user_model)
    s["mediator"] = django_user_model.objects.create_user("cc_mediator", first_name="调解员")
    Mediator.objects.create(user=s["mediator"], community=s["community"])
    m = Mediation(subject="漏水纠纷", description="楼上漏水", location=point(120, 130), received_on=date(2026, 10, 1))
    m.full_clean()
    m.save()
    s["mediation"] = m
    return s


def files(root):
    return sorted(p for p in Path(root).rglob("*") if p.is_file()) if Path(root).exists() else []


def camera_photo(size=(2400, 1800)):
    """A JPEG as a phone writes it: a GPS block in its EXIF."""
    return jpeg(size=size, gps=True).read()


def half_jpeg():
    """A JPEG whose header is whole (type and size read fine) but whose pixel data stops half-way: accepted by a
    request that decodes nothing, refused by any that does."""
    data = camera_photo(size=(800, 600))
    return data[: len(data) // 2]


def need_form(**photos):
    here = point(120, 130)
    return {"title": "修路灯", "topic": "other", "description": "路灯坏了", "lon": here.x, "lat": here.y, **photos}


@pytest.fixture
def eager(monkeypatch):
    """A task sent runs in this process (the worker's code, without a worker)."""
    from gridwork.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


def test_a_need_posted_with_photos_returns_before_any_decoding_and_the_task_stores_them_without_exif(
    client, scene, media, eager, django_capture_on_commit_callbacks
):
    raw, broken = camera_photo(), half_jpeg()
    with Image.open(io.BytesIO(raw)) as sent:
        assert sent.getexif().get(0x8825)  # it really carries a GPS block
    client.force_login(scene["resident"])
    photos = [SimpleUploadedFile("IMG_1.jpg", raw), SimpleUploadedFile("IMG_2.jpg", broken)]
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("cocreate:need-new"), need_form(photos=photos))
    assert response.status_code == 302, response.content.decode()[:2000]
    need = Need.objects.get()
    good, bad = need.photos.order_by("id")
    # Nothing was decoded: the half photo passed like the whole one, both wait raw in the database, nothing is in
    # media storage; the tasks are sent once the need commits.
    assert [p.status for p in (good, bad)] == [NeedPhoto.Status.PENDING] * 2 and not good.image
    assert bytes(NeedPhotoUpload.objects.get(photo=good).data) == raw
    assert bytes(NeedPhotoUpload.objects.get(photo=bad).data) == broken
    assert files(media) == [] and len(queued) == 1

    queued[0]()  # the commit sends one task per photo, with its kind; eager, they run here as the worker would
    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.status, bad.status) == (NeedPhoto.Status.READY, NeedPhoto.Status.FAILED)
    assert not NeedPhotoUpload.objects.exists()
    [stored] = files(media)
    assert Path(good.image.path) == stored
    with Image.open(stored) as img:
        assert img.format == "JPEG" and dict(img.getexif()) == {} and img.size == (1600, 1200)
    assert process_photo(good.pk, "need") == NeedPhoto.Status.READY and files(media) == [stored]  # a retry


def test_a_hostile_need_photo_is_refused_in_the_request_and_nothing_is_kept(client, scene, media):
    client.force_login(scene["resident"])
    gif = io.BytesIO()
    Image.new("RGB", (40, 30)).save(gif, "GIF")
    response = client.post(
        reverse("cocreate:need-new"), need_form(photos=[SimpleUploadedFile("anim.jpg", gif.getvalue())])
    )
    assert response.status_code == 200 and "anim.jpg is a GIF file" in response.content.decode()
    assert not Need.objects.exists() and not NeedPhoto.objects.exists() and not NeedPhotoUpload.objects.exists()
    assert files(media) == []


def test_an_agreement_photo_is_served_only_once_the_worker_has_re_encoded_it(
    client, scene, media, django_capture_on_commit_callbacks
):
    m = scene["mediation"]
    client.force_login(scene["mediator"])
    page_url = reverse("cocreate:mediation", args=[m.pk])
    form = {"step": "agreement", "on": "2026-10-20", "note": "双方同意修复"}
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(page_url, {**form, "photos": [SimpleUploadedFile("paper.jpg", camera_photo())]})
    assert response.status_code == 302
    photo = MediationPhoto.objects.get(mediation=m)
    assert photo.status == MediationPhoto.Status.PENDING and MediationPhotoUpload.objects.filter(photo=photo).exists()
    assert files(media) == [] and len(queued) == 1
    photo_url = reverse("cocreate:mediation-photo", args=[photo.pk])
    page = client.get(page_url).content.decode()
    assert "Photo being processed" in page and photo_url not in page
    assert client.get(photo_url).status_code == 404

    assert process_photo(photo.pk, "mediation") == MediationPhoto.Status.READY
    served = client.get(photo_url)
    assert served.status_code == 200 and b"".join(served.streaming_content).startswith(b"\xff\xd8")
    assert f'src="{photo_url}"' in client.get(page_url).content.decode()
    assert not MediationPhotoUpload.objects.exists()


def test_a_failed_agreement_photo_is_said_so_and_served_by_no_url(client, scene, media):
    m = scene["mediation"]
    client.force_login(scene["mediator"])
    client.post(
        reverse("cocreate:mediation", args=[m.pk]),
        {"step": "agreement", "on": "2026-10-20", "note": "同意", "photos": [SimpleUploadedFile("h.jpg", half_jpeg())]},
    )
    photo = MediationPhoto.objects.get(mediation=m)
    assert process_photo(photo.pk, "mediation") == MediationPhoto.Status.FAILED
    assert client.get(reverse("cocreate:mediation-photo", args=[photo.pk])).status_code == 404
    page = client.get(reverse("cocreate:mediation", args=[m.pk])).content.decode()
    assert "This photo could not be read." in page and files(media) == []
    chinese = client.get(reverse("cocreate:mediation", args=[m.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "此照片无法读取。" in chinese.content.decode()
    assert not MediationPhotoUpload.objects.exists()


def test_the_sweep_takes_up_need_and_agreement_photos_and_a_deleted_need_takes_its_raw_bytes(scene, media):
    from cocreate import mediation, services

    need = services.post_need(
        scene["resident"], title="修路", description="坑洼", location=point(150, 150), photos=[jpeg(gps=True)]
    )
    mediation.record_step(scene["mediation"], scene["mediator"], "agreement", date(2026, 10, 20), "同意", [jpeg()])
    gone = services.post_need(scene["resident"], title="x", description="y", location=point(150, 150), photos=[jpeg()])
    Need.objects.filter(pk=gone.pk).delete()
    assert NeedPhotoUpload.objects.count() == 1  # the deleted need's raw bytes went with it
    assert shared.process_pending(older_than_s=0) == 2
    assert need.photos.get().status == NeedPhoto.Status.READY
    assert MediationPhoto.objects.get().status == MediationPhoto.Status.READY
    assert not NeedPhotoUpload.objects.exists() and not MediationPhotoUpload.objects.exists()
    assert shared.process_pending(older_than_s=0) == 0
