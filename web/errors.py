"""How the desk's errors become HTTP answers: the message is written for the person using the
API or console, and says what to do instead. Every answer has the one body of
`complaints.problems` (the webhook's too): `{"detail": reason}`, or for fields that fail
validation (FastAPI's checks, or the desk's `WrongFields`), 422 with
`{"detail": [Problem, ...]}`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from complaints.errors import (
    AccountError,
    AlreadyErased,
    CannotReach,
    ComplaintBotError,
    ComplaintNotYours,
    IllegalTransition,
    NotAllowed,
    NotReprocessable,
    RuleError,
    StoreUnavailable,
    UnknownAccount,
    UnknownComplaint,
    UnknownCustomer,
    UnknownDeadLetter,
    UnknownRule,
    WrongFields,
)
from complaints.problems import problem, problems

STATUS: dict[type[Exception], int] = {
    UnknownComplaint: 404,
    UnknownAccount: 404,
    UnknownRule: 404,
    UnknownCustomer: 404,
    UnknownDeadLetter: 404,
    NotReprocessable: 409,
    AlreadyErased: 409,
    NotAllowed: 403,
    ComplaintNotYours: 403,
    IllegalTransition: 409,
    CannotReach: 409,
    AccountError: 422,
    ComplaintBotError: 422,
    RuleError: 422,
}


def status_for(error: Exception) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 500


def install(app: FastAPI) -> None:
    """One handler for the whole error tree (`RuleError` included): `STATUS` picks the code
    by the nearest class in the error's MRO. Validation errors keep FastAPI's `loc`, `msg`
    and `type` and gain the webhook's `field` and `error`; the submitted `input` is dropped."""

    async def desk_error(request: Request, error: Exception) -> JSONResponse:
        if isinstance(error, WrongFields):
            wrong = [
                problem(["body", name], str(reason), "value_error")
                for name, reason in error.fields.items()
            ]
            return JSONResponse({"detail": wrong}, status_code=422)
        return JSONResponse({"detail": str(error)}, status_code=status_for(error))

    async def unavailable(request: Request, error: Exception) -> JSONResponse:
        return JSONResponse(
            {"detail": "the store is busy or unreachable; nothing was changed, try again"},
            status_code=503,
            headers={"Retry-After": "5"},
        )

    async def invalid(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        return JSONResponse({"detail": problems(error.errors())}, status_code=422)

    app.add_exception_handler(ComplaintBotError, desk_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StoreUnavailable, unavailable)
