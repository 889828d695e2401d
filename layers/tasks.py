from gridwork.celery import app


@app.task(name="layers.run_import", acks_late=True)
def run_import(job_id):
    from layers.importer import run_import as run
    from layers.models import ImportJob

    job = ImportJob.objects.filter(pk=job_id).first()
    if job is not None and not job.finished:
        run(job)


@app.task(name="layers.convert_raster", acks_late=True)
def convert_raster(raster_id):
    from layers.imagery import run_conversion

    run_conversion(raster_id)
