"""Browser pages, one module per resource: `pages` (lists, papers, reviews, members) and `runs`."""

from __future__ import annotations

from .account import feed_key_create, feed_key_revoke, password_change
from .arxiv_import import arxiv_import
from .discussion import comment_edit, comment_history, review_revision
from .exports import member_bibtex, paper_bibtex, reading_list_bibtex, review_export
from .feed_import import feed_import_page, markdown_from_html
from .import_inbox import import_inbox
from .imports import import_papers
from .pages import (
    bookmark,
    comment_create,
    comment_delete,
    entry_status,
    home,
    invite_accept,
    member_detail,
    paper_compare,
    paper_detail,
    profile_edit,
    reading_list,
    review_detail,
    review_edit,
    review_history,
    review_preview,
    review_unpublish,
    token_create,
    token_revoke,
)
from .runs import (
    run_cancel,
    run_config_fields,
    run_detail,
    run_figure,
    run_launch,
    run_live,
    run_rerun,
)

__all__ = [
    "arxiv_import",
    "import_inbox",
    "bookmark",
    "comment_create",
    "comment_delete",
    "comment_edit",
    "comment_history",
    "entry_status",
    "feed_key_create",
    "feed_key_revoke",
    "feed_import_page",
    "home",
    "import_papers",
    "invite_accept",
    "member_bibtex",
    "markdown_from_html",
    "member_detail",
    "paper_bibtex",
    "paper_compare",
    "paper_detail",
    "password_change",
    "profile_edit",
    "reading_list",
    "reading_list_bibtex",
    "review_detail",
    "review_edit",
    "review_export",
    "review_history",
    "review_preview",
    "review_revision",
    "review_unpublish",
    "run_cancel",
    "run_config_fields",
    "run_detail",
    "run_figure",
    "run_launch",
    "run_live",
    "run_rerun",
    "token_create",
    "token_revoke",
]
