"""Customers' personal data for admins: look up, export everything about one customer, erase it
(statistics are kept)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from admin.privacy import Privacy
from web.auth import AdminUser

router = APIRouter(prefix="/api", tags=["privacy"])


class EraseIn(BaseModel):
    confirm: Annotated[str, Field(description="the customer's id again, to confirm")]


def _privacy(request: Request) -> Privacy:
    return Privacy(request.app.state.database, request.app.state.clock)


@router.get("/customers", summary="Find customers by name, e-mail, phone or channel address")
async def search(
    request: Request,
    admin: AdminUser,
    q: Annotated[str, Query(min_length=2, max_length=200, description="part of what to find")],
) -> list[dict[str, Any]]:
    return await _privacy(request).search(q)


@router.get(
    "/customers/{customer_id}/export",
    summary="Everything stored about one customer, as a JSON file",
)
async def export(request: Request, customer_id: int, admin: AdminUser) -> JSONResponse:
    document = await _privacy(request).export(customer_id)
    return JSONResponse(
        document,
        headers={"Content-Disposition": f'attachment; filename="customer-{customer_id}.json"'},
    )


@router.post(
    "/customers/{customer_id}/erase",
    summary="Erase one customer's personal data (complaint statistics are kept)",
)
async def erase(
    request: Request, customer_id: int, body: EraseIn, admin: AdminUser
) -> dict[str, Any]:
    counts = await _privacy(request).erase(customer_id, body.confirm, admin)
    return {"customer": customer_id, "erased": counts}
