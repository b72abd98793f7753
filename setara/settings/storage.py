"""Where uploaded and generated files live: the "default" entry of ``STORAGES``.

A folder on this machine (``MEDIA_ROOT``) unless ``STORAGE_BUCKET`` is set; then an
S3-compatible bucket through django-storages
(https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html). The
files are never offered by URL (downloads go through ``jobs:download``), so the
bucket stays private: objects get no ACL of their own (they inherit the bucket's,
private by default) and any URL the backend makes would be signed and short-lived.
"""

from collections.abc import Mapping

#: The environment variables read here, as documented in ``.env.example``.
STORAGE_VARIABLES = (
    "STORAGE_BUCKET",
    "STORAGE_ENDPOINT_URL",
    "STORAGE_REGION",
    "STORAGE_ACCESS_KEY_ID",
    "STORAGE_SECRET_ACCESS_KEY",
    "STORAGE_LOCATION",
)


def storage_settings(environ: Mapping[str, str]) -> dict:
    """The ``STORAGES["default"]`` entry for the variables in ``environ`` (usually
    ``os.environ``).

    Without ``STORAGE_BUCKET``: Django's ``FileSystemStorage`` at ``MEDIA_ROOT``.
    With it: ``storages.backends.s3.S3Storage`` on that bucket, with
    ``STORAGE_ENDPOINT_URL`` (for S3-compatible services such as MinIO; empty for
    AWS), ``STORAGE_REGION``, ``STORAGE_ACCESS_KEY_ID`` and
    ``STORAGE_SECRET_ACCESS_KEY`` (empty: boto3 finds credentials itself, e.g. an
    instance role) and ``STORAGE_LOCATION`` (a folder prefix inside the bucket).
    Empty values count as unset.
    """
    value = {name: (environ.get(name) or "").strip() for name in STORAGE_VARIABLES}
    if not value["STORAGE_BUCKET"]:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    options = {
        "bucket_name": value["STORAGE_BUCKET"],
        "location": value["STORAGE_LOCATION"].strip("/"),
        # No ACL header on upload: objects stay as private as the bucket.
        "default_acl": None,
        # Any URL made for an object is signed and expires (never public).
        "querystring_auth": True,
        "querystring_expire": 300,
        # Two jobs never overwrite each other's file: a clash gets a new name.
        "file_overwrite": False,
        "signature_version": "s3v4",
    }
    optional = {
        "endpoint_url": "STORAGE_ENDPOINT_URL",
        "region_name": "STORAGE_REGION",
        "access_key": "STORAGE_ACCESS_KEY_ID",
        "secret_key": "STORAGE_SECRET_ACCESS_KEY",
    }
    options.update({key: value[name] for key, name in optional.items() if value[name]})
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
