"""GitHub Actions expressions (``${{ ... }}``): lexer, parser and evaluator, as GitHub's own.

The reference is GitHub's evaluator (``actions/languageservices``, the same semantics as the
runner's), checked case by case against its x-language test data
(``tests/unit/cicd/emulator/test_conformance.py``): literals (``null``, booleans, numbers as
JavaScript's ``Number()`` reads them, including ``0x``/``0o``/``0b``, ``NaN`` and
``-Infinity``; single-quoted strings with ``''`` escapes), named values checked when the
expression is parsed (``Unrecognized named-value: 'secrets'``), property access with
``.name``, ``['name']`` and the ``.*`` filter (only on named values, calls and groups),
``!``, ``<``/``<=``/``>``/``>=``, ``==``/``!=`` (loosely typed; strings compared by their
upper-case forms, except the dotless i, U+0131), ``&&``/``||`` returning an operand, the
functions ``case``, ``contains``, ``startsWith``, ``endsWith``, ``format``, ``join``,
``toJSON`` and ``fromJSON``, and, where the workflow key allows them, ``success``,
``failure``, ``cancelled``, ``always`` and ``hashFiles``. Like GitHub it refuses an
expression nested deeper than 50 levels, longer than 21,000 characters, or whose evaluation
needs more than 1 MiB.

Errors carry GitHub's wording and its ``kind`` (``lexing``, ``parsing`` or ``evaluation``):
``Unexpected symbol: '@abc'. Located at position 3 within expression: 1 @abc 2``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = [
    "ALL_FUNCTIONS",
    "BUILTIN_FUNCTIONS",
    "CONTEXTS",
    "ExpressionError",
    "Scope",
    "evaluate",
    "evaluate_condition",
    "evaluate_tree",
    "interpolate",
    "interpolate_all",
    "kind_name",
    "parse",
    "to_string",
    "truthy",
]

MAX_DEPTH = 50
MAX_LENGTH = 21_000
MAX_MEMORY = 1_048_576  # bytes, as GitHub counts them (UTF-16 strings, 24-byte objects)


class ExpressionError(ValueError):
    """An expression that cannot be lexed, parsed or evaluated, in GitHub's wording."""

    def __init__(self, kind: str, message: str, expression: str, position: int | None = None):
        self.kind = kind  # lexing | parsing | evaluation
        self.reason = message
        self.expression = expression
        self.position = position
        where = (
            f"Located at position {position + 1} within expression: {expression}"
            if position is not None
            else f"Located within expression: {expression}"
        )
        super().__init__(f"{message}. {where}")


# ---------------------------------------------------------------------------- tokens

_BOUNDARY = frozenset("()[],.!><=&|")
# JavaScript's WhiteSpace and LineTerminator (what /\s/ and String.prototype.trim know)
_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
_JS_SPACE += "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_KEYWORDS: dict[str, Any] = {
    "true": True,
    "false": False,
    "null": None,
    "NaN": math.nan,
    "Infinity": math.inf,
}


@dataclass(frozen=True)
class Token:
    """A lexeme, its kind and its offset in the expression."""

    kind: str  # op, number, string, ident, keyword, eof
    text: str
    pos: int
    value: Any = None

    def shown(self) -> str:
        """The token as GitHub names it in an error (a string by its value)."""
        if self.kind == "eof":
            return "EOF"
        return str(self.value) if self.kind == "string" else self.text


def _is_boundary(ch: str) -> bool:
    return ch in _BOUNDARY or ch in _JS_SPACE


