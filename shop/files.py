"""Handing a private stored file (a built finance report) to the person allowed to have it."""

from django.core.files.storage import Storage
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from storages.backends.s3 import S3Storage

# How long a presigned object-store link works: the browser follows it at once.
PRESIGNED_SECONDS = 60


def private_file_response(storage: Storage, name: str, filename: str) -> HttpResponse:
    """The file as a download: from the object store through a presigned link that works for a
    minute, or streamed from this host's disk."""
    if isinstance(storage, S3Storage):
        disposition = f'attachment; filename="{filename}"'
        url = storage.url(name, parameters={"ResponseContentDisposition": disposition}, expire=PRESIGNED_SECONDS)
        return HttpResponseRedirect(url)
    return FileResponse(storage.open(name, "rb"), as_attachment=True, filename=filename)
