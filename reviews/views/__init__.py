"""Browser pages, one module per resource: `lists`, `papers`, `reviews`, `comments` and
`discussion`, `members` and `account`, `runs`, the imports and exports."""

from __future__ import annotations

from .account import (
    email_change,
    email_remove,
    email_verify,
    feed_key_create,
    feed_key_revoke,
    password_change,
)
from .arxiv_import import arxiv_import, paper_complete_authors
from .comments import comment_create, comment_delete
from .discussion import comment_edit, comment_history, review_revision
from .exports import member_bibtex, paper_bibtex, reading_list_bibtex, review_export
from .feed_import import feed_import_page, markdown_from_html
from .images import review_image, review_image_create
from .import_inbox import import_inbox
from .imports import import_papers
from .lists import entry_status, home, reading_list
from .members import invite_accept, member_detail, profile_edit, token_create, token_revoke
from .papers import bookmark, paper_compare, paper_detail, paper_index
from .reviews import (
    review_detail,
    review_edit,
    review_history,
    review_preview,
    review_unpublish,
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
    "email_change",
    "email_remove",
    "email_verify",
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
    "paper_complete_authors",
    "paper_detail",
    "paper_index",
    "password_change",
    "profile_edit",
    "reading_list",
    "reading_list_bibtex",
    "review_detail",
    "review_edit",
    "review_export",
    "review_history",
    "review_image",
    "review_image_create",
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
