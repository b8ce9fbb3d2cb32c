"""A review's comment threads, written in Python: a page can hold hundreds of comments, and
an `{% include %}` per comment cost about a millisecond each (a 200-comment page: ~200 ms)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from reviews.models import Comment, Member

register = template.Library()


@register.simple_tag(takes_context=True)
def comment_threads(
    context: template.Context,
    threads: list[tuple[Comment, list[Comment]]],
    viewer: dict,
    section: str = "",
) -> SafeString:
    """Each thread: its root comment, then its replies. `viewer` is what the page worked out
    once about who is reading (views.reviews._comment_viewer); `section` is the section the
    threads are shown at, which their comments need not name again."""
    writer = _CommentWriter(viewer, str(context.get("csrf_token", "")), section)
    return format_html_join(
        "\n",
        '<div class="thread">{}{}</div>',
        (
            (
                writer.comment(root),
                format_html('<div class="replies">{}</div>', writer.many(replies))
                if replies
                else "",
            )
            for root, replies in threads
        ),
    )


class _CommentWriter:
    def __init__(self, viewer: dict[str, Any], csrf_token: str, section: str = "") -> None:
        self.viewer = viewer
        self.section = section
        self.csrf_input = format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', csrf_token
        )
        self.authors: dict[int, SafeString] = {}
        # One reverse() for all: the pattern is comments/<pk>/delete/.
        self.delete_url = reverse("comment_delete", args=[0])
        self.delete_label = _("Delete")
        self.delete_confirm = _("Delete this comment?")
        self.edit_url = reverse("comment_edit", args=[0])
        self.history_url = reverse("comment_history", args=[0])
        self.edit_label = _("Edit")
        self.edited_label = _("edited")
        self.edited_title = _("See the earlier versions")
        # Marked for the group's next session (meetings); resolved once it was answered.
        self.question_badge = format_html(
            ' · <span class="badge question">{}</span>', _("Question")
        )
        self.resolved_badge = format_html(
            ' · <span class="badge question resolved">{}</span>', _("Resolved question")
        )
        # Their forms post to the meetings app, which owns what a question means for a session.
        self.question_url = reverse("meetings:comment_question", args=[0])
        self.resolve_url = reverse("meetings:comment_resolve", args=[0])
        self.question_labels = (_("Ask at the session"), _("Not a question"))
        # New since the viewer's last visit to this review (views.reviews.review_detail).
        self.new_badge = format_html(
            '<span class="badge new">{}</span> ', pgettext("since my last visit", "New")
        )
        self.resolve_labels = (_("Mark resolved"), _("Reopen"))

    def many(self, comments: list[Comment]) -> SafeString:
        return mark_safe("".join(self.comment(c) for c in comments))  # noqa: S308

    def author(self, member: Member) -> SafeString:
        if member.pk not in self.authors:
            self.authors[member.pk] = format_html(
                '<a href="{}"><span class="avatar small" aria-hidden="true">{}</span>{}</a>',
                member.get_absolute_url(),
                member.avatar_initials,
                member.name,
            )
        return self.authors[member.pk]

    def comment(self, comment: Comment) -> SafeString:
        section = (
            format_html(
                ' · <a class="badge" href="#{}">{}</a>',
                comment.section,
                comment.get_section_display(),
            )
            if comment.section and comment.section != self.section
            else ""
        )
        new = getattr(comment, "is_new", False)
        return format_html(
            '<div class="comment{}" id="comment-{}">\n'
            '  <p class="comment-meta">{}{}\n'
            '    · <time datetime="{}">{}</time>{}{}</p>\n'
            '  <div class="prose comment-body">{}</div>{}\n'
            "</div>",
            " is-new" if new else "",
            comment.pk,
            self.new_badge if new else "",
            self.author(comment.author),
            comment.created_iso,
            comment.created_text,
            self.edited(comment),
            format_html("{}{}", section, self.question(comment)),
            mark_safe(comment.body_html),  # noqa: S308  (sanitized when it was rendered)
            self.actions(comment),
        )

    def question(self, comment: Comment) -> SafeString | str:
        if not comment.is_question:
            return ""
        return self.resolved_badge if comment.resolved_at else self.question_badge

    def _url(self, template: str, comment: Comment) -> str:
        return template.replace("/0/", f"/{comment.pk}/")

    def edited(self, comment: Comment) -> SafeString | str:
        """The note "edited" and when; its author and organizers may follow it to earlier texts."""
        if comment.edited_at is None:
            return ""
        edited = localtime(comment.edited_at)
        when = format_html(
            '<time datetime="{}">{}</time>',
            edited.isoformat(timespec="seconds"),
            edited.strftime("%Y-%m-%d %H:%M"),
        )
        viewer = self.viewer
        if viewer.get("id") and (viewer["id"] == comment.author_id or viewer["is_staff"]):
            return format_html(
                ' · <a class="comment-edited" href="{}" title="{}">{}</a> {}',
                self._url(self.history_url, comment),
                self.edited_title,
                self.edited_label,
                when,
            )
        return format_html(' · <span class="comment-edited">{}</span> {}', self.edited_label, when)

    def actions(self, comment: Comment) -> SafeString | str:
        viewer = self.viewer
        if not viewer.get("id"):
            return ""
        delete = edit = ""
        if viewer["id"] == comment.author_id:
            edit = format_html(
                '<a class="comment-edit" href="{}">{}</a>',
                self._url(self.edit_url, comment),
                self.edit_label,
            )
        if viewer["id"] == comment.author_id or viewer["is_staff"]:
            delete = format_html(
                '<form method="post" action="{}" class="inline-form">{}<button type="submit" '
                'class="link-button" data-confirm="{}">{}</button></form>',
                self.delete_url.replace("/0/", f"/{comment.pk}/"),
                self.csrf_input,
                self.delete_confirm,
                self.delete_label,
            )
        return format_html(
            '\n  <div class="comment-actions">\n'
            '    <details class="reply"><summary>{reply}</summary>\n'
            '      <form method="post" action="{action}" class="stacked-form">{csrf}\n'
            '        <input type="hidden" name="parent" value="{pk}">'
            '<input type="hidden" name="section" value="{section}">\n'
            '        <label class="visually-hidden" for="reply-{pk}">{reply}</label>\n'
            '        <textarea name="body" id="reply-{pk}" rows="3" required></textarea>\n'
            '        <button type="submit" class="button small">{reply}</button>\n'
            "      </form>\n"
            "    </details>\n"
            "    {edit}{delete}{question}\n"
            "  </div>",
            reply=viewer["reply"],
            action=viewer["comment_action"],
            csrf=self.csrf_input,
            pk=comment.pk,
            section=comment.section,
            edit=edit,
            delete=delete,
            question=self.question_actions(comment),
        )

    def question_actions(self, comment: Comment) -> SafeString | str:
        """Its author (or an organizer) asks it at the session; the asker, the review's author
        or an organizer marks it resolved."""
        viewer = self.viewer
        asker = viewer["id"] == comment.author_id or viewer["is_staff"]
        forms = []
        if asker:
            forms.append(
                self._post(
                    self.question_url,
                    comment,
                    "question",
                    self.question_labels,
                    ask=not comment.is_question,
                )
            )
        if comment.is_question and (asker or viewer["id"] == viewer["review_author_id"]):
            forms.append(
                self._post(
                    self.resolve_url,
                    comment,
                    "resolved",
                    self.resolve_labels,
                    ask=comment.resolved_at is None,
                )
            )
        return mark_safe("".join(forms))  # noqa: S308  (each built by format_html)

    def _post(
        self, template: str, comment: Comment, name: str, labels: tuple[str, str], *, ask: bool
    ) -> SafeString:
        """A one-button form that sets ``name`` to 1 (``ask``, its first label) or 0."""
        return format_html(
            '<form method="post" action="{}" class="inline-form">{}'
            '<input type="hidden" name="next" value="{}#comment-{}">'
            '<input type="hidden" name="{}" value="{}">'
            '<button type="submit" class="link-button">{}</button></form>',
            self._url(template, comment),
            self.csrf_input,
            self.viewer["review_url"],
            comment.pk,
            name,
            "1" if ask else "0",
            labels[0] if ask else labels[1],
        )
