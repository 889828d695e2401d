"""Case photos: the type is read from the content (not the name), the size is bounded, and every photo is
re-encoded as a fresh JPEG so EXIF data (GPS position, device, owner) never leaves the server."""

import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from cases.models import limits
from common.images import check_header

ACCEPTED = {"JPEG", "PNG", "WEBP", "MPO"}  # MPO: the JPEG variant some phone cameras write


def clean_photo(upload):
    """A ContentFile holding the photo re-encoded without metadata, or a ValidationError naming the file."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    name = getattr(upload, "name", "photo")
    limit = limits()["MAX_PHOTO_BYTES"]
    if upload.size > limit:
        raise ValidationError(
            _("%(name)s is %(size).1f MB; a photo may be at most %(limit).1f MB.")
            % {"name": name, "size": upload.size / 1_048_576, "limit": limit / 1_048_576},
            code="photo_size",
        )
    check_header(upload, name)  # the pixel count from the header, before anything is decoded
    upload.seek(0)
    try:
        with Image.open(upload) as img:
            if img.format not in ACCEPTED:
                raise ValidationError(
                    _("%(name)s is a %(fmt)s file; send a JPEG, PNG or WebP photo.")
                    % {"name": name, "fmt": img.format},
                    code="photo_format",
                )
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
        raise ValidationError(
            _("%(name)s is not a photo that can be read (JPEG, PNG or WebP).") % {"name": name}, code="photo_type"
        )
    finally:
        upload.seek(0)
    return ContentFile(out.getvalue(), name="photo.jpg")


def clean_photos(uploads):
    uploads = [u for u in uploads if u]
    most = limits()["MAX_PHOTOS"]
    if len(uploads) > most:
        raise ValidationError(
            _("At most %(n)s photos per report or step; %(got)s were sent.") % {"n": most, "got": len(uploads)},
            code="photo_count",
        )
    return [clean_photo(u) for u in uploads]
