"""Page numbers of the staff lists, read the same way everywhere."""

from flask import request

# Beyond this a page number is a typing mistake or a probe; the OFFSET it makes must still fit
# a database integer (page × page size < 2**31 for every list's page size).
MAX_PAGE = 100_000


def page_arg() -> int:
    """The list page asked for in `?page=`: 1 when missing or not a number, within 1..MAX_PAGE."""
    return min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
