import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from layers import notes, progress, targets
from layers.forms import MappingForm, UploadForm, target_choices
from layers.importer import preview_geojson
from layers.jobs import discard, inspect
from layers.models import ImportJob
from layers.readers import LayerFileError, handler_for

log = logging.getLogger(__name__)


def visible_jobs(user):
    jobs = ImportJob.objects.select_related("overlay", "created_by")
    return jobs if user.is_superuser else jobs.filter(created_by=user)


def too_large(request):
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return length > settings.LAYERS["MAX_UPLOAD_MB"] * 1024 * 1024 + 64 * 1024


@login_required
def imports(request):
    if not target_choices(request.user):
        raise PermissionDenied
    if request.method == "POST" and too_large(request):
        # Refused before the body is read: a huge upload never reaches the disk.
        form = UploadForm(user=request.user)
        form.errors["file"] = form.error_class(
            [_("The file is larger than %(limit)s MB.") % {"limit": settings.LAYERS["MAX_UPLOAD_MB"]}]
        )
        return render(
            request, "layers/imports.html", {"form": form, "jobs": visible_jobs(request.user)[:20]}, status=413
        )
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        job = create_job(request, form)
        if job is not None:
            return redirect("layers:import-detail", pk=job.pk)
    return render(request, "layers/imports.html", {"form": form, "jobs": visible_jobs(request.user)[:20]})


def create_job(request, form):
    upload = form.cleaned_data["file"]
    try:
        handler = handler_for(upload.name)
    except LayerFileError as exc:
        form.add_error("file", str(exc))
        return None
    job = ImportJob(
        original_name=upload.name[:255],
        format=handler.format,
        target=form.cleaned_data["target"],
        crs_override=form.cleaned_data["crs"],
        source_layer=form.cleaned_data["layer"].strip(),
        created_by=request.user,
    )
    kept = False
    try:
        job.file.save(upload.name, upload, save=False)
        inspect(job)
        with transaction.atomic():  # the overlay layer and the job row together, or neither
            job.overlay = form.overlay()
            job.save()
        kept = True
    except LayerFileError as exc:
        form.add_error("file", str(exc))
        return None
    finally:
        if not kept:  # whatever went wrong: no stored file, no unpacked folder, no row
            discard(job)
    return job


@login_required
def import_detail(request, pk):
    job = get_object_or_404(visible_jobs(request.user), pk=pk)
    target = targets.get(job.target)
    form = None
    if job.status == ImportJob.Status.UPLOADED:
        form = MappingForm(request.POST or None, target=target, columns=job.fields, initial_mapping=job.mapping)
        if request.method == "POST" and form.is_valid():
            job.mapping = form.mapping()
            job.key_field = form.cleaned_data["key_field"]
            job.status = ImportJob.Status.QUEUED
            job.save()
            if not enqueue(job):
                messages.error(request, _("The job queue cannot be reached; the import was not started. Try again."))
                job.status = ImportJob.Status.UPLOADED
                job.save(update_fields=["status", "updated_at"])
            return redirect("layers:import-detail", pk=job.pk)
    report = Paginator(job.report or [], 200).get_page(request.GET.get("page"))
    report.object_list = [[r[0], r[1], r[2], notes.text(r[3])] for r in report.object_list]
    return render(
        request,
        "layers/import_detail.html",
        {
            "job": job,
            "target": target,
            "form": form,
            "report": report,
            "summary": notes.summary(job.report) if job.status == ImportJob.Status.DONE else [],
            "progress_url": reverse("layers:import-progress", args=[job.pk]),
            "preview_url": reverse("layers:import-preview", args=[job.pk]),
            "config": {"preview": reverse("layers:import-preview", args=[job.pk])},
        },
    )


def enqueue(job):
    from layers.tasks import run_import

    try:
        run_import.apply_async(args=[job.pk], retry=False)
    except OperationalError as exc:
        log.warning("job %s not queued: %s", job.pk, exc)
        return False
    return True


@login_required
def import_progress(request, pk):
    job = get_object_or_404(visible_jobs(request.user), pk=pk)
    live = progress.read(job.pk) if not job.finished else None
    processed, total = job.processed, job.total
    if live:
        processed, total = live["processed"], live["total"] or total
    percent = 100 if job.status == ImportJob.Status.DONE else (int(100 * processed / total) if total else 0)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "processed": processed,
            "total": total,
            "percent": percent,
            "imported": job.imported,
            "updated": job.updated,
            "skipped": job.skipped,
            "error": job.error,
            "finished": job.finished,
        }
    )


@login_required
def import_preview(request, pk):
    job = get_object_or_404(visible_jobs(request.user), pk=pk)
    if job.status != ImportJob.Status.UPLOADED:
        return JsonResponse({"type": "FeatureCollection", "features": []})
    try:
        data = preview_geojson(job)
    except LayerFileError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
