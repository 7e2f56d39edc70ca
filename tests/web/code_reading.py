"""Reading the bot's own code for what it writes (events, reasons, message kinds, dead letters'
reasons), so the console's wording tests find a text added later without a wording.

A value is followed where the code hands it on: through a variable, a parameter (to every
call of the function, in any module), a field of a class (to every construction of the class
and its default), a function's returns (of the module, else of any module), a conditional, an
`or`, and an f-string (its values written "0"): a reason built in one module and written in
another is found."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = ("tests", ".venv", "bench", "migrations")
DEPTH = 6
"""How many hand-overs a value is followed through."""


class Module:
    """One source file's syntax tree, with its functions and constants at hand."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
        self.functions: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self.functions.setdefault(node.name, []).append(node)

    def function_of(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return None

    def where(self, node: ast.AST) -> str:
        return f"{self.path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"


def _sources() -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*.py")):
        if not set(path.relative_to(ROOT).parts) & set(SKIPPED):
            yield path


MODULES = [Module(path) for path in _sources()]
CONSTANTS = {
    target.id: node.value.value
    for module in MODULES
    for node in module.tree.body
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
    for target in node.targets
    if isinstance(target, ast.Name) and isinstance(node.value.value, str)
}


def called_name(call: ast.Call) -> str:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return call.func.id if isinstance(call.func, ast.Name) else ""


CALLS: dict[str, list[tuple[Module, ast.Call]]] = {}
for _module in MODULES:
    for _node in ast.walk(_module.tree):
        if isinstance(_node, ast.Call):
            CALLS.setdefault(called_name(_node), []).append((_module, _node))

FIELDS: dict[str, list[tuple[Module, str, list[str], ast.expr | None]]] = {}
"""A class attribute's name → (module, class, the class's fields in order, its default)."""
for _module in MODULES:
    for _node in ast.walk(_module.tree):
        if isinstance(_node, ast.ClassDef):
            _annotated = [
                item
                for item in _node.body
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
            ]
            _order = [item.target.id for item in _annotated if isinstance(item.target, ast.Name)]
            for item, name in zip(_annotated, _order, strict=True):
                FIELDS.setdefault(name, []).append((_module, _node.name, _order, item.value))


def params(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    arguments = function.args
    return [a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]]


def argument(call: ast.Call, position: int, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    if any(isinstance(given, ast.Starred) for given in call.args[: position + 1]):
        return None
    return call.args[position] if 0 <= position < len(call.args) else None


def _position(function: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> int:
    names = params(function)
    if name not in names[: len(function.args.posonlyargs) + len(function.args.args)]:
        return -1  # keyword-only
    return names.index(name) - (1 if names and names[0] in ("self", "cls") else 0)


def callers(
    module: Module, function: ast.AST, name: str
) -> Iterator[tuple[Module, ast.expr, ast.Call]]:
    """The expressions given for parameter `name` of `function` by its calls: in its module,
    and in any module when the function is not private to its own."""
    assert isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
    position = _position(function, name)
    anywhere = not function.name.startswith("_") or function.name.startswith("__")
    for caller, call in CALLS.get(function.name, []):
        if caller is module or anywhere:
            found = argument(call, position, name)
            if found is not None:
                yield caller, found, call


def assigned(module: Module, scope: ast.AST | None, name: str) -> list[ast.expr]:
    body = scope if scope is not None else module.tree
    found: list[ast.expr] = []
    for node in ast.walk(body):
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        else:
            continue
        if any(isinstance(target, ast.Name) and target.id == name for target in targets):
            assert node.value is not None
            found.append(node.value)
    return found


def texts(module: Module, expr: ast.expr, at: ast.AST) -> set[str]:
    """The texts `expr` can be, as far as the code says them (an f-string's values "0")."""
    found: set[str] = set()
    _read(module, expr, at, 0, found, set())
    return found


def _read(
    module: Module, expr: ast.expr, at: ast.AST, depth: int, found: set[str], seen: set[int]
) -> None:
    if depth > DEPTH or id(expr) in seen:
        return
    seen.add(id(expr))
    deeper = depth + 1
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str) and expr.value:
        found.add(expr.value)
    elif isinstance(expr, ast.JoinedStr):
        found.add(
            "".join(
                str(part.value) if isinstance(part, ast.Constant) else "0" for part in expr.values
            )
        )
    elif isinstance(expr, ast.IfExp | ast.BoolOp):
        values = [expr.body, expr.orelse] if isinstance(expr, ast.IfExp) else expr.values
        for value in values:
            _read(module, value, at, deeper, found, seen)
    elif isinstance(expr, ast.Name):
        for home, value, where in _named(module, expr.id, at):
            _read(home, value, where, deeper, found, seen)
    elif isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        for home, value in _field(expr.value.id, expr.attr):
            _read(home, value, value, deeper, found, seen)
    elif isinstance(expr, ast.Call) and called_name(expr) not in ("str", "repr", "len"):
        name = called_name(expr)
        defined = [(module, f) for f in module.functions.get(name, [])] or [
            (other, f) for other in MODULES for f in other.functions.get(name, [])
        ]
        for home, function in defined:
            for node in ast.walk(function):
                if isinstance(node, ast.Return) and node.value is not None:
                    _read(home, node.value, node, deeper, found, seen)


def _named(module: Module, name: str, at: ast.AST) -> Iterator[tuple[Module, ast.expr, ast.AST]]:
    function = module.function_of(at)
    if function is not None and name in params(function):
        yield from callers(module, function, name)
        return
    values = assigned(module, function, name) or assigned(module, None, name)
    yield from ((module, value, value) for value in values)
    if not values and name in CONSTANTS:
        yield module, ast.Constant(CONSTANTS[name]), at


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def _field(owner: str, name: str) -> Iterator[tuple[Module, ast.expr]]:
    """A class field's values, `continued.quiet` of class Continued: its default and what each
    construction of the class gives. The class is the one named like the variable, or the
    only one with such a field."""
    classes = FIELDS.get(name, [])
    chosen = [entry for entry in classes if _snake(entry[1]) == owner]
    for module, cls, order, default in chosen or (classes if len(classes) == 1 else []):
        if default is not None:
            yield module, default
        for caller, call in CALLS.get(cls, []):
            given = argument(call, order.index(name), name)
            if given is not None:
                yield caller, given
