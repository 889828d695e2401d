"""Photos are sized from their header before any pixel is decoded.

Pillow's Image.open reads only the header: width × height is checked against GRIDWORK_MAX_PHOTO_PIXELS before
load() or verify(), so a small file that claims 13,000 × 13,000 pixels (a decompression bomb) is refused without
allocating its pixels. Pillow's own limit (Image.MAX_IMAGE_PIXELS) is set from the same setting at start-up
(common.apps), so no other code path decodes a larger image either.
"""

import re
import warnings

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def max_pixels():
    return settings.GRIDWORK["MAX_PHOTO_PIXELS"]


def set_pillow_limit():
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = max_pixels()


def too_many_pixels(name, width=None, height=None, pixels=None):
    limit = max_pixels()
    if width and height:
        text = _(
            "%(name)s is %(width)s × %(height)s pixels; at most %(limit)s pixels are accepted "
            "(GRIDWORK_MAX_PHOTO_PIXELS). Send a smaller photo."
        ) % {"name": name, "width": width, "height": height, "limit": f"{limit:,}"}
    else:
        text = _(
            "%(name)s has %(pixels)s pixels; at most %(limit)s pixels are accepted "
            "(GRIDWORK_MAX_PHOTO_PIXELS). Send a smaller photo."
        ) % {"name": name, "pixels": f"{pixels:,}" if pixels else _("too many"), "limit": f"{limit:,}"}
    return ValidationError(text, code="photo_pixels")


def check_header(f, name="photo"):
    """Read the image header of an open file (or upload) and refuse it when it has too many pixels.

    Returns the Pillow format name (JPEG, PNG, …) or None when the header cannot be read (the caller's own
    checks say why); the file is rewound.
    """
    from PIL import Image, UnidentifiedImageError

    f = getattr(f, "file", f)
    f.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(f) as img:
                width, height = img.size
                fmt = img.format
    except Image.DecompressionBombError as exc:
        # Pillow refuses images of more than twice its limit while opening them; its message has the count.
        found = re.search(r"\((\d+) pixels\)", str(exc))
        raise too_many_pixels(name, pixels=int(found.group(1)) if found else None)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    finally:
        f.seek(0)
    if width * height > max_pixels():
        raise too_many_pixels(name, width, height)
    return fmt


def validate_pixels(value):
    """Validator for image form fields: the pixel count from the header."""
    if value:
        check_header(value, getattr(value, "name", "photo"))


class PhotoField(forms.ImageField):
    """An image form field that checks the pixel count from the header before Django's own image check
    (which would otherwise answer a decompression bomb with a generic "not an image")."""

    def to_python(self, data):
        if data not in self.empty_values:
            check_header(data, getattr(data, "name", "photo"))
        return super().to_python(data)
