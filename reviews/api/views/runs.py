"""Demo experiments and their runs. Launch, cancel and re-run go through reviews.services.runs."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from reviews import experiments, selectors
from reviews.enums import RunStatus
from reviews.models import ExperimentRun, Paper
from reviews.services import runs as run_services

from .. import filters, permissions, serializers
from ..serializers.runs import RunRefusedSerializer

# A launch while the job queue is down: the new run, already failed with the reason.
QUEUE_DOWN = OpenApiResponse(
    serializers.RunDetailSerializer,
    description="The job queue could not take the run: it was created `failed`, with the "
    "reason in `error`; `Location` is the run. Try again later.",
)

# Keys of a launch's errors that name a field of the request; every other key is a setting.
REQUEST_FIELDS = frozenset({"review", "experiment", "preset", "config", "detail"})


def launch_errors(error: DjangoValidationError) -> dict[str, Any]:
    """The service's errors, with the experiment's settings nested under `config`."""
    errors: dict[str, Any] = {}
    for key, messages in error.message_dict.items():
        if key in REQUEST_FIELDS:
            errors[key] = messages
        else:
            errors.setdefault("config", {})[key] = messages
    return errors


class ExperimentViewSet(viewsets.GenericViewSet):
    """The demo experiments a run can use, each with its config schema and presets."""

    serializer_class = serializers.ExperimentSerializer
    permission_classes = [permissions.ReadOnlyOrMember]
    pagination_class = None
    filter_backends: list = []
    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"

    def _respond(self, demos: list[experiments.Experiment], many: bool) -> Response:
        arxiv_ids = [demo.arxiv_id for demo in demos]
        papers = dict(Paper.objects.filter(arxiv_id__in=arxiv_ids).values_list("arxiv_id", "pk"))
        context = {**self.get_serializer_context(), "papers": papers}
        serializer = serializers.ExperimentSerializer(
            demos if many else demos[0], many=many, context=context
        )
        return Response(serializer.data)

    def list(self, request: Request) -> Response:
        return self._respond(experiments.all_experiments(), many=True)

    @extend_schema(parameters=[OpenApiParameter("slug", str, OpenApiParameter.PATH)])
    def retrieve(self, request: Request, slug: str) -> Response:
        try:
            demo = experiments.get(slug)
        except KeyError:
            raise NotFound() from None
        return self._respond([demo], many=False)


class RunViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Runs of demo experiments on reviews you can read; members launch, cancel and re-run.

    A run on a draft review exists for the draft's author only. Launches are limited per
    member (queued + running at once, and per hour): over a limit is a 429 with a `code`.
    """

    queryset = ExperimentRun.objects.none()  # the schema's model; get_queryset narrows
    serializer_class = serializers.RunDetailSerializer
    permission_classes = [permissions.ReadOnlyOrMember]
    filterset_class = filters.RunFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[ExperimentRun]:
        runs = selectors.runs_visible_to(self.request.user)
        if self.action == "list":
            # A list shows each run's review and paper ids, not the review's text.
            fields = [f.name for f in ExperimentRun._meta.concrete_fields if f.name != "series"]
            runs = (
                runs.select_related(None)
                .select_related("review", "requested_by")
                .only(*fields, "review__paper", "requested_by__username")
            )
        return runs

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.action == "list":
            return serializers.RunSerializer
        if self.action == "create":
            return serializers.RunCreateSerializer
        return serializers.RunDetailSerializer

    def paginate_queryset(self, queryset: QuerySet[ExperimentRun]) -> list | None:
        page = super().paginate_queryset(queryset)
        if page is not None:
            page = self._reaped(page)
        return page

    def _reaped(self, runs: list[ExperimentRun]) -> list[ExperimentRun]:
        """The runs, with those whose worker died shown failed rather than running forever."""
        active = [run.pk for run in runs if run.is_active]
        if not active or not run_services.runs_reap_stale(run_ids=active):
            return runs
        fresh = {run.pk: run for run in self.get_queryset().filter(pk__in=active)}
        return [fresh.get(run.pk, run) for run in runs]

    def get_object(self) -> ExperimentRun:
        return self._reaped([super().get_object()])[0]

    def _respond(self, run: ExperimentRun, code: int = status.HTTP_200_OK) -> Response:
        run = self.get_queryset().get(pk=run.pk)
        data = serializers.RunDetailSerializer(run, context=self.get_serializer_context()).data
        if code == status.HTTP_201_CREATED and run.status == RunStatus.FAILED:
            # Launched while the job queue was down: the run exists, failed, with the reason.
            code = status.HTTP_503_SERVICE_UNAVAILABLE
        response = Response(data, status=code)
        if code in (status.HTTP_201_CREATED, status.HTTP_503_SERVICE_UNAVAILABLE):
            response["Location"] = self.request.build_absolute_uri(
                reverse("run-detail", args=[run.pk])
            )
        return response

    @extend_schema(
        request=serializers.RunCreateSerializer,
        responses={
            201: serializers.RunDetailSerializer,
            429: RunRefusedSerializer,
            503: QUEUE_DOWN,
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Queue a run; `Location` is where to poll it. 503 when the job queue cannot take
        it: the run is created `failed`, with the reason in `error`."""
        context = {
            **self.get_serializer_context(),
            "visible_reviews": selectors.reviews_visible_to(request.user),
        }
        serializer = serializers.RunCreateSerializer(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            run = run_services.run_create(
                review=data["review"],
                by=request.user,
                experiment=data["experiment"],
                preset=data["preset"],
                overrides=data.get("config"),
            )
        except DjangoValidationError as error:
            raise ValidationError(launch_errors(error)) from None
        return self._respond(run, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=serializers.RunDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.MemberOnly])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel: at once if queued, at the next progress point if running. The member who
        started it, or an organizer."""
        run = run_services.run_cancel(run=self.get_object(), by=request.user)
        return self._respond(run)

    @extend_schema(
        request=None,
        responses={
            201: serializers.RunDetailSerializer,
            429: RunRefusedSerializer,
            503: QUEUE_DOWN,
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[permissions.MemberOnly])
    def rerun(self, request: Request, pk: str | None = None) -> Response:
        """Launch the same experiment with the same config again, as you."""
        try:
            run = run_services.run_rerun(run=self.get_object(), by=request.user)
        except DjangoValidationError as error:
            raise ValidationError(launch_errors(error)) from None
        return self._respond(run, status.HTTP_201_CREATED)