class _Lexer:
    def __init__(self, expr: str):
        self.expr = expr
        self.tokens: list[Token] = []
        self.i = 0

    def error(self, start: int, lexeme: str) -> ExpressionError:
        return ExpressionError("lexing", f"Unexpected symbol: '{lexeme}'", self.expr, start)

    def add(self, kind: str, start: int, value: Any = None) -> None:
        self.tokens.append(Token(kind, self.expr[start : self.i], start, value))

    def lex(self) -> list[Token]:
        expr = self.expr
        if len(expr) > MAX_LENGTH:
            raise ExpressionError("lexing", f"Exceeded max expression length {MAX_LENGTH}", expr)
        while self.i < len(expr):
            start = self.i
            ch = expr[self.i]
            self.i += 1
            two = expr[start : start + 2]
            if ch in "()[],*":
                self.add("op", start)
            elif ch == ".":
                previous = self.tokens[-1] if self.tokens else None
                if previous is not None and (
                    previous.kind == "ident" or previous.text in ("]", ")", "*")
                ):
                    self.add("op", start)
                else:
                    self.number(start)  # '.5', or '..github' refused as a number
            elif ch in "+-":
                self.number(start)
            elif two in ("!=", "==", "<=", ">=", "&&", "||"):
                self.i += 1
                self.add("op", start)
            elif ch in "!<>":
                self.add("op", start)
            elif ch in "=&|":
                self.identifier(start)  # a lone '=', '&' or '|': read up to a boundary, refuse
            elif ch in " \r\t\n":
                continue
            elif ch == "'":
                self.string(start)
            elif ch.isascii() and ch.isdigit():
                self.number(start)
            else:
                self.identifier(start)
        self.tokens.append(Token("eof", "", len(expr)))
        return self.tokens

    def number(self, start: int) -> None:
        while self.i < len(self.expr) and (
            not _is_boundary(self.expr[self.i]) or self.expr[self.i] == "."
        ):
            self.i += 1
        lexeme = self.expr[start : self.i]
        value = string_to_number(lexeme)
        if math.isnan(value):
            raise self.error(start, lexeme)
        self.add("number", start, value)

    def string(self, start: int) -> None:
        expr = self.expr
        while self.i < len(expr) and (expr[self.i] != "'" or expr[self.i : self.i + 2] == "''"):
            self.i += 2 if expr[self.i : self.i + 2] == "''" else 1
        if self.i >= len(expr):
            raise self.error(start, expr[start:])
        self.i += 1
        self.add("string", start, expr[start + 1 : self.i - 1].replace("''", "'"))

    def identifier(self, start: int) -> None:
        while self.i < len(self.expr) and not _is_boundary(self.expr[self.i]):
            self.i += 1
        lexeme = self.expr[start : self.i]
        after_dot = bool(self.tokens) and self.tokens[-1].text == "."
        if not _IDENTIFIER.match(lexeme):
            raise self.error(start, lexeme)
        if lexeme in _KEYWORDS and not after_dot:
            kind = "number" if lexeme in ("NaN", "Infinity") else "keyword"
            self.add(kind, start, _KEYWORDS[lexeme])
        else:
            self.add("ident", start)


# ---------------------------------------------------------------------------- syntax tree


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Context:
    name: str


@dataclass(frozen=True)
class Group:
    inner: Node


@dataclass(frozen=True)
class Index:
    target: Node
    key: Node | None  # None: the ``*`` filter


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Logical:
    op: str  # && or ||
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Call:
    name: str  # canonical (lower case)
    args: tuple[Node, ...]


Node = Literal | Context | Group | Index | Not | Binary | Logical | Call

CONTEXTS = frozenset(
    {
        "github",
        "env",
        "vars",
        "job",
        "jobs",
        "steps",
        "runner",
        "secrets",
        "strategy",
        "matrix",
        "needs",
        "inputs",
    }
)
STATUS_FUNCTIONS = frozenset({"success", "failure", "always", "cancelled"})
_MANY = 2**31 - 1
# lower-case name -> (min args, max args)
BUILTIN_FUNCTIONS: dict[str, tuple[int, int]] = {
    "case": (3, _MANY),
    "contains": (2, 2),
    "startswith": (2, 2),
    "endswith": (2, 2),
    "format": (1, 255),
    "join": (1, 2),
    "tojson": (1, 1),
    "fromjson": (1, 1),
}
ALL_FUNCTIONS: dict[str, tuple[int, int]] = {
    **BUILTIN_FUNCTIONS,
    "hashfiles": (1, 255),
    "success": (0, _MANY),
    "failure": (0, _MANY),
    "always": (0, 0),
    "cancelled": (0, 0),
}


