"""Photo rules shared by asset photos, inspections and maintenance logs: real images of a bounded size."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from common.images import check_header

ACCEPTED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}


def max_photo_bytes():
    return settings.ASSETS["MAX_PHOTO_BYTES"]


def validate_photo(value):
    """Refuse files that are too large or that Pillow cannot read as a JPEG, PNG or WebP image."""
    if not value:
        return
    from PIL import Image, UnidentifiedImageError

    limit = max_photo_bytes()
    if value.size > limit:
        raise ValidationError(
            _("The photo is %(size).1f MB; at most %(limit).1f MB is accepted.")
            % {"size": value.size / 1_048_576, "limit": limit / 1_048_576},
            code="photo_size",
        )
    f = getattr(value, "file", value)
    check_header(f, value.name)  # the pixel count from the header, before anything is decoded
    try:
        f.seek(0)
        with Image.open(f) as img:
            fmt = img.format
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _("%(name)s is not an image that can be read (JPEG, PNG or WebP).") % {"name": value.name},
            code="photo_type",
        )
    finally:
        f.seek(0)
    if fmt not in ACCEPTED_FORMATS:
        raise ValidationError(
            _("%(name)s is a %(fmt)s image; send a JPEG, PNG or WebP photo.") % {"name": value.name, "fmt": fmt},
            code="photo_format",
        )
