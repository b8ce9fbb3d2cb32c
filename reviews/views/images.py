"""Review images: the editor's upload endpoint and the address every stored image is read at."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..images import IMAGE_TYPES, MAX_IMAGE_BYTES, NAME_RE, storage_name
from ..models import Paper
from ..services.images import review_image_upload

# An image needs nothing else, and must never run as a document.
IMAGE_CSP = "default-src 'none'; sandbox"


@login_required
@require_POST
def review_image_create(request: HttpRequest, pk: int) -> JsonResponse:
    """An image pasted or dropped into the editor: 201 with its ``url``, or 400 with ``error``."""
    paper = get_object_or_404(Paper, pk=pk)
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse({"error": _("Choose an image to upload.")}, status=400)
    if upload.size > MAX_IMAGE_BYTES:
        message = _("The image is larger than %(limit)d MB.") % {"limit": MAX_IMAGE_BYTES // 2**20}
        return JsonResponse({"error": message}, status=413)
    try:
        url = review_image_upload(member=request.user, paper_id=paper.pk, data=upload.read())
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse({"url": url}, status=201)


@require_GET
def review_image(request: HttpRequest, name: str) -> HttpResponse:
    """A stored review image. Its name is unguessable and only the review's text holds it."""
    match = NAME_RE.fullmatch(name)
    if match is None:
        raise Http404
    try:
        with default_storage.open(storage_name(name), "rb") as stored:
            content = stored.read()
    except (OSError, ValueError):
        raise Http404 from None
    response = HttpResponse(content, content_type=IMAGE_TYPES[match["ext"]])
    response["Content-Security-Policy"] = IMAGE_CSP
    response["X-Content-Type-Options"] = "nosniff"
    # A name is never reused for other bytes.
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    return response
