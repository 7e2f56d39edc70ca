"""JSON null in the webhook's body, as CRM serialisers send it for empty fields (the real bot
under uvicorn, signed bodies): null in an optional field is the field not given, stored exactly
as if the key were absent; null where a value is required is refused with a 422 that names the
field and says what to send, and stores nothing."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import sqlalchemy as sa

from channels.webhook.body import OPENAPI
from complaints.clock import ManualClock
from tests.channels.test_webhook import complaint, post
from tests.conftest import START, table_counts

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()
FULL_CUSTOMER = {"name": "Ana Pérez", "email": "ana@example.com", "phone": "+34 600 000 000"}
OPTIONAL = [
    ("subject",),
    ("language",),
    ("complaint",),
    ("attachments",),
    ("details",),
    ("customer", "name"),
    ("customer", "email"),
    ("customer", "phone"),
    ("customer", "tier"),
    ("details", "product"),
    ("details", "model"),
    ("details", "serial_number"),
    ("details", "order_number"),
    ("details", "purchase_date"),
    ("details", "desired_outcome"),
]
"""Every optional field of the body, as a path."""

# Columns that differ between any two complaints whatever their input.
OWN = {"id", "number", "customer_id", "identity_id", "address", "search_text", "routing_trace"}


def _body(key: str, path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A complaint by customer `key` with `path` set to `value`, or left out for `...`."""
    body = complaint(key, "My bill is wrong, I was charged twice.", customer=key)
    body["details"] = {"product": "Router", "order_number": "5521"}
    *parents, last = path
    place = body
    for name in parents:
        place = place[name]
    if value is ...:
        place.pop(last, None)
    else:
        place[last] = value
    return body


def _stored(url: str, customer: str) -> dict[str, Any]:
    """What the store holds of the complaint of webhook customer `customer`, less its own ids."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        row = connection.execute(
            sa.text(
                "SELECT c.*, p.name AS customer_name, p.email, p.phone, p.tier, "
                "(SELECT count(*) FROM attachments a JOIN messages m ON a.message_id = m.id "
                "WHERE m.complaint_id = c.id) AS files "
                "FROM complaints c JOIN identities i ON c.identity_id = i.id "
                "JOIN customers p ON c.customer_id = p.id WHERE i.address = :address"
            ),
            {"address": f"shop:{customer}"},
        )
        [found] = row.mappings().all()
    engine.dispose()
    return {key: value for key, value in found.items() if key not in OWN}


async def test_null_in_each_optional_field_is_stored_as_if_it_were_absent(start_bot: Any) -> None:
    bot = await start_bot(clock=ManualClock(START))
    for number, path in enumerate(OPTIONAL):
        given_null = await post(bot, _body(f"null-{number}", path, None))
        assert given_null.status_code == 202, (path, given_null.text)
        left_out = await post(bot, _body(f"absent-{number}", path, ...))
        assert left_out.status_code == 202, (path, left_out.text)
        assert _stored(bot.store_url, f"null-{number}") == _stored(
            bot.store_url, f"absent-{number}"
        ), path


async def test_the_testers_body_with_a_null_name_is_accepted(start_bot: Any) -> None:
    bot = await start_bot()
    body = {"id": "n", "customer": {"id": "n1", "name": None}, "text": "My bill is wrong"}
    accepted = await post(bot, body)
    assert accepted.status_code == 202, accepted.text
    assert _stored(bot.store_url, "n1")["customer_name"] == ""


async def test_every_optional_field_null_at_once_is_a_plain_complaint(start_bot: Any) -> None:
    bot = await start_bot()
    body = {
        "id": "all-null",
        "customer": {"id": "c-9", "name": None, "email": None, "phone": None, "tier": None},
        "text": "My bill is wrong",
        "subject": None,
        "language": None,
        "complaint": None,
        "attachments": None,
        "details": None,
    }
    accepted = await post(bot, body)
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["language"] == "en"


async def test_null_contact_data_keeps_what_the_customer_gave_before(start_bot: Any) -> None:
    """Null is "not given", not "erase": a later message with null contact data leaves the
    customer's name, e-mail and phone as they were."""
    bot = await start_bot()
    first = complaint("k-1", "The router keeps rebooting.", customer="k")
    first["customer"].update(FULL_CUSTOMER)
    opened = await post(bot, first)
    assert opened.status_code == 202, opened.text
    later = complaint("k-2", "Still rebooting.", customer="k", complaint=opened.json()["complaint"])
    later["customer"].update(name=None, email=None, phone=None, tier=None)
    assert (await post(bot, later)).status_code == 202
    stored = _stored(bot.store_url, "k")
    assert (stored["customer_name"], stored["email"], stored["phone"]) == tuple(
        FULL_CUSTOMER.values()
    )


def _attachment(**fields: Any) -> dict[str, Any]:
    return {"name": "photo.png", "content_type": "image/png", "data": PNG, **fields}


@pytest.mark.parametrize(
    ("body", "field", "send"),
    [
        ({"id": None, "customer": {"id": "c"}, "text": "Broken."}, "id", "idempotency key"),
        ({"id": "r", "customer": {"id": "c"}, "text": None}, "text", "what the customer wrote"),
        ({"id": "r", "customer": None, "text": "Broken."}, "customer", "id"),
        ({"id": "r", "customer": {"id": None}, "text": "Broken."}, "customer.id", "id in your"),
        (
            {**complaint("r", "Broken."), "attachments": [None]},
            "attachments.0",
            "name, content_type, data",
        ),
        (
            {**complaint("r", "Broken."), "attachments": [_attachment(name=None)]},
            "attachments.0.name",
            "file name",
        ),
        (
            {**complaint("r", "Broken."), "attachments": [_attachment(content_type=None)]},
            "attachments.0.content_type",
            "image/png",
        ),
        (
            {**complaint("r", "Broken."), "attachments": [_attachment(data=None)]},
            "attachments.0.data",
            "base64",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and "." in value else None,
)
async def test_null_in_a_required_field_is_422_saying_what_to_send(
    start_bot: Any, body: dict[str, Any], field: str, send: str
) -> None:
    bot = await start_bot()
    before = table_counts(bot.store_url)
    refused = await post(bot, body)
    assert refused.status_code == 422, refused.text
    [wrong] = refused.json()["detail"]
    assert wrong["field"] == field
    assert wrong["error"].startswith("must not be null: send "), wrong
    assert send in wrong["error"], wrong
    assert wrong["type"] == "null_not_allowed"
    assert table_counts(bot.store_url) == before


def _takes_null(described: dict[str, Any]) -> bool:
    kinds = [described.get("type"), *(kind.get("type") for kind in described.get("anyOf", []))]
    return any(kind == "null" or (isinstance(kind, list) and "null" in kind) for kind in kinds)


def test_the_documented_body_says_which_fields_take_null() -> None:
    """The OpenAPI document is the model that validates: every optional field is described
    as taking null, no required one is."""
    schema = OPENAPI["requestBody"]["content"]["application/json"]["schema"]
    for path in OPTIONAL:
        described = schema
        for name in path:  # through an optional object's {"anyOf": [object, null]}
            described = described.get("anyOf", [described])[0]["properties"][name]
        assert _takes_null(described), path
    properties = schema["properties"]
    required = [properties["id"], properties["text"], properties["customer"]]
    required.append(properties["customer"]["properties"]["id"])
    assert not any(_takes_null(described) for described in required)