class _Parser:
    """GitHub's grammar, lowest precedence first: ``||``, ``&&``, equality, order, ``!``."""

    def __init__(
        self, expr: str, named_values: Iterable[str], functions: Mapping[str, tuple[int, int]]
    ):
        self.expr = expr
        self.tokens = _Lexer(expr).lex()
        self.i = 0
        self.depth = 0
        self.named = {name.lower() for name in named_values}
        self.functions = {name.lower(): arity for name, arity in functions.items()}

    def error(self, message: str, token: Token) -> ExpressionError:
        return ExpressionError("parsing", f"{message}: '{token.shown()}'", self.expr, token.pos)

    def peek(self) -> Token:
        return self.tokens[self.i]

    def previous(self) -> Token:
        return self.tokens[self.i - 1]

    def at_end(self) -> bool:
        return self.peek().kind == "eof"

    def check(self, *texts: str) -> bool:
        token = self.peek()
        return token.kind == "op" and token.text in texts

    def match(self, *texts: str) -> bool:
        if self.check(*texts):
            self.i += 1
            return True
        return False

    def consume(self, text: str) -> None:
        if not self.match(text):
            raise self.error("Unexpected symbol", self.peek())

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"Exceeded max expression depth {MAX_DEPTH}", self.peek())

    def parse(self) -> Node | None:
        if self.at_end():
            return None  # an empty expression is null
        node = self.expression()
        if not self.at_end():
            raise self.error("Unexpected symbol", self.peek())
        return node

    def expression(self) -> Node:
        self.deeper()
        try:
            return self.logical("||", self.logical_and)
        finally:
            self.depth -= 1

    def logical_and(self) -> Node:
        return self.logical("&&", self.equality)

    def logical(self, op: str, operand: Callable[[], Node]) -> Node:
        node = operand()
        if not self.check(op):
            return node
        self.deeper()
        try:
            args = [node]
            while self.match(op):
                args.append(operand())
            return Logical(op, tuple(args))
        finally:
            self.depth -= 1

    def equality(self) -> Node:
        node = self.comparison()
        while self.match("==", "!="):
            op = self.previous().text
            node = Binary(op, node, self.comparison())
        return node

    def comparison(self) -> Node:
        node = self.unary()
        while self.match("<", "<=", ">", ">="):
            op = self.previous().text
            node = Binary(op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.match("!"):
            self.deeper()
            try:
                return Not(self.unary())
            finally:
                self.depth -= 1
        return self.index()

    def index(self) -> Node:
        node = self.call()
        if not isinstance(node, Group | Call | Context):
            return node  # GitHub indexes named values, calls and groups, never a literal
        levels = 0
        try:
            while True:
                if self.match("["):
                    key: Node | None = None if self.match("*") else self.expression()
                    self.consume("]")
                    self.deeper()
                    levels += 1
                    node = Index(node, key)
                elif self.match("."):
                    self.deeper()
                    levels += 1
                    token = self.peek()
                    if token.kind == "ident":
                        self.i += 1
                        node = Index(node, Literal(token.text))
                    elif self.match("*"):
                        node = Index(node, None)
                    else:
                        raise self.error("Unexpected symbol", token)
                else:
                    return node
        finally:
            self.depth -= levels

    def call(self) -> Node:
        if self.peek().kind != "ident":
            return self.primary()
        name = self.peek()
        self.i += 1
        if not self.match("("):
            if name.text.lower() not in self.named:
                raise self.error("Unrecognized named-value", name)
            return Context(name.text.lower())
        args: list[Node] = []
        while not self.match(")"):
            args.append(self.expression())
            if not self.check(")"):
                self.consume(",")
        canonical = name.text.lower()
        if canonical not in self.functions:
            raise self.error("Unrecognized function", name)
        low, high = self.functions[canonical]
        if len(args) < low:
            raise self.error("Too few parameters supplied", name)
        if len(args) > high:
            raise self.error("Too many parameters supplied", name)
        if canonical == "case" and len(args) % 2 == 0:
            raise self.error(
                "Even number of parameters supplied, requires an odd number of parameters", name
            )
        return Call(canonical, tuple(args))

    def primary(self) -> Node:
        token = self.peek()
        if token.kind in ("keyword", "number", "string"):
            self.i += 1
            return Literal(token.value)
        if self.match("("):
            inner = self.expression()
            if self.at_end():
                raise self.error("Unexpected end of expression", self.previous())
            self.consume(")")
            return Group(inner)
        if self.at_end():
            raise self.error("Unexpected end of expression", self.previous())
        raise self.error("Unexpected symbol", token)


def parse(
    expr: str,
    *,
    named_values: Iterable[str] = CONTEXTS,
    functions: Mapping[str, tuple[int, int]] = ALL_FUNCTIONS,
) -> Node | None:
    """Parse one expression (the text between ``${{`` and ``}}``); None if it is empty.

    ``named_values`` are the contexts it may use and ``functions`` the functions with their
    arities (lower-case names): the default allows everything a workflow has; the workflow
    key an expression sits in allows less (:mod:`deploybook.cicd.emulator.contexts`).
    """
    return _Parser(expr, named_values, functions).parse()


def uses_status_function(node: Node | None) -> bool:
    """Whether ``node`` calls ``success()``, ``failure()``, ``always()`` or ``cancelled()``."""
    if isinstance(node, Call):
        return node.name in STATUS_FUNCTIONS or any(uses_status_function(a) for a in node.args)
    if isinstance(node, Index):
        return uses_status_function(node.target) or uses_status_function(node.key)
    if isinstance(node, Not | Group):
        return uses_status_function(node.operand if isinstance(node, Not) else node.inner)
    if isinstance(node, Binary):
        return uses_status_function(node.left) or uses_status_function(node.right)
    if isinstance(node, Logical):
        return any(uses_status_function(arg) for arg in node.args)
    return False


# ---------------------------------------------------------------------------- values


class _Filtered(list):
    """The result of a ``.*`` filter: a further index applies to each of its elements."""


@dataclass
class Scope:
    """What an expression can see: contexts by name, job status, and ``hashFiles``."""

    contexts: MutableMapping[str, Any] = field(default_factory=dict)
    status: Callable[[str], bool] | None = None  # "success"/"failure"/"cancelled" -> bool
    hash_files: Callable[[Sequence[str]], str] | None = None


def kind_name(value: Any) -> str:
    """GitHub's name for a value's kind: Null, Boolean, Number, String, Array or Object."""
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int | float):
        return "Number"
    if isinstance(value, str):
        return "String"
    return "Array" if isinstance(value, list) else "Object"


