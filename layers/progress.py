"""Progress of running jobs, kept in Redis so the page can poll it while the import's transaction is open."""

import json
import logging

import redis
from django.conf import settings

log = logging.getLogger(__name__)
_client = None


def client():
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2)
    return _client


def key(job_id):
    return f"gridwork:layers:job:{job_id}"


def publish(job_id, processed, total, status):
    try:
        client().set(key(job_id), json.dumps({"processed": processed, "total": total, "status": status}), ex=86400)
    except redis.RedisError as exc:  # progress is a courtesy: the job itself goes on
        log.warning("progress of job %s not published: %s", job_id, exc.__class__.__name__)


def read(job_id):
    try:
        raw = client().get(key(job_id))
    except redis.RedisError:
        return None
    return json.loads(raw) if raw else None


def reset():
    global _client
    _client = None
