"""Events other apps subscribe to (search keeps its index from these and post_save).

Services send them after the change is written, inside its transaction. Bulk paths (imports)
send `paper_changed` with `deep=True` once per paper instead of one signal per row.
"""

from __future__ import annotations

from django.dispatch import Signal

# paper_id; deep: the paper's reviews and comments changed too
paper_changed = Signal()
# review_id, paper_id: written, published, unpublished or deleted
review_changed = Signal()
# comment_id, review_id: written or deleted
comment_changed = Signal()
# Who should hear of it (notifications), sent inside the writing transaction:
# review_id, by_id, first (its first revision): a review was published
review_published = Signal()
# comment_id, by_id, previous_body ("" when new): a comment was written or edited
comment_written = Signal()
# run_id: a demo run succeeded or failed
run_ended = Signal()
# member_id, paper_id: a member bookmarked a paper or took the bookmark off
bookmark_changed = Signal()
# member_id: written in bulk (a member's save() sends post_save, which search also follows)
member_changed = Signal()
# cohort_id: `loaddemo` made (or found) the demo group; other apps add their demo data
demo_loaded = Signal()
# The group archive (reviews.exports): receivers of `archive_exporting` return a dict of their
# sections ({name: rows}); receivers of `archive_importing` get `importer` (its members,
# cohorts, entries, rows(), record(), checked() and stamp()) after the reviews' own sections,
# and return {name: count}.
archive_exporting = Signal()
archive_importing = Signal()
