"""Getting data out: a review as a blog post, papers as BibTeX, the whole group as an archive.

``markdown`` and ``bibtex`` build downloads for the browser; ``archive`` is behind the
``export_group`` / ``import_group`` commands.
"""
