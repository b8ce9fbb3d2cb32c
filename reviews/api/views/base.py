"""What every API view shares: service errors as 4xx answers, and the JSON 404."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from reviews import services
from reviews.models import Review
from reviews.services.runs import RunRefused


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The review changed since you read it; GET it again for the new ETag."
    default_code = "precondition_failed"


class RunRefusedError(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "run_refused"


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "Send If-Match with the review's ETag to change it."
    default_code = "precondition_required"


def review_etag(review: Review) -> str:
    return f'"review-{review.pk}-v{review.version}"'


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Service errors become the same 4xx answers as DRF's own."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = ValidationError(exc.message_dict)
        else:
            exc = ValidationError({"detail": " ".join(exc.messages)})
    elif isinstance(exc, DjangoPermissionDenied):
        exc = PermissionDenied(str(exc) or None)
    elif isinstance(exc, ObjectDoesNotExist):  # deleted by someone else during this request
        exc = NotFound()
    elif isinstance(exc, RequestDataTooBig):
        limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        exc = PayloadTooLarge(_("The request body is over %(limit)s.") % {"limit": limit})
    elif isinstance(exc, services.ReviewConflict):
        response = drf_exception_handler(PreconditionFailed(), context)
        response["ETag"] = review_etag(exc.current)
        return response
    elif isinstance(exc, RunRefused):
        response = drf_exception_handler(RunRefusedError(exc.message), context)
        response.data["code"] = exc.code
        if exc.retry_after is not None:
            response["Retry-After"] = str(exc.retry_after)
        return response
    return drf_exception_handler(exc, context)


class ApiNotFound(APIView):
    """Any other path under /api/ answers in JSON, not with the site's HTML 404 page."""

    permission_classes: list = []
    schema = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        raise NotFound()
