"""Getting a group's material in and out: citation lists, BibTeX, arXiv, blog feeds.

Parsers here turn outside text into ``PaperData`` (and blog items into review drafts)
without touching the database; ``reviews.services.imports`` saves what a member confirmed.
"""
