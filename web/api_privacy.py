"""Customers' personal data for admins: look up, export everything about one customer, erase it
(statistics are kept)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field

from web.api_docs import refusals
from web.auth import AdminUser
from web.bodies import Body, RowId
from web.deps import PrivacyDep

router = APIRouter(prefix="/api", tags=["privacy"])


class EraseIn(Body):
    confirm: Annotated[str, Field(description="the customer's id again, to confirm")]


@router.get("/customers", summary="Find customers by name, e-mail, phone or channel address")
async def search(
    admin: AdminUser,
    privacy: PrivacyDep,
    q: Annotated[str, Query(min_length=2, max_length=200, description="part of what to find")],
) -> list[dict[str, Any]]:
    return await privacy.search(q)


@router.get(
    "/customers/{customer_id}/export",
    summary="Everything stored about one customer, as a JSON file",
)
async def export(customer_id: RowId, admin: AdminUser, privacy: PrivacyDep) -> JSONResponse:
    document = await privacy.export(customer_id, by=admin)
    return JSONResponse(
        document,
        headers={"Content-Disposition": f'attachment; filename="customer-{customer_id}.json"'},
    )


@router.post(
    "/customers/{customer_id}/erase",
    summary="Erase one customer's personal data (complaint statistics are kept)",
    responses=refusals(409),
)
async def erase(
    customer_id: RowId, body: EraseIn, admin: AdminUser, privacy: PrivacyDep
) -> dict[str, Any]:
    counts = await privacy.erase(customer_id, body.confirm, admin)
    return {"customer": customer_id, "erased": counts}
