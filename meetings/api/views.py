"""`/api/sessions/`, `/api/swaps/`, `/api/assignments/`: organizers plan, members volunteer,
swap and answer, anonymous users read what is public. Writes call meetings.services, the
same functions as the pages."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from reviews.api.permissions import MemberOnly, ReadOnlyOrMember

from .. import rules, selectors, services
from ..models import Assignment, Session, SwapRequest
from ..services import Schedule, SessionFields
from . import serializers


def _require_planner(request: Request, cohort: Any) -> None:
    if not rules.may_plan(request.user, cohort):
        raise PermissionDenied(_("Only an organizer of this cohort can plan its sessions."))


class SessionViewSet(viewsets.ModelViewSet):
    """A cohort's sessions. Filter with `?cohort=<slug>` and `?status=`."""

    serializer_class = serializers.SessionSerializer
    permission_classes = [ReadOnlyOrMember]
    ordering_fields = ["starts_at", "number", "id"]
    ordering = ["starts_at", "id"]

    def get_queryset(self) -> QuerySet[Session]:
        sessions = Session.objects.select_related("cohort").prefetch_related(
            "entries", "presenters"
        )
        cohort = self.request.query_params.get("cohort")
        if cohort:
            sessions = sessions.filter(cohort__slug=cohort)
        state = self.request.query_params.get("status")
        if state:
            sessions = sessions.filter(status=state)
        return sessions

    @staticmethod
    def _fields(data: dict[str, Any], current: Session | None) -> SessionFields:
        def value(name: str, default: Any) -> Any:
            if name in data:
                return data[name]
            return getattr(current, name) if current is not None else default

        return SessionFields(
            starts_at=value("starts_at", None),
            ends_at=value("ends_at", None),
            time_zone=value("time_zone", "Asia/Seoul" if current is None else current.time_zone),
            title=value("title", ""),
            place=value("place", ""),
            video_url=value("video_url", ""),
            agenda=value("agenda", ""),
            notes=value("notes", ""),
            status=value("status", "planned"),
        )

    def perform_create(self, serializer: BaseSerializer) -> None:
        data = serializer.validated_data
        _require_planner(self.request, data["cohort"])
        if "starts_at" not in data or "ends_at" not in data:
            raise ValidationError({"starts_at": [_("A session needs a start and an end.")]})
        serializer.instance = services.session_create(
            cohort=data["cohort"],
            by=self.request.user,
            fields=self._fields(data, None),
            entries=data.get("entries", []),
            presenters=data.get("presenters", []),
        )

    def perform_update(self, serializer: BaseSerializer) -> None:
        session = serializer.instance
        data = serializer.validated_data
        _require_planner(self.request, session.cohort)
        if "cohort" in data and data["cohort"].pk != session.cohort_id:
            raise ValidationError({"cohort": [_("A session stays in its cohort.")]})
        serializer.instance = services.session_update(
            session=session,
            by=self.request.user,
            fields=self._fields(data, session),
            entries=data.get("entries"),
            presenters=data.get("presenters"),
        )

    def perform_destroy(self, instance: Session) -> None:
        _require_planner(self.request, instance.cohort)
        instance.delete()

    @extend_schema(
        request=serializers.ScheduleSerializer, responses=serializers.SessionSerializer(many=True)
    )
    @action(detail=False, methods=["post"], permission_classes=[MemberOnly])
    def schedule(self, request: Request) -> Response:
        """Create a season in one go: weekly from `first_day`, `count` sessions, `skip` passed."""
        form = serializers.ScheduleSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        _require_planner(request, data["cohort"])
        created = services.schedule_create(
            cohort=data["cohort"],
            by=request.user,
            schedule=Schedule(
                first_day=data["first_day"],
                at=data["starts"],
                duration=_duration(data["starts"], data["ends"]),
                count=data["count"],
                time_zone=data["time_zone"],
                skip=frozenset(data.get("skip", [])),
                place=data.get("place", ""),
                video_url=data.get("video_url", ""),
            ),
        )
        body = serializers.SessionSerializer(
            created, many=True, context=self.get_serializer_context()
        )
        return Response(body.data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.CohortSlugSerializer, responses={200: dict[str, str]})
    @action(detail=False, methods=["post"], permission_classes=[MemberOnly])
    def rotation(self, request: Request) -> Response:
        """Give each upcoming session without a presenter one, by the fair rotation."""
        form = serializers.CohortSlugSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        cohort = form.validated_data["cohort"]
        _require_planner(request, cohort)
        plan = services.rotation_assign(cohort=cohort, by=request.user)
        return Response({str(key): member.username for key, member in plan.items()})

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], permission_classes=[MemberOnly])
    def volunteer(self, request: Request, pk: str) -> Response:
        session = services.session_volunteer(session=self.get_object(), member=request.user)
        return Response(self.get_serializer(session).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], permission_classes=[MemberOnly])
    def withdraw(self, request: Request, pk: str) -> Response:
        session = services.session_withdraw(session=self.get_object(), member=request.user)
        return Response(self.get_serializer(session).data)

    @extend_schema(request=serializers.RsvpSerializer, responses=serializers.RsvpSerializer)
    @action(detail=True, methods=["post"], permission_classes=[MemberOnly])
    def rsvp(self, request: Request, pk: str) -> Response:
        form = serializers.RsvpSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        row = services.attendance_answer(
            session=self.get_object(), member=request.user, answer=form.validated_data["answer"]
        )
        return Response({"answer": row.answer})

    @extend_schema(
        request=serializers.AttendanceSerializer, responses=serializers.AttendanceSerializer
    )
    @action(detail=True, methods=["post"], permission_classes=[MemberOnly])
    def attendance(self, request: Request, pk: str) -> Response:
        session = self.get_object()
        _require_planner(request, session.cohort)
        form = serializers.AttendanceSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        present = form.validated_data["present"]
        services.attendance_take(session=session, by=request.user, present=present)
        return Response({"present": [m.username for m in present]})


