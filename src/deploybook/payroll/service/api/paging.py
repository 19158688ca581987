"""Pagination: ``limit`` and ``offset`` query parameters, and the page a list answers with."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request
from pydantic import BaseModel

MAX_LIMIT = 500


class PageQuery(BaseModel):
    """Which page of a list: at most ``limit`` items from ``offset`` on."""

    limit: int
    offset: int


def page_query(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000, description="items to skip")] = 0,
) -> PageQuery:
    """The ``limit`` and ``offset`` query parameters."""
    return PageQuery(limit=limit, offset=offset)


Paging = Annotated[PageQuery, Depends(page_query)]


def page(request: Request, items: list[Any], total: int, at: PageQuery) -> dict[str, Any]:
    """The body of one page, with the address of the next page if there is one."""
    following = at.offset + at.limit
    url = request.url.include_query_params(offset=following, limit=at.limit)
    next_url = f"{url.path}?{url.query}" if following < total else None
    return {
        "items": items,
        "total": total,
        "limit": at.limit,
        "offset": at.offset,
        "next": next_url,
    }
