"""The signed JSON body of `POST /webhook/{source}`: one model that both validates it and
describes it in the OpenAPI document, so the description cannot drift from what is checked.

The route reads the body raw (the HMAC is over its exact bytes) and validates it only after the
signature matched; `OPENAPI` hands the same schema to the OpenAPI document by hand, since a
body parameter would make FastAPI parse the body before the signature is checked.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError, PydanticUseDefault

from channels.base import Attachment, safe_filename
from complaints import numbers
from complaints.cleaning import nul_free, refuse_nul
from complaints.dates import EXPECTED, purchase_date
from complaints.media import media_type
from complaints.problems import Invalid, Refusal, problem

Text = Annotated[str, Field(max_length=200)]
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _number_as_text(value: Any) -> Any:
    """Integrators send ids as numbers as often as strings; both mean the same id."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _typed_number(value: Any) -> Any:
    """A form's field the customer filled may hold the number as they typed it: Chinese input
    methods type digits full-width ("Ｃ－２０２６－０００００７")."""
    return numbers.as_written(value) if isinstance(value, str) else value


Identifier = Annotated[
    str,
    # the length as a string's, before the validator: after it pydantic would count "items"
    StringConstraints(min_length=1, max_length=200),
    AfterValidator(refuse_nul),
    BeforeValidator(_number_as_text),
    Field(json_schema_extra={"type": ["string", "integer"]}),
]


