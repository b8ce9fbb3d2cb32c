"""The address ``DatabaseStorage.url`` gives a file, for those who may view every file."""

from __future__ import annotations

import posixpath

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from .models import StoredFile

# Stored SVG or HTML may carry script: shown here, it can neither run it nor load anything.
STORED_FILE_CSP = "default-src 'none'; sandbox"


@require_GET
def stored_file(request: HttpRequest, name: str) -> HttpResponse:
    # Files belong to things whose own views decide who reads them (a run's figure follows its
    # review); here only holders of the model's view permission, such as the admin's readers.
    if not request.user.has_perm("filestore.view_storedfile"):
        raise Http404
    row = StoredFile.objects.filter(name=name).values_list("content", "content_type").first()
    if row is None:
        raise Http404
    content, content_type = row
    response = HttpResponse(bytes(content), content_type=content_type)
    response["Content-Security-Policy"] = STORED_FILE_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = content_disposition_header(
        not content_type.startswith("image/"), posixpath.basename(name)
    )
    response["Cache-Control"] = "private, no-cache"
    return response
