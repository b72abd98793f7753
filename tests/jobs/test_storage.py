"""Where job files and uploads are stored: MEDIA_ROOT, or a private S3 bucket when
the STORAGE_* variables are set (setara/settings/storage.py)."""

import os
import subprocess
import sys
from pathlib import Path

from django.core.files.storage import storages

from setara.settings.storage import storage_settings

ROOT = Path(__file__).resolve().parent.parent.parent

S3_ENV = {
    "STORAGE_BUCKET": "setara-files",
    "STORAGE_ENDPOINT_URL": "https://minio.example.org:9000",
    "STORAGE_REGION": "ap-southeast-3",
    "STORAGE_ACCESS_KEY_ID": "key-id",
    "STORAGE_SECRET_ACCESS_KEY": "secret",
    "STORAGE_LOCATION": "/setara/",
}


def test_without_a_bucket_files_go_to_media_root():
    expected = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert storage_settings({}) == expected
    assert storage_settings({"STORAGE_BUCKET": " ", "STORAGE_REGION": "x"}) == expected


def test_a_bucket_gives_private_s3_storage():
    assert storage_settings(S3_ENV) == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "setara-files",
            "endpoint_url": "https://minio.example.org:9000",
            "region_name": "ap-southeast-3",
            "access_key": "key-id",
            "secret_key": "secret",
            "location": "setara",
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
            "signature_version": "s3v4",
        },
    }


def test_only_the_bucket_is_required():
    options = storage_settings({"STORAGE_BUCKET": "b", "STORAGE_ENDPOINT_URL": ""})
    assert options["OPTIONS"]["bucket_name"] == "b"
    assert not {"endpoint_url", "access_key", "secret_key"} & options["OPTIONS"].keys()


def test_the_settings_build_the_s3_storage_from_the_environment():
    """The settings module reads the variables, and django-storages accepts the
    options (the storage is built without contacting the bucket)."""
    clean = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    code = (
        "import django; django.setup(); "
        "from django.core.files.storage import storages; "
        "s = storages['default']; "
        "print(type(s).__name__, "
        "s.bucket_name, s.location, s.default_acl, s.querystring_auth, "
        "s.file_overwrite)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **clean,
            **S3_ENV,
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "setara.settings.base",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "S3Storage",
        "setara-files",
        "setara",
        "None",
        "True",
        "False",
    ]


def test_the_tests_use_a_folder():
    assert type(storages["default"]).__name__ == "FileSystemStorage"