def _primitive(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str)


def truthy(value: Any) -> bool:
    """GitHub's truthiness: ``false``, ``0``, ``-0``, ``''``, ``null`` and NaN are false."""
    if value is None or value is False:
        return False
    if isinstance(value, bool):
        return True
    if isinstance(value, int | float):
        return not (value == 0 or math.isnan(value))
    if isinstance(value, str):
        return value != ""
    return True


def number_text(value: float) -> str:
    """A number as GitHub writes it: at most 15 decimals, then JavaScript's ``toString``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if abs(value) < 1e21:
        value = float(f"{value:.15f}")
    if value == 0:
        return "0"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    text = "".join(map(str, digits))
    point = len(text) + int(exponent)  # digits before the decimal point
    if -6 < point <= 21:
        if point <= 0:
            text = "0." + "0" * -point + text
        elif point >= len(text):
            text += "0" * (point - len(text))
        else:
            text = f"{text[:point]}.{text[point:]}"
    else:
        mantissa = text[0] + (f".{text[1:]}" if len(text) > 1 else "")
        text = f"{mantissa}e{'+' if point > 0 else '-'}{abs(point - 1)}"
    return f"-{text}" if sign else text


def to_string(value: Any) -> str:
    """How GitHub casts a value to a string: ``null`` -> ``''``, ``true``, numbers in
    JavaScript's format; an array or object becomes the word ``Array`` or ``Object``
    (use ``toJSON`` to see its content)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_text(float(value))
    if isinstance(value, str):
        return value
    return "Array" if isinstance(value, list) else "Object"


