"""A review's sections: the one home of their keys, labels, order, help texts and size limit.

Everything else derives from here: the editor form and page, the API serializers, the Markdown
export, the feeds, the review page, the compare view, search and the comment anchors.
A fifth section is a line in ``Section`` and in ``HELP_TEXTS``, a migration adding its columns
(``<key>`` and ``<key>_html`` on Review and on ReviewRevision, ``<key>`` on ReviewWorkingCopy)
and its translations. Migrations keep their own list of the keys, as migrations must.
"""

from __future__ import annotations

from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .markdown import MAX_SOURCE_BYTES


class Section(models.TextChoices):
    """Key and label of each section, in the order a review shows them."""

    INTRODUCTION = "introduction", _("Introduction")
    CORE_ALGORITHM = "core_algorithm", _("Core algorithm")
    RESULTS = "results", _("Results")
    THOUGHTS = "thoughts", _("My thoughts")

    @property
    def help_text(self) -> Promise:
        return HELP_TEXTS[self]

    @property
    def html_field(self) -> str:
        """The name of the column holding the section rendered at save."""
        return f"{self.value}_html"

    def heading(self, language: str) -> str:
        """The label in ``language`` (a review's own language, not the reader's)."""
        with translation.override(language):
            return str(self.label)


HELP_TEXTS: dict[Section, Promise] = {
    Section.INTRODUCTION: _("The problem and the paper's idea."),
    Section.CORE_ALGORITHM: _("The method: pseudo-code, equations ($…$, $$…$$)."),
    Section.RESULTS: _("Tables and numbers: what the paper shows."),
    Section.THOUGHTS: _("Your own opinion."),
}

# Each section is at most what the Markdown renderer takes, in bytes of UTF-8.
MAX_BYTES = MAX_SOURCE_BYTES

KEYS: tuple[str, ...] = tuple(Section.values)
HTML_FIELDS: tuple[str, ...] = tuple(s.html_field for s in Section)
