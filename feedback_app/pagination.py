"""Page numbers of the staff lists, read the same way everywhere."""

from flask import request
from sqlalchemy import Select

from .extensions import db

# Beyond this a page number is a typing mistake or a probe; the OFFSET it makes must still fit
# a database integer (page × page size < 2**31 for every list's page size).
MAX_PAGE = 100_000


def page_arg() -> int:
    """The list page asked for in `?page=`: 1 when missing or not a number, within 1..MAX_PAGE."""
    return min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)


def page_of(query: Select, page: int, size: int, *, rows: bool = False) -> tuple[list, bool]:
    """One page of a query's results (entities, or whole rows with `rows`) and whether another
    page follows: one row more than the page is fetched, so no COUNT is needed."""
    result = db.session.execute(query.limit(size + 1).offset((page - 1) * size))
    found = result.all() if rows else result.scalars().unique().all()
    return list(found[:size]), len(found) > size
