"""Lists written without DRF's per-field machinery, with the same JSON.

A page of 100 reviews is about 2,000 fields, and DRF's ``Serializer.to_representation``
spends ~3.5 µs on each (``get_attribute`` with its callable and error checks,
``PKOnlyObject``, ``SkipField``, a time zone lookup per date): 7 ms a page. Here each
readable field of the row serializer becomes, once per list, a plain attribute read and a
converter, and a row is a loop over them: 2.8 ms a page.
Fields the plan cannot read plainly (method sources, custom ``get_attribute``) keep DRF's
path, and a row the plan cannot read (an attribute error, a missing related object) is
written by the row serializer itself, so the output is always what DRF would write.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from operator import attrgetter
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from rest_framework import ISO_8601, fields, relations, serializers
from rest_framework.settings import api_settings

Reader = Callable[[Any], Any]
Converter = Callable[[Any], Any] | None
Plan = list[tuple[str, Reader, Converter]]


def _model_reader(model: type[models.Model] | None, attrs: list[str]) -> Reader | None:
    """``attrgetter`` over the source, when each step is a model field, a property or an
    annotation (never a method, which DRF would call); None when that cannot be told."""
    for position, attr in enumerate(attrs):
        if model is None:
            return None
        if inspect.isfunction(inspect.getattr_static(model, attr, None)):
            return None
        try:
            field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            field = None
        if field is not None and field.one_to_one and not field.concrete:
            return None  # a reverse one-to-one: DRF turns its DoesNotExist into None
        last = position == len(attrs) - 1
        model = field.related_model if field is not None and field.is_relation else None
        if not last and model is None:
            return None
    return attrgetter(".".join(attrs))


def _converter(field: fields.Field) -> Converter:
    method = type(field).to_representation
    if method is fields.CharField.to_representation:
        return str
    if method is fields.IntegerField.to_representation:
        return int
    if method is fields.DateTimeField.to_representation:
        return _datetime_converter(field)
    return field.to_representation


def _datetime_converter(field: fields.DateTimeField) -> Converter:
    """DRF's ISO 8601 in the field's time zone, which it looks up again for every value."""
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if zone is None or not isinstance(output_format, str) or output_format.lower() != ISO_8601:
        return field.to_representation

    def convert(value: Any) -> Any:
        if type(value) is not datetime or value.utcoffset() is None:
            return field.to_representation(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert


def _entry(field: fields.Field, model: type[models.Model] | None) -> tuple[Reader, Converter]:
    attrs = list(field.source_attrs)
    if isinstance(field, relations.PrimaryKeyRelatedField):
        if field.pk_field is None and len(attrs) == 1 and model is not None:
            try:
                attname = model._meta.get_field(attrs[0]).attname
            except FieldDoesNotExist:
                attname = None
            if attname is not None:
                return attrgetter(attname), None
    elif isinstance(field, serializers.Serializer):
        reader = _model_reader(model, attrs) if attrs else None
        nested = _plan(field)
        if reader is not None and nested is not None:
            return reader, lambda value: _row(nested, value)
    elif type(field).get_attribute is fields.Field.get_attribute or isinstance(
        field, relations.SlugRelatedField
    ):
        reader = _model_reader(model, attrs) if attrs else None
        if reader is not None:
            return reader, _converter(field)
    return _drf_reader(field), field.to_representation


def _drf_reader(field: fields.Field) -> Reader:
    def read(instance: Any) -> Any:
        attribute = field.get_attribute(instance)
        if isinstance(attribute, relations.PKOnlyObject) and attribute.pk is None:
            return None
        return attribute

    return read


def _plan(serializer: serializers.Serializer) -> Plan | None:
    """(name, reader, converter) per readable field; None if the serializer writes its own
    rows (a custom ``to_representation``)."""
    if type(serializer).to_representation is not serializers.Serializer.to_representation:
        return None
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    return [
        (name, *_entry(field, model))
        for name, field in serializer.fields.items()
        if not field.write_only
    ]


def _row(plan: Plan, instance: Any) -> dict[str, Any]:
    row = {}
    for name, read, convert in plan:
        value = read(instance)
        row[name] = value if value is None or convert is None else convert(value)
    return row


# Field classes whose output may depend on the request (links, methods of the serializer).
_CONTEXTUAL = (
    relations.HyperlinkedRelatedField,
    fields.SerializerMethodField,
    fields.HiddenField,
)
_DRF_MODULES = ("rest_framework.fields", "rest_framework.relations")


def _context_free(field: fields.Field) -> bool:
    """Whether `field` writes a value the same way for every request: DRF's own plain fields,
    or a field class that says so with ``context_free = True``."""
    if isinstance(field, serializers.BaseSerializer):
        return _static(field)
    if isinstance(field, _CONTEXTUAL):
        return False
    if isinstance(field, fields.ListField) and not _context_free(field.child):
        return False
    cls = type(field)
    if getattr(cls, "context_free", False):
        return True
    return all(
        getattr(cls, name).__module__ in _DRF_MODULES
        for name in ("to_representation", "get_attribute")
    )


def _static(serializer: serializers.BaseSerializer) -> bool:
    """Whether a row serializer has the same readable fields, written the same way, for
    every request: it builds its fields the stock way, and each is context-free."""
    cls = type(serializer)
    if isinstance(serializer, serializers.ListSerializer) or cls.__init__ is not (
        serializers.BaseSerializer.__init__
    ):
        return False
    if cls.get_fields not in (
        serializers.Serializer.get_fields,
        serializers.ModelSerializer.get_fields,
    ):
        return False
    return all(_context_free(f) for f in serializer.fields.values() if not f.write_only)


# The plans of static row serializers, by class: DRF builds a ModelSerializer's fields
# anew for every instance, about 1 ms of each list request.
_STATIC_PLANS: dict[type, Plan | None] = {}


class FastListSerializer(serializers.ListSerializer):
    """``many=True`` output through a plan compiled once per list (see the module), or once
    per process for a static row serializer."""

    @cached_property
    def plan(self) -> Plan | None:
        # Once per serializer, so a nested list (a cohort's memberships) is planned once a page.
        cls = type(self.child)
        if cls in _STATIC_PLANS:
            return _STATIC_PLANS[cls]
        plan = _plan(self.child)
        if _static(self.child):
            _STATIC_PLANS[cls] = _plan(cls())  # fields bound to no request
        return plan

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        iterable = data.all() if isinstance(data, models.manager.BaseManager) else data
        plan = self.plan
        if plan is None:
            return [self.child.to_representation(item) for item in iterable]
        rows = []
        for item in iterable:
            try:
                rows.append(_row(plan, item))
            except (AttributeError, KeyError, ObjectDoesNotExist, OverflowError, fields.SkipField):
                rows.append(self.child.to_representation(item))
        return rows