def _nullable_optionals(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """The schema says what `Cleaned` takes: null in every optional field."""
    for name, field in model.model_fields.items():
        described = schema["properties"][name]
        if field.is_required():
            continue
        if isinstance(described.get("type"), str):
            described["type"] = [described["type"], "null"]
        elif "$ref" in described:
            described["anyOf"] = [{"$ref": described.pop("$ref")}, {"type": "null"}]


class Cleaned(BaseModel):
    """A part of the body, cleaned before it is validated: its strings lose NUL (see
    `complaints.cleaning`; its `id`, if any, is refused with one instead), and JSON null in an
    optional field is the field not given, as if the key were absent. Many CRM serialisers
    write null for every empty field; refusing the whole complaint for it lost real
    complaints, and taking null as "erase" would let such a serialiser wipe contact data that
    the customer gave before. Null where a value is required is refused naming what to send.
    This is the one home of both rules for every model of the body."""

    model_config = ConfigDict(json_schema_extra=_nullable_optionals)

    @model_validator(mode="before")
    @classmethod
    def _without_nul(cls, data: Any) -> Any:
        if data is None:  # an item of a list, as `"attachments": [null]`: nothing to take
            required = ", ".join(n for n, f in cls.model_fields.items() if f.is_required())
            raise _null(f"an object with {required}")
        return nul_free(data, keep=("id",))

    @field_validator("*", mode="before")
    @classmethod
    def _null_is_not_given(cls, value: Any, info: ValidationInfo) -> Any:
        """Before the field's own checks, which would call null "not a valid string"."""
        if value is not None:
            return value
        field = cls.model_fields[info.field_name or ""]
        if not field.is_required():
            raise PydanticUseDefault  # pydantic's own "use the field's default"
        raise _null(_what_to_send(field))


def _what_to_send(field: FieldInfo) -> str:
    """What a required field holds, for the refusal of a null in it: the first clause of its
    description, or the object's required fields."""
    if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
        fields = field.annotation.model_fields.items()
        return "an object with " + ", ".join(n for n, f in fields if f.is_required())
    return re.split(r"[:;(]", field.description or "a value")[0].strip()


def _null(what: str) -> PydanticCustomError:
    return PydanticCustomError("null_not_allowed", "must not be null: send {what}", {"what": what})


class CustomerIn(Cleaned):
    """The customer as your system knows them; the newest contact data is kept."""

    id: Identifier = Field(description="the customer's id in your system")
    name: Text = ""
    email: Text = ""
    phone: Text = ""
    tier: Annotated[str, Field(max_length=40, description='your CRM tier, e.g. "vip"')] = ""


class AttachmentIn(Cleaned):
    name: Annotated[str, Field(min_length=1, max_length=255, description="the file name")]
    content_type: Annotated[
        str, Field(min_length=3, max_length=255, description="a media type such as image/png")
    ]
    data: Annotated[str, Field(description="the file's bytes, base64-encoded")]

    @field_validator("content_type")
    @classmethod
    def _media_type(cls, value: str, info: ValidationInfo) -> str:
        """A media type (`image/png`, `text/plain; charset=utf-8`), else the attachment is
        refused: a CR/LF here would otherwise be stored and break the download's header."""
        checked = media_type(value)
        if not checked:
            name = info.data.get("name", "")
            raise ValueError(
                f"attachment {name!r}: content_type must be a media type such as image/png"
            )
        return checked

    @field_validator("data")
    @classmethod
    def _base64(cls, value: str) -> str:
        """Checked here so a bad file is named like any other wrong field."""
        try:
            base64.b64decode(value, validate=True)
        except binascii.Error:
            raise ValueError("data must be base64") from None
        return value

    def attachment(self) -> Attachment:
        """The file as intake stores it: its name without any directory part."""
        data = base64.b64decode(self.data, validate=True)
        return Attachment(safe_filename(self.name) or "attachment", self.content_type, data)


def _iso_date(value: str, info: ValidationInfo) -> str:
    """A purchase date as the webhook takes it: exactly YYYY-MM-DD, a real date, not after
    today (the validation context's `today`, from the channel's clock), as an agent's edit."""
    today: date = (info.context or {})["today"]
    if value and not (ISO_DATE.fullmatch(value) and purchase_date(value, today)):
        raise ValueError(f"purchase_date must be {EXPECTED}, not after today")
    return value


class DetailsIn(Cleaned):
    """Registration data the integrating system already has (seeds 002, 003); recorded on the
    complaint, and a follow-up fills fields still empty."""

    product: Text = ""
    model: Text = ""
    serial_number: Text = ""
    order_number: Text = ""
    purchase_date: Annotated[
        str,
        AfterValidator(_iso_date),
        Field(description='exactly YYYY-MM-DD ("2026-03-02"); free text and numbers are refused'),
    ] = ""
    desired_outcome: Annotated[str, Field(max_length=1000)] = ""

    def as_fields(self) -> dict[str, str]:
        values = self.model_dump(exclude_none=True)
        return {key: str(value) for key, value in values.items() if value}


class ComplaintIn(Cleaned):
    """A complaint, or a follow-up to one, from an integrated system."""

    id: Identifier = Field(
        description="your idempotency key for this message: the same id from the same source "
        "is never stored twice (a repeat with the same customer and text is answered 200 with "
        "the first answer's fields; with another customer or text, 409)"
    )
    customer: CustomerIn
    text: Annotated[str, Field(max_length=50_000, description="what the customer wrote")]
    subject: Text = ""
    language: Annotated[
        str,
        Field(max_length=35, description="a language tag (zh-CN, zh-TW, es-MX, en); else detected"),
    ] = ""
    complaint: Annotated[
        str,
        Field(
            pattern=rf"^({numbers.PATTERN})?$",
            description="an existing complaint number of this customer: this is a follow-up "
            "(typed full-width or in lower case, it is read as the bot writes it)",
        ),
        BeforeValidator(_typed_number),
    ] = ""
    attachments: list[AttachmentIn] = Field(
        default=[], description="limits: [intake] max_attachments, max_attachment_bytes"
    )
    details: DetailsIn = DetailsIn()

    @field_validator("attachments", mode="before")
    @classmethod
    def _few_enough(cls, value: Any, info: ValidationInfo) -> Any:
        """Counted before any item is validated (the context's `max_attachments`): a list of
        200,000 items would otherwise take the server's time and answer a refusal each."""
        limit: int = (info.context or {})["max_attachments"]
        if isinstance(value, list) and len(value) > limit:
            raise ValueError(f"at most {limit} attachments are accepted")
        return value


EXAMPLES = {
    "new": {
        "summary": "A new complaint",
        "value": {
            "id": "order-5521-msg-1",
            "customer": {"id": "42", "name": "Ana Pérez", "email": "ana@example.com"},
            "text": "Me han cobrado dos veces la misma compra, quiero el reembolso.",
            "details": {"order_number": "5521", "purchase_date": "2026-03-02"},
        },
    },
    "follow-up": {
        "summary": "A follow-up to an existing complaint, with a photo",
        "value": {
            "id": "order-5521-msg-2",
            "customer": {"id": "42"},
            "complaint": "C-2026-000123",
            "text": "Here is the bank statement.",
            "attachments": [
                {"name": "statement.png", "content_type": "image/png", "data": "iVBORw0KGgo="}
            ],
        },
    },
}


def _inlined(schema: Any, definitions: dict[str, Any]) -> Any:
    """`schema` with every `$ref` to its `$defs` replaced by the definition: the body's schema
    stands alone in the operation (the models are not recursive)."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inlined(definitions[schema["$ref"].rsplit("/", 1)[-1]], definitions)
        return {key: _inlined(value, definitions) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_inlined(item, definitions) for item in schema]
    return schema


def _schema() -> dict[str, Any]:
    schema = ComplaintIn.model_json_schema()
    definitions = schema.pop("$defs", {})
    inlined: dict[str, Any] = _inlined(schema, definitions)
    return inlined


SIGNATURE_HEADERS = [
    {
        "name": "X-Signature",
        "in": "header",
        "required": True,
        "description": "sha256=<hex HMAC-SHA256 of the raw body under the source's secret> "
        "(of `<timestamp>.<body>` when X-Signature-Timestamp is sent)",
        "schema": {"type": "string", "pattern": "^sha256=[0-9A-Fa-f]{64}$"},
    },
    {
        "name": "X-Signature-Timestamp",
        "in": "header",
        "required": False,
        "description": "the Unix time in seconds; must be within 5 minutes of the server's clock",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    },
]
OPENAPI: dict[str, Any] = {
    "parameters": SIGNATURE_HEADERS,
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": _schema(), "examples": EXAMPLES}},
    },
}
"""The route's `openapi_extra`: the signed body's schema and examples, and the signature
headers."""


class Acknowledged(BaseModel):
    """The answer to an accepted message: the acknowledgement comes back at once."""

    complaint: str = Field(description="the complaint number, e.g. C-2026-000123")
    status: str
    grade: str
    category: str
    department: str
    language: str
    acknowledgement: str = Field(description="what the customer is told, in their language")


def _refused(description: str, *details: object) -> dict[str, Any]:
    model = Invalid if isinstance(details[0], list) else Refusal
    examples = {f"example {n}": {"value": {"detail": d}} for n, d in enumerate(details, 1)}
    return {
        "model": model,
        "description": description,
        "content": {"application/json": {"examples": examples}},
    }


RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": Acknowledged, "description": "This id was received before; nothing stored"},
    401: _refused(
        "X-Signature missing, not of the form sha256=<hex>, or not matching the body, or "
        "X-Signature-Timestamp too far off",
        "X-Signature does not match the body",
        "X-Signature must be sha256=<hex HMAC-SHA256 of the body under the source's secret>: "
        "the sha256= prefix is missing",
    ),
    404: _refused(
        "No such source",
        "unknown webhook source 'crm'; configure [webhook.sources.crm] in settings.toml",
    ),
    409: _refused(
        "`complaint` names another customer's complaint, or `id` was used before for another "
        "message (another customer or other text)",
        "complaint C-2026-000123 belongs to another customer",
        "this id was already used for a different complaint (another customer or other text); "
        "nothing was stored: send this message with a new id",
    ),
    413: _refused("The body is over [webhook] max_body_bytes", "body larger than 10485760 bytes"),
    415: _refused(
        "Content-Type is not application/json (or a +json type), or names a charset other "
        "than UTF-8; no Content-Type at all is read as JSON",
        "send Content-Type: application/json (the body is JSON), not "
        "'application/x-www-form-urlencoded'",
    ),
    422: _refused(
        "Not JSON, a field missing or wrong (a list naming each field, more than "
        "[intake] max_attachments included), or the message as a whole refused (one "
        "sentence: empty text, an attachment too large, unknown complaint)",
        [problem(["body", "customer", "id"], "Field required", "missing")],
        "the message has no text and no attachment",
    ),
    503: _refused(
        "The store is unavailable; nothing was stored. Send again after Retry-After seconds",
        "the complaint store is unavailable; nothing was stored, retry later",
    ),
}
"""The route's answers besides 202, each with the body really sent."""
