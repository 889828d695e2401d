"""Test places and cases: a community of two cells (west x 0-500 m, east 500-1000 m) on the test grid."""

import io
from datetime import date

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from cases import services
from cases.models import Case, Category
from grids.models import GridAssignment
from grids.tests.factories import make_cells, make_community, point


def load_categories():
    call_command("loaddata", "case_categories", verbosity=0)


def place(django_user_model):
    load_categories()
    community = make_community()
    west, east = make_cells(community, 2, 1)
    worker = django_user_model.objects.create_user("gw", first_name="网格员小王", password="x-long-password-1")
    worker.user_permissions.add(Permission.objects.get(codename="verify_case"))
    GridAssignment.objects.create(cell=west, worker=worker, start=date(2020, 1, 1))
    return community, west, east, worker


def dispatcher(django_user_model, username="disp"):
    """A dispatcher of the test district (the area make_community builds in)."""
    from accounts.models import Membership, Role
    from grids.tests.factories import test_district

    user = django_user_model.objects.create_user(username, first_name="调度员", password="x-long-password-1")
    user.user_permissions.add(*Permission.objects.filter(codename__in=["dispatch_case", "view_case"]))
    Membership.objects.create(user=user, role=Role.DISPATCHER, district=test_district())
    return user


def jpeg(size=(64, 48), gps=False, fmt="JPEG", name="p.jpg"):
    img = Image.new("RGB", size, (120, 180, 90))
    out = io.BytesIO()
    kwargs = {}
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x0110] = "PhoneModel X"  # Model
        exif[0x8825] = {1: "N", 2: (30.0, 30.0, 0.0), 3: "E", 4: (114.0, 19.0, 0.0)}  # GPS IFD
        kwargs["exif"] = exif
    img.save(out, fmt, **kwargs)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def report(x=100, y=100, code="0101", reporter=None, photos=(), **kw):
    kw.setdefault("contact_phone", "13812345678")
    return services.submit(
        services.Report(
            kind=kw.pop("kind", Case.Kind.PROBLEM),
            category=Category.objects.get(code=code),
            description=kw.pop("description", "路边垃圾堆积"),
            location=point(x, y),
            reporter=reporter,
            photos=photos,
            **kw,
        )
    )


def in_english():
    """Messages checked by text are checked in English (Chinese is the default language)."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


def report_form(**kw):
    """The report page's form fields for a problem at (120, 300) in the test community; `kw` adds or replaces."""
    here = point(120, 300)
    data = {
        "kind": "problem",
        "category": "0101",
        "description": "路边垃圾",
        "lon": here.x,
        "lat": here.y,
        "contact_phone": "13812345678",
    }
    data.update(kw)
    return data
