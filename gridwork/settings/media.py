"""Where media (uploads, photos, imported files, rasters) are kept, from GRIDWORK_MEDIA_URL.

- unset, or `file:` — a folder, MEDIA_ROOT (on several machines: one shared volume mounted by every node and worker);
- `s3://<bucket>/<prefix>?endpoint=https://s3.example:9000&region=cn-north-1&addressing=path` — an S3-compatible
  object store through django-storages (MinIO, Ceph RGW, a cloud's object storage). Credentials come from
  AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. Objects stay private: links are signed for
  `expires` seconds (default 3600), and a file of the same name is never overwritten.
"""

from urllib.parse import parse_qs, urlsplit

FILESYSTEM = "django.core.files.storage.FileSystemStorage"
S3 = "storages.backends.s3.S3Storage"


class MediaURLError(ValueError):
    pass


def default_storage(url):
    """The STORAGES["default"] entry for GRIDWORK_MEDIA_URL."""
    if not url or url.strip() in ("file:", "file://"):
        return {"BACKEND": FILESYSTEM}
    parts = urlsplit(url.strip())
    if parts.scheme != "s3":
        raise MediaURLError(f"GRIDWORK_MEDIA_URL must be s3://bucket/prefix?endpoint=… or file:, not {url!r}")
    if not parts.netloc:
        raise MediaURLError("GRIDWORK_MEDIA_URL names no bucket (s3://<bucket>/<prefix>)")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = set(query) - {"endpoint", "region", "addressing", "expires"}
    if unknown:
        raise MediaURLError(f"GRIDWORK_MEDIA_URL: unknown option(s) {', '.join(sorted(unknown))}")
    options = {
        "bucket_name": parts.netloc,
        "location": parts.path.strip("/"),
        "file_overwrite": False,
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": int(query.get("expires", 3600)),
    }
    if query.get("endpoint"):
        options["endpoint_url"] = query["endpoint"]
    if query.get("region"):
        options["region_name"] = query["region"]
    if query.get("addressing"):
        if query["addressing"] not in ("path", "virtual"):
            raise MediaURLError("GRIDWORK_MEDIA_URL: addressing must be path or virtual")
        options["addressing_style"] = query["addressing"]
    elif query.get("endpoint"):
        options["addressing_style"] = "path"  # what MinIO and most self-hosted stores expect
    return {"BACKEND": S3, "OPTIONS": options}


def endpoint_origin(url):
    """The origin signed media links point at (for the CSP's img-src and links), or None for a folder."""
    storage = default_storage(url)
    if storage["BACKEND"] != S3:
        return None
    endpoint = storage["OPTIONS"].get("endpoint_url")
    if not endpoint:
        return "https://*.amazonaws.com"
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"