_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
_RADIX = {"x": (16, "0123456789abcdef"), "o": (8, "01234567"), "b": (2, "01")}


def string_to_number(text: str) -> float:
    """JavaScript's ``Number(text)``, which GitHub uses: blank is 0, decimals, unsigned
    ``0x``/``0o``/``0b`` integers and ``[+-]Infinity``; anything else is NaN."""
    text = text.strip(_JS_SPACE)
    if not text:
        return 0.0
    if _DECIMAL.match(text):
        return float(text)
    if len(text) > 2 and text[0] == "0" and text[1].lower() in _RADIX:
        base, allowed = _RADIX[text[1].lower()]
        if all(ch in allowed for ch in text[2:].lower()):
            return float(int(text[2:], base))
    return {"Infinity": math.inf, "+Infinity": math.inf, "-Infinity": -math.inf}.get(text, math.nan)


def _to_number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return string_to_number(value)
    return math.nan


_DOTLESS_I = "\u0131"


def _upper(text: str) -> str:
    """Upper case as GitHub compares strings: every character but the dotless i (U+0131)."""
    return _DOTLESS_I.join(part.upper() for part in text.split(_DOTLESS_I))


def _units(text: str) -> bytes:
    """A string's UTF-16 code units, so that ``<`` orders strings as JavaScript does."""
    return text.encode("utf-16-be", "surrogatepass")


def _coerce(left: Any, right: Any) -> tuple[Any, Any]:
    """GitHub's loose typing for comparisons: null and booleans become numbers, a string
    compared with a number becomes a number; arrays and objects stay as they are."""
    kl, kr = kind_name(left), kind_name(right)
    if kl == kr:
        return left, right
    if kl in ("Null", "Boolean"):
        return _coerce(_to_number(left), right)
    if kr in ("Null", "Boolean"):
        return _coerce(left, _to_number(right))
    if {kl, kr} == {"Number", "String"}:
        return _to_number(left), _to_number(right)
    return left, right


def _equal(left: Any, right: Any) -> bool:
    a, b = _coerce(left, right)
    kind = kind_name(a)
    if kind != kind_name(b):
        return False
    if kind == "Number":
        return not (math.isnan(a) or math.isnan(b)) and a == b
    if kind == "String":
        return _upper(a) == _upper(b)
    if kind in ("Array", "Object"):
        return a is b
    return bool(a == b)


def _greater(left: Any, right: Any) -> bool:
    a, b = _coerce(left, right)
    kind = kind_name(a)
    if kind != kind_name(b):
        return False
    if kind == "Number":
        return not (math.isnan(a) or math.isnan(b)) and a > b
    if kind == "String":
        return _units(_upper(a)) > _units(_upper(b))
    if kind == "Boolean":
        return a and not b
    return False


def _less(left: Any, right: Any) -> bool:
    a, b = _coerce(left, right)
    kind = kind_name(a)
    if kind != kind_name(b):
        return False
    if kind == "Number":
        return not (math.isnan(a) or math.isnan(b)) and a < b
    if kind == "String":
        return _units(_upper(a)) < _units(_upper(b))
    if kind == "Boolean":
        return not a and b
    return False


def _get(target: Mapping[str, Any], key: str) -> Any:
    """A key of an object, compared as GitHub does (lower-cased); the first one wins."""
    if key in target:
        return target[key]
    wanted = key.lower()
    return next((v for k, v in target.items() if str(k).lower() == wanted), _ABSENT)


_ABSENT = object()


def _index_of(key: Any) -> tuple[str | None, int | None]:
    """An index value as text (if primitive) and as an array position (finite, >= 0)."""
    text = to_string(key) if _primitive(key) else None
    number = _to_number(key)
    position = math.floor(number) if math.isfinite(number) and number >= 0 else None
    return text, position


