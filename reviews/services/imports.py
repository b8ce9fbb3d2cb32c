"""Saving imported papers: duplicates merged, numbered reading-list entries, one transaction.

A batch is first planned without writing (the preview shows the plan), then saved. Duplicates
are recognised by arXiv id, then DOI, then normalised title, against the database and within
the batch; a duplicate only fills the empty fields of the paper it matches, never overwrites.

Numbering: an item keeps its own number when that number is free on the list. When the number
belongs to another paper, or the item has none, the entry is numbered after the highest number
(on the list or in the batch) and the report says so; the paper is never dropped for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..arxiv_ids import strip_version
from ..importers.base import PaperData
from ..models import Member, Paper, ReadingList, ReadingListEntry
from .papers import PaperIndex, match_label, paper_from_data, paper_write


def item_label(item: PaperData, index: int) -> str:
    """How messages name an item: its BibTeX key, its list number, or its position."""
    if item.raw.lstrip().startswith("@"):
        key = item.raw.split("{", 1)[-1].split("(", 1)[-1].split(",", 1)[0].strip()
        if key:
            return key
    if item.number is not None:
        return _("No. %(number)s") % {"number": item.number}
    return _("item %(index)s") % {"index": index + 1}


@dataclass
class PlannedItem:
    """What one item will do: create a paper, merge into one, or be skipped."""

    item: PaperData
    label: str
    match: Paper | None = None  # an existing paper this item is a duplicate of
    matched_by: str = ""
    same_as: int | None = None  # index of an earlier item in the batch with the same paper
    same_as_label: str = ""
    errors: list[str] = field(default_factory=list)
    skip_reason: str = ""
    entry_number: int | None = None
    entry_note: str = ""

    @property
    def matched_by_label(self) -> str:
        return match_label(self.matched_by)

    @property
    def status(self) -> str:
        if self.skip_reason or self.errors:
            return "skip"
        if self.match is not None:
            return "existing"
        return "duplicate" if self.same_as is not None else "new"


@dataclass
class ImportReport:
    """What an import did; ``skipped`` and ``notes`` are messages for the member."""

    created: list[Paper] = field(default_factory=list)
    merged: list[Paper] = field(default_factory=list)
    entries: list[ReadingListEntry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    filled: dict[int, list[str]] = field(default_factory=dict)  # merged paper pk -> fields


def _validate(item: PaperData) -> list[str]:
    """The model's own validators on the item as a paper (uniqueness is the merge's job).

    Authors are checked after matching: a duplicate without authors is fine, a new paper is not.
    """
    paper = paper_from_data(item, by=None)
    messages = []
    try:
        paper.full_clean(
            exclude=None if item.authors else ["authors"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        for name, errors in error.message_dict.items():
            label = Paper._meta.get_field(name).verbose_name if name != "__all__" else ""
            messages += [f"{label}: {message}" if label else message for message in errors]
    # The paper_year_range constraint, checked here without a query per item.
    if item.year is not None and not 1900 <= item.year <= 2100:
        messages.append(_("The year %(year)s is out of range.") % {"year": item.year})
    return messages


def papers_import_preview(
    *, items: list[PaperData], reading_list: ReadingList | None = None
) -> list[PlannedItem]:
    """What ``papers_import`` would do with these items, without writing anything."""
    # Versions of an arXiv paper are one paper: ids are kept without their "v2" suffix.
    items = [replace(i, arxiv_id=strip_version(i.arxiv_id)) for i in items]
    index = PaperIndex()
    plan = [PlannedItem(item=item, label=item_label(item, n)) for n, item in enumerate(items)]
    matches: dict[int, int] = {}  # item index -> the pk of the group's paper it is
    for n, planned in enumerate(plan):
        item = planned.item
        if not item.importable:
            planned.skip_reason = "; ".join(item.problems) or _("Nothing could be read.")
            continue
        planned.errors = _validate(item)
        if planned.errors:
            continue
        target, matched_by = index.find_key(item)
        planned.matched_by = matched_by
        if isinstance(target, int):
            matches[n] = target
        elif target is not None:
            planned.same_as = target[1]
            planned.same_as_label = plan[target[1]].label
        elif not item.authors:
            planned.errors.append(_("No authors found; a new paper needs at least one."))
            continue
        index.remember(item, ("item", n) if target is None else target)
    papers = index.papers(matches.values())
    for n, pk in matches.items():
        plan[n].match = papers[pk]
    if reading_list is not None:
        _plan_entries(plan, reading_list)
    return plan


def _plan_entries(plan: list[PlannedItem], reading_list: ReadingList) -> None:
    rows = reading_list.entries.select_related("paper").order_by("number")
    taken = {entry.number: entry.paper for entry in rows}
    on_list = {paper.pk: number for number, paper in taken.items()}
    claimed: set[int] = set()
    # A paper counts once per batch: the existing pk, or the index of the item that creates it.
    paper_entry: dict[tuple[str, int], PlannedItem] = {}
    wanting: list[PlannedItem] = []
    for n, planned in enumerate(plan):
        if planned.status == "skip":
            continue
        if planned.match is not None:
            paper_key = ("pk", planned.match.pk)
        else:
            paper_key = ("item", planned.same_as if planned.same_as is not None else n)
        if paper_key[0] == "pk" and paper_key[1] in on_list:
            planned.entry_note = _("Already on the list as No. %(number)s.") % {
                "number": on_list[paper_key[1]]
            }
            continue
        if paper_key in paper_entry:
            planned.entry_note = _("Same paper as %(label)s; one entry.") % {
                "label": paper_entry[paper_key].label
            }
            continue
        paper_entry[paper_key] = planned
        wanting.append(planned)
    deferred = []
    for planned in wanting:
        number = planned.item.number
        if number is not None and number not in taken and number not in claimed:
            planned.entry_number = number
            claimed.add(number)
        else:
            deferred.append(planned)
    next_number = max([*taken, *claimed], default=0)
    for planned in deferred:
        next_number += 1
        number = planned.item.number
        if number is not None:
            holder = taken.get(number)
            holder_title = holder.title if holder else _("another item in this batch")
            planned.entry_note = _("No. %(number)s is taken by “%(title)s”; numbered %(new)s.") % {
                "number": number,
                "title": holder_title,
                "new": next_number,
            }
        planned.entry_number = next_number


@transaction.atomic
def papers_import(
    *, items: list[PaperData], by: Member, reading_list: ReadingList | None = None
) -> ImportReport:
    """Create or merge the papers and number them on the list, all or nothing.

    Raises ``ValidationError`` with one message per invalid item, saving nothing, and
    ``PermissionDenied`` when a member who is not an organizer targets a reading list.
    """
    if reading_list is not None:
        if not by.is_staff:
            raise PermissionDenied(_("Only organizers can add papers to a reading list."))
        # Two imports into one list take turns, so their numbers cannot collide.
        reading_list = ReadingList.objects.select_for_update().get(pk=reading_list.pk)
    plan = papers_import_preview(items=items, reading_list=reading_list)
    errors = [f"{p.label} “{p.item.title[:80]}”: {message}" for p in plan for message in p.errors]
    if errors:
        raise ValidationError(errors)
    return _apply(plan, by=by, reading_list=reading_list)


def _apply(
    plan: list[PlannedItem], *, by: Member, reading_list: ReadingList | None
) -> ImportReport:
    """Carry out a plan without errors: create, merge, then number the entries."""
    report = ImportReport()
    papers: dict[int, Paper] = {}  # item index -> the paper it ended up as
    for n, planned in enumerate(plan):
        item = planned.item
        if planned.status == "skip":
            report.skipped.append(f"{planned.label}: {planned.skip_reason}")
            continue
        if planned.status == "new":
            papers[n] = _write(item, by, None, planned)[0]
            report.created.append(papers[n])
            continue
        paper = planned.match if planned.match is not None else papers[planned.same_as]
        papers[n], filled = _write(item, by, paper, planned)
        if filled:
            report.filled.setdefault(paper.pk, []).extend(filled)
        if planned.match is not None and paper not in report.merged:
            report.merged.append(paper)

    if reading_list is not None:
        new_entries = []
        for n, planned in enumerate(plan):
            if planned.entry_note:
                report.notes.append(f"{planned.label}: {planned.entry_note}")
            if planned.entry_number is not None:
                new_entries.append(
                    ReadingListEntry(
                        reading_list=reading_list, number=planned.entry_number, paper=papers[n]
                    )
                )
        try:
            with transaction.atomic():
                report.entries = ReadingListEntry.objects.bulk_create(new_entries)
        except IntegrityError:
            raise ValidationError(
                _("The reading list changed during the import; nothing was saved. Try again.")
            ) from None
    return report


def _write(
    item: PaperData, by: Member, match: Paper | None, planned: PlannedItem
) -> tuple[Paper, list[str]]:
    try:
        return paper_write(item=item, by=by, match=match)
    except ValidationError as error:
        messages = [f"{planned.label}: {m}" for m in error.messages]
        raise ValidationError(messages) from None


@dataclass
class PaperImportResult:
    """The paper one import added, or found and filled in."""

    paper: Paper
    created: bool
    matched_by: str = ""  # "arxiv", "doi" or "title" when the paper was already there
    filled: list[str] = field(default_factory=list)  # its fields that were empty and now are not

    @property
    def matched_by_label(self) -> str:
        return match_label(self.matched_by)

    @property
    def filled_labels(self) -> list[str]:
        return [str(Paper._meta.get_field(name).verbose_name) for name in self.filled]


def paper_with_arxiv_id(arxiv_id: str) -> Paper | None:
    """The group's paper with this arXiv id when it needs nothing from arXiv, else None.

    A paper known only by a blog post's title (no authors) is worth a lookup to complete.
    """
    paper = Paper.objects.filter(arxiv_id=strip_version(arxiv_id)).first()
    return paper if paper is not None and paper.authors else None


def paper_import(*, item: PaperData, by: Member) -> PaperImportResult:
    """Add one paper (from arXiv or typed in), or fill the empty fields of the group's copy.

    The group's copy is found as in ``papers_import``: same arXiv id, DOI or normalised
    title. Raises ``ValidationError`` with the item's own messages when it cannot be saved.
    """
    try:
        return _paper_import(item, by)
    except ValidationError:
        # Someone added the same arXiv id since the lookup: merge into theirs instead.
        arxiv_id = strip_version(item.arxiv_id)
        if arxiv_id and Paper.objects.filter(arxiv_id=arxiv_id).exists():
            return _paper_import(item, by)
        raise


@transaction.atomic
def _paper_import(item: PaperData, by: Member) -> PaperImportResult:
    plan = papers_import_preview(items=[item])
    planned = plan[0]
    if planned.status == "skip":
        raise ValidationError(planned.errors or [planned.skip_reason])
    report = _apply(plan, by=by, reading_list=None)
    if report.created:
        return PaperImportResult(paper=report.created[0], created=True)
    paper = report.merged[0]
    return PaperImportResult(
        paper=paper,
        created=False,
        matched_by=planned.matched_by,
        filled=report.filled.get(paper.pk, []),
    )
