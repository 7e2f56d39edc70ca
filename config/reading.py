"""From TOML as parsed to a validated model, and pydantic's errors said as one line.

The models declare Python types; the file's own conventions are turned into those types here,
before pydantic validates strictly (so `port = "8080"` is refused, not guessed at):
- a duration is written "90m", "8h", "7d" or "1d12h";
- a value written "${NAME}" is read from the environment variable NAME and converted to the
  key's type (integers, numbers, true/false/1/0, durations, strings);
- a key no model declares is refused, with the nearest valid name (difflib).

Every error is a `SettingsError` of one line: the file, the key and the reason
(`settings.toml: [email.smtp_server] port: must be between 0 and 65535`). pydantic's own error
text never reaches the user: `_reason` translates it.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeGuard, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from complaints.durations import parse_duration, written
from complaints.errors import SettingsError

M = TypeVar("M", bound=BaseModel)

_ENV = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


def read_table(
    model: type[M],
    table: Mapping[str, Any],
    path: Path,
    environ: Mapping[str, str],
    also_known: Sequence[str] = (),
) -> M:
    """`table` validated as `model`; `also_known` names top-level keys read elsewhere (and
    left out of `table`), so a misspelling of one of them is suggested too."""
    refuse_unknown(path, (), table, [*model.model_fields, *also_known])
    prepared = _Preparer(path, environ).model(model, table, ())
    try:
        return model.model_validate(prepared, strict=True)
    except ValidationError as error:
        raise _translated(path, model, error) from None


Key = tuple[str, ...]
"""Where a value sits in the file: ("email", "smtp_server", "port"); list items count from 1."""


def _boolean(text: str) -> bool:
    return {"true": True, "1": True, "false": False, "0": False}[text.lower()]


_FROM_ENVIRONMENT: dict[Any, tuple[Callable[[str], Any], str]] = {
    int: (int, "an integer"),
    float: (float, "a number"),
    bool: (_boolean, "true, false, 1 or 0"),
    timedelta: (parse_duration, "a duration such as '90m', '8h', '7d' or '1d12h'"),
}


class _Preparer:
    """Walks a table beside the model that declares it: refuses unknown keys, reads "${NAME}"
    values from the environment, and turns durations into timedeltas and lists into tuples,
    so that strict validation needs no guessing. An absent sub-table is read as an empty one,
    so its defaults are checked (and its errors located) like written values."""

    def __init__(self, path: Path, environ: Mapping[str, str]) -> None:
        self.path, self.environ = path, environ

    def model(self, model: type[BaseModel], raw: Any, key: Key) -> Any:
        if not isinstance(raw, dict):
            return raw  # pydantic says it must be a table
        fields = model.model_fields
        refuse_unknown(self.path, key, raw, [n for n, f in fields.items() if _writable(f)])
        prepared = {
            name: self.value(fields[name].annotation, v, (*key, name)) for name, v in raw.items()
        }
        for name, field in fields.items():
            if name not in prepared and _is_model(field.annotation):
                prepared[name] = self.model(field.annotation, {}, (*key, name))
        return prepared

    def value(self, annotation: Any, value: Any, key: Key) -> Any:
        kind = _optional_of(annotation)
        if isinstance(value, str) and (found := _ENV.match(value)):
            return self.environment(kind, found.group(1), key)
        if _is_model(kind):
            return self.model(kind, value, key)
        if kind is timedelta and isinstance(value, str):
            try:
                return parse_duration(value)
            except ValueError as error:
                raise settings_error(self.path, key, str(error)) from None
        origin, args = get_origin(kind), get_args(kind)
        if origin in (tuple, list) and isinstance(value, list):
            items = [
                self.value(args[0], item, (*key, str(number)))
                for number, item in enumerate(value, start=1)
            ]
            return tuple(items) if origin is tuple else items
        if origin in (dict, Mapping) and isinstance(value, dict):
            return {name: self.value(args[1], item, (*key, name)) for name, item in value.items()}
        return value

    def environment(self, kind: Any, name: str, key: Key) -> Any:
        if name not in self.environ:
            reason = f"names environment variable {name}, which is not set"
            raise settings_error(self.path, key, reason)
        text = self.environ[name]
        if kind not in _FROM_ENVIRONMENT:
            return text  # a string, or a value the model then refuses with its reason
        convert, expected = _FROM_ENVIRONMENT[kind]
        try:
            return convert(text.strip())
        except (ValueError, KeyError):
            # The value is not shown: it may be a secret put in the wrong variable.
            raise settings_error(
                self.path, key, f"environment variable {name} must hold {expected}"
            ) from None


def _optional_of(annotation: Any) -> Any:
    """`X` for `X | None`; any other annotation as it is."""
    if get_origin(annotation) in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            return members[0]
    return annotation


def _writable(field: FieldInfo) -> bool:
    """Whether settings.toml may write the field: not one filled in from its table's name
    (a value written there would be overwritten without a word)."""
    extra = field.json_schema_extra
    return not (isinstance(extra, dict) and extra.get("from_table_name"))


def _is_model(annotation: Any) -> TypeGuard[type[BaseModel]]:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def refuse_unknown(path: Path, key: Key, table: Mapping[str, Any], known: Sequence[str]) -> None:
    for name in table:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean {close[0]}?" if close else f"known keys: {', '.join(known)}"
            raise settings_error(path, (*key, name), f"unknown key; {hint}")


# ---- pydantic's errors, said as one line about one key ------------------------------------------

_EXPECTED = {
    "int_type": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "bool_type": "true or false",
    "string_type": "a string",
    "tuple_type": "a list",
    "list_type": "a list",
    "dict_type": "a table",
    "mapping_type": "a table",
    "model_type": "a table",
    "time_delta_type": "a duration such as '90m', '8h', '7d' or '1d12h'",
}
_BOUNDS = {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}


def _translated(path: Path, model: type[BaseModel], error: ValidationError) -> SettingsError:
    first = error.errors(include_url=False)[0]
    loc = first["loc"]
    key = tuple(str(part + 1) if isinstance(part, int) else str(part) for part in loc)
    return settings_error(path, key, _reason(first, _field_at(model, loc)))


def _reason(error: Any, field: FieldInfo | None) -> str:
    kind, context = error["type"], error.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        return str(context.get("error", "is not valid"))
    if kind == "missing":
        return "is required"
    if kind == "literal_error":
        return f"must be {context['expected']}"
    if kind in _BOUNDS:
        return _bounds(field, context)
    if kind in _EXPECTED:
        return f"must be {_EXPECTED[kind]}, not {_given(error.get('input'), kind)}"
    return f"is not valid here ({kind.replace('_', ' ')})"


def _given(value: Any, kind: str) -> str:
    """What was written instead, for a refusal that reaches stderr and the journal at every
    restart. The value itself is said only when it is a number or true/false given for a key
    that takes no text (`port = 80.5`): every secret (password, token, secret, a URL with a
    password) is a string key, so a number written there may be the secret unquoted, and a
    string, list or table may be a secret or personal data pasted under the wrong key; those
    are named by their type, with the fix when quotes are the likely mistake."""
    if isinstance(value, bool | int | float) and kind != "string_type":
        return repr(value)
    if isinstance(value, str):
        return "a string (write it without quotes)"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        number = "an integer" if isinstance(value, int) else "a number"
        return f"{number} (write it in quotes)" if kind == "string_type" else number
    if isinstance(value, list):
        return "a list"
    return "a table" if isinstance(value, dict) else "a date or time"


def _bounds(field: FieldInfo | None, context: Mapping[str, Any]) -> str:
    declared = field.metadata if field is not None else []
    limits = {
        name: getattr(item, name)
        for item in declared
        for name in ("ge", "gt", "le", "lt")
        if getattr(item, name, None) is not None
    } or dict(context)
    low, high = limits.get("ge", limits.get("gt")), limits.get("le", limits.get("lt"))
    if low is not None and high is not None:
        return f"must be between {_number(low)} and {_number(high)}"
    if low is not None:
        return f"must be {'at least' if 'ge' in limits else 'more than'} {_number(low)}"
    if high is not None:
        return f"must be {'at most' if 'le' in limits else 'less than'} {_number(high)}"
    return "is out of range"


def _number(value: float | timedelta) -> str:
    if isinstance(value, timedelta):
        return written(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _field_at(model: type[BaseModel], loc: Sequence[int | str]) -> FieldInfo | None:
    """The declaration of the value at `loc`, for its bounds; None inside lists and tables."""
    annotation: Any = model
    field = None
    for part in loc:
        kind = _optional_of(annotation)
        if _is_model(kind):
            field = kind.model_fields.get(str(part))
            if field is None:
                return None
            annotation = field.annotation
        elif args := get_args(kind):
            annotation = args[1] if get_origin(kind) in (dict, Mapping) else args[0]
            field = None
        else:
            return None
    return field


def settings_error(path: Path, key: Key, reason: str) -> SettingsError:
    *section, name = key
    where = f"[{'.'.join(section)}] {name}" if section else name
    return SettingsError(f"{path}: {where}: {reason}")