def _access(target: Any, key: Any, star: bool) -> Any:
    """``target[key]`` (or ``target.*``), over each element of a filtered array."""
    text, position = (None, None) if star else _index_of(key)
    if isinstance(target, _Filtered):
        out = _Filtered()
        for item in target:
            if isinstance(item, Mapping):
                if star:
                    out.extend(item.values())
                elif text is not None and (value := _get(item, text)) is not _ABSENT:
                    out.append(value)
            elif isinstance(item, list):
                if star:
                    out.extend(item)
                elif position is not None and position < len(item):
                    out.append(item[position])
        return out
    if isinstance(target, list):
        if star:
            return _Filtered(target)
        return target[position] if position is not None and position < len(target) else None
    if isinstance(target, Mapping):
        if star:
            return _Filtered(target.values())
        value = _get(target, text) if text is not None else _ABSENT
        return None if value is _ABSENT else value
    return _Filtered() if star else None


# ---------------------------------------------------------------------------- JSON


def to_json(value: Any, indent: str = "") -> str:
    """``JSON.stringify(value, null, 2)`` as GitHub's ``toJSON`` prints it."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_text(float(value))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    inner = indent + "  "
    if isinstance(value, list):
        if not value:
            return "[]"
        items = [inner + to_json(item, inner) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    if not value:
        return "{}"
    pairs = [
        f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {to_json(v, inner)}"
        for k, v in value.items()
    ]
    return "{\n" + ",\n".join(pairs) + "\n" + indent + "}"


_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]{0,9}\Z")


def _js_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object as ``JSON.parse`` builds it (integer keys first, the last duplicate's
    value) and GitHub then reads it (one key per case-insensitive name, the first)."""
    raw: dict[str, Any] = {}
    for key, item in pairs:
        raw[key] = item
    integer = sorted((k for k in raw if _ARRAY_INDEX.match(k) and int(k) < 2**32 - 1), key=int)
    ordered = [*integer, *(k for k in raw if k not in integer)]
    out: dict[str, Any] = {}
    seen: set[str] = set()
    for key in ordered:
        if key.lower() not in seen:
            seen.add(key.lower())
            out[key] = raw[key]
    return out


def _from_json(expr: str, text: str) -> Any:
    if not text.strip(_JS_SPACE):
        raise ExpressionError("evaluation", "fromJSON(): empty input", expr)

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    try:
        return json.loads(
            text, object_pairs_hook=_js_object, parse_constant=refuse, parse_int=float
        )
    except ValueError as exc:
        raise ExpressionError(
            "evaluation", f"Error parsing fromJson: {exc}: {text[:200]!r}", expr
        ) from None


# ---------------------------------------------------------------------------- evaluation


def _format(expr: str, template: str, args: Sequence[Any]) -> str:
    """``format()``: ``{N}`` placeholders, ``{{`` and ``}}`` escapes, GitHub's errors."""
    invalid = ExpressionError(
        "evaluation", f"The following format string is invalid: {template}", expr
    )
    out: list[str] = []
    i = 0
    while i < len(template):
        left, right = template.find("{", i), template.find("}", i)
        if left >= 0 and (right < 0 or right > left):
            if template[left + 1 : left + 2] == "{":
                out.append(template[i : left + 1])
                i = left + 2
                continue
            digits = re.match(r"\d+", template[left + 1 :])
            if right > left + 1 and digits:
                index = int(digits.group())
                if index >= len(args):
                    raise ExpressionError(
                        "evaluation",
                        "The following format string references more arguments than were "
                        f"supplied: {template}",
                        expr,
                    )
                out.append(template[i:left])
                out.append(to_string(args[index]))
                i = right + 1
                continue
            raise invalid
        if right >= 0:
            if template[right + 1 : right + 2] != "}":
                raise invalid
            out.append(template[i : right + 1])
            i = right + 2
        else:
            out.append(template[i:])
            break
    return "".join(out)


def _bytes(value: Any, referenced: bool) -> int:
    """What GitHub counts for a result: a string's UTF-16 bytes plus 26, 24 for any other
    value it creates, 8 for a reference to a value that exists already."""
    if isinstance(value, str):
        return 26 + 2 * len(value)
    if referenced:
        return 8
    if isinstance(value, list):
        return 24 + sum(_bytes(item, False) for item in value)
    if isinstance(value, Mapping):
        return 24 + sum(_bytes(k, False) + _bytes(v, False) for k, v in value.items())
    return 24


