"""Pages: job postings with their matched candidates."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from console.jobs import POSTINGS_PAGE, load_posting, posting_list, requirements, sees_contact
from console.snapshot import open_snapshot
from console.web import CurrentUser, console, render

router = APIRouter()

STATUS_FILTERS = {"open": "在招", "expired": "已过截止日期", "duplicate": "其他渠道的重复发布", "": "全部"}


@router.get("/postings")
def postings_page(
    request: Request,
    _: CurrentUser,
    status: str = "open",
    unmet: bool = False,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """The postings of the current snapshot with their candidate counts; filter by status or unmet demand."""
    status = status if status in STATUS_FILTERS else "open"
    with open_snapshot(console(request).warehouse) as snapshot:
        rows, total = posting_list(snapshot, status, unmet, page)
    pages = max(1, math.ceil(total / POSTINGS_PAGE))
    return render(
        request,
        "postings.html",
        rows=rows,
        total=total,
        status=status,
        unmet=unmet,
        page=min(page, pages),
        pages=pages,
        filters=STATUS_FILTERS,
    )


@router.get("/postings/{posting_id}")
def posting_page(request: Request, session: CurrentUser, posting_id: str) -> Response:
    """One posting: its requirements as read, and the persons who meet them, best first, with reasons."""
    with open_snapshot(console(request).warehouse) as snapshot:
        view = load_posting(snapshot, posting_id.strip().upper(), session.role)
    if view is None:
        raise HTTPException(status_code=404, detail="没有这个岗位")
    return render(
        request, "posting.html", view=view, requirements=requirements(view.posting), unmasked=sees_contact(session.role)
    )