def _duration(starts: time, ends: time) -> timedelta:
    return datetime.combine(date.min, ends) - datetime.combine(date.min, starts)


class SwapViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Swap requests I made or was asked; the asked member accepts or declines."""

    serializer_class = serializers.SwapSerializer
    permission_classes = [MemberOnly]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[SwapRequest]:
        if getattr(self, "swagger_fake_view", False):
            return SwapRequest.objects.none()
        mine = SwapRequest.objects.filter(
            requested_by=self.request.user
        ) | SwapRequest.objects.filter(counterpart=self.request.user)
        return mine.select_related("requested_by", "counterpart")

    def perform_create(self, serializer: BaseSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = services.swap_request(
            session=data["session"],
            by=self.request.user,
            counterpart=data["counterpart"],
            counterpart_session=data.get("counterpart_session"),
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        swap = services.swap_accept(swap=self.get_object(), by=request.user)
        return Response(self.get_serializer(swap).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        swap = services.swap_decline(swap=self.get_object(), by=request.user)
        return Response(self.get_serializer(swap).data)


class AssignmentViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Assignments: everyone reads; organizers of the cohort set and remove them."""

    serializer_class = serializers.AssignmentSerializer
    permission_classes = [ReadOnlyOrMember]
    ordering = ["due_at", "id"]

    def get_queryset(self) -> QuerySet[Assignment]:
        assignments = Assignment.objects.select_related("cohort", "reading_list")
        cohort = self.request.query_params.get("cohort")
        return assignments.filter(cohort__slug=cohort) if cohort else assignments

    def perform_create(self, serializer: BaseSerializer) -> None:
        data = serializer.validated_data
        _require_planner(self.request, data["cohort"])
        serializer.instance = services.assignment_create(
            cohort=data["cohort"],
            by=self.request.user,
            reading_list=data["reading_list"],
            papers_required=data["papers_required"],
            due_at=data["due_at"],
            title=data.get("title", ""),
            length_guideline=data.get("length_guideline", ""),
        )

    def perform_destroy(self, instance: Assignment) -> None:
        _require_planner(self.request, instance.cohort)
        instance.delete()

    @extend_schema(responses=serializers.ProgressSerializer(many=True))
    @action(detail=True, methods=["get"])
    def progress(self, request: Request, pk: str) -> Response:
        """Each member's published reviews of the list's papers, up to the deadline."""
        rows = selectors.assignment_progress(assignment=self.get_object())
        return Response(serializers.ProgressSerializer(rows, many=True).data)