class _Evaluator:
    def __init__(self, expr: str, scope: Scope):
        self.expr = expr
        self.scope = scope
        self.memory: list[int] = []  # bytes held per depth

    def remember(self, depth: int, value: Any, referenced: bool = False) -> Any:
        del self.memory[depth + 1 :]  # a finished node releases what its operands held
        self.memory.extend([0] * (depth + 1 - len(self.memory)))
        self.memory[depth] += _bytes(value, referenced)
        if sum(self.memory) > MAX_MEMORY:
            raise ExpressionError(
                "evaluation", "The maximum allowed memory size was exceeded", self.expr
            )
        return value

    def eval(self, node: Node | None, depth: int = 0) -> Any:
        if node is None or isinstance(node, Literal):
            return self.remember(depth, None if node is None else node.value)
        if isinstance(node, Context):
            value = _get(self.scope.contexts, node.name)
            return self.remember(depth, None if value is _ABSENT else value, referenced=True)
        if isinstance(node, Group):
            return self.eval(node.inner, depth)
        if isinstance(node, Index):
            key = None if node.key is None else self.eval(node.key, depth + 1)
            target = self.eval(node.target, depth + 1)
            value = _access(target, key, node.key is None)
            return self.remember(depth, value, referenced=not isinstance(value, _Filtered))
        if isinstance(node, Not):
            return self.remember(depth, not truthy(self.eval(node.operand, depth + 1)))
        if isinstance(node, Logical):
            for arg in node.args:
                value = self.eval(arg, depth + 1)
                if truthy(value) == (node.op == "||"):
                    break
            return self.remember(depth, value, referenced=True)
        if isinstance(node, Binary):
            left, right = self.eval(node.left, depth + 1), self.eval(node.right, depth + 1)
            compare = {
                "==": lambda: _equal(left, right),
                "!=": lambda: not _equal(left, right),
                ">": lambda: _greater(left, right),
                ">=": lambda: _equal(left, right) or _greater(left, right),
                "<": lambda: _less(left, right),
                "<=": lambda: _equal(left, right) or _less(left, right),
            }
            return self.remember(depth, compare[node.op]())
        return self.remember(depth, self.call(node, depth))

    def call(self, node: Call, depth: int) -> Any:
        name = node.name
        if name in STATUS_FUNCTIONS:
            if name == "always":
                return True
            if self.scope.status is None:
                raise ExpressionError(
                    "evaluation", f"{name}() is only available in an 'if:' condition", self.expr
                )
            return self.scope.status(name)
        args = [self.eval(arg, depth + 1) for arg in node.args]
        if name == "case":
            for predicate, result in zip(args[:-1:2], args[1::2], strict=True):
                if not isinstance(predicate, bool):
                    raise ExpressionError(
                        "evaluation", "case predicate must evaluate to a boolean value", self.expr
                    )
                if predicate:
                    return result
            return args[-1]
        if name == "contains":
            haystack, needle = args
            if _primitive(haystack):
                return _primitive(needle) and (
                    to_string(needle).lower() in to_string(haystack).lower()
                )
            return isinstance(haystack, list) and any(_equal(needle, item) for item in haystack)
        if name in ("startswith", "endswith"):
            if not (_primitive(args[0]) and _primitive(args[1])):
                return False
            text, part = _upper(to_string(args[0])), _upper(to_string(args[1]))
            return text.startswith(part) if name == "startswith" else text.endswith(part)
        if name == "format":
            return _format(self.expr, to_string(args[0]), args[1:])
        if name == "join":
            if _primitive(args[0]):
                return to_string(args[0])
            if not isinstance(args[0], list):
                return ""
            separator = to_string(args[1]) if len(args) > 1 and _primitive(args[1]) else ","
            return separator.join(to_string(item) for item in args[0])
        if name == "tojson":
            return to_json(args[0])
        if name == "fromjson":
            return _from_json(self.expr, to_string(args[0]))
        if self.scope.hash_files is None:
            raise ExpressionError("evaluation", "hashFiles() needs a workspace", self.expr)
        return self.scope.hash_files([to_string(arg) for arg in args])


