"""Assessment photos stored before their re-encoding moved to the worker (cogov 0003) were kept as sent: EXIF, GPS
position and the sender's file name in the media file. Each is handed to the worker as a new upload would be: its
bytes into its raw-bytes row, the photo pending (not shown) until re-encoded, the original file deleted. A photo whose
file is missing is failed. The worker's sweep (cases.process_pending_photos) takes them up."""

from django.core.files.storage import default_storage
from django.db import migrations, transaction


def reencode(apps, schema_editor):
    Photo = apps.get_model("cogov", "AssessmentPhoto")
    Upload = apps.get_model("cogov", "AssessmentPhotoUpload")
    sent = []  # the original files, deleted once their bytes are committed in the raw rows
    for photo in Photo.objects.filter(status="ready").exclude(image="").iterator():
        name = photo.image.name
        try:
            with default_storage.open(name, "rb") as f:
                data = f.read()
        except (FileNotFoundError, OSError):
            Photo.objects.filter(pk=photo.pk).update(status="failed", image="")
            continue
        Upload.objects.update_or_create(photo_id=photo.pk, defaults={"data": data})
        Photo.objects.filter(pk=photo.pk).update(status="pending", image="", attempts=0)
        sent.append(name)
    if sent:
        transaction.on_commit(lambda: [default_storage.delete(name) for name in sent])


class Migration(migrations.Migration):
    dependencies = [
        ("cogov", "0003_photo_processing"),
    ]

    operations = [migrations.RunPython(reencode, migrations.RunPython.noop)]
