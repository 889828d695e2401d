"""Reporting: a case gets its community, cell and worker from the location; photos are re-encoded without EXIF;
bad input is refused with a clear message and leaves nothing behind."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases.models import Case, CaseEvent, CasePhoto
from cases.photos import process_pending
from cases.tests.factories import jpeg, place, report
from grids.tests.factories import point

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(django_user_model):
    return place(django_user_model)


def nothing_saved():
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0 and CasePhoto.objects.count() == 0


def post(client, **data):
    p = point(data.pop("x", 100), data.pop("y", 100))
    form = {
        "kind": "problem",
        "category": "0101",
        "description": "路边垃圾堆积",
        "lon": p.x,
        "lat": p.y,
        "contact_name": "张三",
        "contact_phone": "13812345678",
    }
    form.update(data)
    return client.post("/cases/report/", form, headers={"accept-language": "en"})


def test_a_report_is_placed_in_its_cell_and_community_with_the_cells_worker(scene):
    community, west, east, worker = scene
    case = report(x=100, y=100)
    assert (case.community, case.cell, case.grid_worker, case.state, case.version) == (
        community,
        west,
        worker,
        "reported",
        1,
    )
    assert case.events.get().action == "report" and len(case.token) >= 16
    east_case = report(x=900, y=100)
    assert east_case.cell == east and east_case.grid_worker is None


def test_photos_are_sniffed_by_content_and_stored_without_exif(scene):
    src = jpeg(size=(3000, 2000), gps=True, fmt="PNG", name="looks-like.jpg")
    with Image.open(io.BytesIO(jpeg(gps=True).read())) as original:
        assert original.getexif().get(0x8825)  # the test photo really carries a GPS block
    case = report(photos=[src])
    process_pending(older_than_s=0)  # what the worker does once the report commits (cases/photos.py)
    photo = case.photos.get()
    with Image.open(photo.image.path) as stored:
        assert stored.format == "JPEG"
        assert dict(stored.getexif()) == {}
        assert max(stored.size) == settings.CASES["PHOTO_MAX_SIDE"]


def test_the_mobile_form_saves_a_report_with_photos_and_shows_its_tracking_page(client, scene):
    p = point(150, 120)
    response = client.post(
        "/cases/report/",
        {
            "kind": "problem",
            "category": "0102",
            "description": "楼道口堆放杂物",
            "lon": p.x,
            "lat": p.y,
            "contact_phone": "13812345678",
            "photos": [jpeg(name="a.jpg"), jpeg(name="b.jpg")],
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/track/{case.token}/"
    assert case.photos.count() == 2 and case.category.code == "0102"


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"x": -5000, "y": -5000}, None, "outside every community"),
        ({"category": "9999"}, "category", "Unknown category"),
        ({"description": "字" * 1001}, "description", "1000"),
        ({"contact_name": "", "contact_phone": ""}, None, "contact"),
        ({"contact_phone": "12345"}, "contact_phone", "11-digit"),
        ({"lon": "", "lat": ""}, None, "Locate the case"),
    ],
)
def test_bad_reports_get_a_clear_error_and_nothing_is_saved(client, scene, data, field, message):
    response = post(client, **data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    nothing_saved()


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


@pytest.mark.parametrize(
    "photos,message",
    [
        ([upload("fake.jpg", b"%PDF-1.4 not a photo")], "not a photo that can be read"),
        ([upload("big.jpg", jpeg(size=(800, 800)).read() + b"\0" * 300_000)], "at most 0.2 MB"),
        ([jpeg(name=f"{i}.jpg") for i in range(7)], "At most 6 photos"),
    ],
)
def test_bad_photos_are_refused_and_nothing_is_saved(client, scene, settings, photos, message):
    settings.CASES = {**settings.CASES, "MAX_PHOTO_BYTES": 200_000}
    files_before = set(Path(settings.MEDIA_ROOT).rglob("*")) if Path(settings.MEDIA_ROOT).exists() else set()
    response = post(client, photos=photos)
    assert message in response.content.decode()
    nothing_saved()
    files_after = set(Path(settings.MEDIA_ROOT).rglob("*")) if Path(settings.MEDIA_ROOT).exists() else set()
    assert files_after == files_before


def test_a_photo_failing_after_the_case_row_would_be_written_leaves_nothing(scene):
    with pytest.raises(ValidationError):
        report(photos=[jpeg(), upload("x.jpg", b"GIF89a....")])
    nothing_saved()