def evaluate_tree(tree: Node | None, expr: str, scope: Scope | None = None) -> Any:
    """Evaluate a parsed expression (``expr`` is its text, for error messages)."""
    value = _Evaluator(expr, scope or Scope()).eval(tree)
    return list(value) if isinstance(value, _Filtered) else value


def evaluate(expr: str, scope: Scope | None = None) -> Any:
    """Evaluate one expression (without ``${{ }}``) and return its value."""
    return evaluate_tree(parse(expr), expr, scope)


# ---------------------------------------------------------------------------- templates


def template_parts(text: str) -> list[tuple[bool, str, int]]:
    """Split ``text`` into literal parts and ``${{ }}`` expressions (is_expr, text, offset)."""
    parts: list[tuple[bool, str, int]] = []
    pos = 0
    while (start := text.find("${{", pos)) != -1:
        if start > pos:
            parts.append((False, text[pos:start], pos))
        i = start + 3
        in_string = False
        while i < len(text):
            if text[i] == "'":
                in_string = not in_string
            elif not in_string and text.startswith("}}", i):
                break
            i += 1
        else:
            raise ExpressionError(
                "parsing",
                "The expression is not closed. An unescaped ${{ sequence was found, "
                "but the closing }} sequence was not found",
                text,
                start,
            )
        parts.append((True, text[start + 3 : i], start + 3))
        pos = i + 2
    if pos < len(text):
        parts.append((False, text[pos:], pos))
    return parts


def interpolate(text: str, scope: Scope | None = None) -> Any:
    """Expand every ``${{ }}`` in ``text``.

    A value that is exactly one expression keeps its type (``${{ fromJSON('[1]') }}`` is a
    list); otherwise each expression is written into the string with :func:`to_string`.
    """
    parts = template_parts(text)
    if len(parts) == 1 and parts[0][0] and text.strip() == text:
        return evaluate(parts[0][1].strip(), scope)
    return "".join(
        to_string(evaluate(body.strip(), scope)) if is_expr else body for is_expr, body, _ in parts
    )


def interpolate_all(value: Any, scope: Scope | None = None) -> Any:
    """:func:`interpolate` every string inside nested lists and mappings."""
    if isinstance(value, str):
        return interpolate(value, scope) if "${{" in value else value
    if isinstance(value, list):
        return [interpolate_all(item, scope) for item in value]
    if isinstance(value, Mapping):
        return {key: interpolate_all(item, scope) for key, item in value.items()}
    return value


def condition_expression(condition: Any) -> str | None:
    """The expression an ``if:`` value stands for (``${{ }}`` around it is optional);
    None when it mixes ``${{ }}`` with other text (GitHub then reads a non-empty string)."""
    text = str(condition).strip()
    parts = template_parts(text)
    if len(parts) == 1 and parts[0][0]:
        return parts[0][1].strip()
    if any(is_expr for is_expr, _, _ in parts):
        return None
    return text


def evaluate_condition(condition: Any, scope: Scope) -> bool:
    """Evaluate an ``if:`` value as GitHub does.

    A condition that calls no status function is implicitly ``success() && (condition)``;
    a condition that mixes ``${{ }}`` with other text is a non-empty string, hence true
    whenever ``success()`` is (GitHub's rule).
    """
    if isinstance(condition, bool | int | float) or condition is None:
        condition = to_string(condition) if condition is not None else "success()"
    expr = condition_expression(condition)
    if expr is None:
        succeeded = scope.status is None or scope.status("success")
        return succeeded and truthy(interpolate(str(condition).strip(), scope))
    tree = parse(expr)
    status = scope.status
    if status is not None and not uses_status_function(tree) and not status("success"):
        return False  # implicitly success() && (condition)
    return truthy(evaluate_tree(tree, expr, scope))
