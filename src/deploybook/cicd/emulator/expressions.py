"""GitHub Actions expressions (``${{ ... }}``): tokenizer, parser and evaluator.

The subset a workflow's ``if:``, ``env:``, ``with:`` and ``run:`` values use, with GitHub's
documented semantics and, where the documentation is silent, those of GitHub's own
evaluator (``actions/languageservices``): literals (``null``, booleans, JSON numbers, hex,
octal and binary integers, ``NaN``, ``Infinity``, single-quoted strings with ``''``
escapes), contexts with ``.name``, ``['name']`` and ``.*`` filters (indexing only contexts,
calls and parenthesised groups), ``!``, ``<``/``<=``/``>``/``>=``, ``==``/``!=`` (loose:
mismatched types compare as numbers, strings case-insensitively), ``&&``/``||`` (returning
an operand, so ``a && 'x' || 'y'`` works as a conditional), and the functions
``contains``, ``startsWith``, ``endsWith``, ``format``, ``join``, ``toJSON``, ``fromJSON``,
``hashFiles``, ``success``, ``failure``, ``always`` and ``cancelled``. Strings coerce to
numbers as JavaScript's ``Number()`` does; arrays and objects are never cast to strings
(they read ``Array`` and ``Object``).

A malformed expression raises :class:`ExpressionError` naming the offending token and its
1-based position, with a caret under it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = [
    "ExpressionError",
    "Scope",
    "evaluate",
    "evaluate_condition",
    "interpolate",
    "parse",
    "to_string",
    "truthy",
]


class ExpressionError(ValueError):
    """An expression that cannot be parsed or evaluated; the message shows where."""

    def __init__(self, message: str, expression: str = "", position: int | None = None):
        self.reason = message
        self.expression = expression
        self.position = position
        if not expression:
            super().__init__(message)
            return
        if position is None:
            super().__init__(f"{message} in expression: {expression}")
            return
        line_start = expression.rfind("\n", 0, position) + 1
        line_end = expression.find("\n", position)
        line = expression[line_start : line_end if line_end != -1 else None]
        caret = " " * (position - line_start) + "^"
        super().__init__(f"{message} at position {position + 1}:\n    {line}\n    {caret}")


# ---------------------------------------------------------------------------- tokens

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<string>'(?:[^']|'')*')
  | (?P<ident>[A-Za-z_][A-Za-z0-9_-]*)
  | (?P<op>==|!=|<=|>=|&&|\|\||[<>!()\[\].,*])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, ident, op, end
    text: str
    pos: int


def _tokenize(expr: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(expr):
        match = _TOKEN.match(expr, pos)
        if match is None:
            if expr[pos] == "'":
                raise ExpressionError("unterminated string literal", expr, pos)
            raise ExpressionError(f"unexpected character {expr[pos]!r}", expr, pos)
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(Token(kind, match.group(), pos))
        pos = match.end()
    tokens.append(Token("end", "", len(expr)))
    return tokens


# ---------------------------------------------------------------------------- syntax tree


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Context:
    name: str


@dataclass(frozen=True)
class Member:
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
class Call:
    name: str
    args: tuple[Node, ...]


Node = Literal | Context | Member | Not | Binary | Call

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
# canonical name -> (min args, max args; None = unbounded)
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "contains": (2, 2),
    "startsWith": (2, 2),
    "endsWith": (2, 2),
    "format": (1, None),
    "join": (1, 2),
    "toJSON": (1, 1),
    "fromJSON": (1, 1),
    "hashFiles": (1, None),
    "success": (0, 0),
    "failure": (0, 0),
    "always": (0, 0),
    "cancelled": (0, 0),
}
_FUNCTION_NAMES = {name.lower(): name for name in FUNCTIONS}


MAX_DEPTH = 50  # GitHub refuses expressions nested deeper than this


class _Parser:
    """Recursive descent, lowest precedence first: ``||``, ``&&``, equality, order, ``!``."""

    def __init__(self, expr: str):
        self.expr = expr
        self.tokens = _tokenize(expr)
        self.i = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def error(self, token: Token, what: str = "unexpected token") -> ExpressionError:
        if token.kind == "end":
            return ExpressionError(
                f"{what.removesuffix(' token')} end of expression", self.expr, token.pos
            )
        return ExpressionError(f"{what} {token.text!r}", self.expr, token.pos)

    def expect(self, text: str) -> Token:
        token = self.take()
        if token.kind != "op" or token.text != text:
            raise self.error(token, f"expected {text!r} but found")
        return token

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise ExpressionError("empty expression", self.expr, 0)
        node = self.or_expr()
        if self.peek().kind != "end":
            raise self.error(self.peek())
        return node

    def _binary(self, ops: tuple[str, ...], operand: Callable[[], Node]) -> Node:
        node = operand()
        while self.peek().kind == "op" and self.peek().text in ops:
            op = self.take().text
            node = Binary(op, node, operand())
        return node

    def or_expr(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(self.peek(), f"expression nested deeper than {MAX_DEPTH} levels at")
        try:
            return self._binary(("||",), self.and_expr)
        finally:
            self.depth -= 1

    def and_expr(self) -> Node:
        return self._binary(("&&",), self.equality)

    def equality(self) -> Node:
        return self._binary(("==", "!="), self.order)

    def order(self) -> Node:
        return self._binary(("<", "<=", ">", ">="), self.unary)

    def unary(self) -> Node:
        if self.peek().kind == "op" and self.peek().text == "!":
            self.take()
            return Not(self.unary())
        return self.postfix()

    def postfix(self) -> Node:
        opens_group = self.peek().kind == "op" and self.peek().text == "("
        node = self.primary()
        if isinstance(node, Literal) and not opens_group:
            return node  # GitHub indexes only contexts, calls and (groups), never a literal
        while self.peek().kind == "op" and self.peek().text in (".", "["):
            if self.take().text == ".":
                token = self.take()
                if token.kind == "op" and token.text == "*":
                    node = Member(node, None)
                elif token.kind == "ident":
                    node = Member(node, Literal(token.text))
                else:
                    raise self.error(token, "expected a property name after '.' but found")
            elif self.peek().kind == "op" and self.peek().text == "*":
                self.take()
                self.expect("]")
                node = Member(node, None)
            else:
                index = self.or_expr()
                self.expect("]")
                node = Member(node, index)
        return node

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "number":
            return Literal(_string_to_number(token.text))
        if token.kind == "string":
            return Literal(token.text[1:-1].replace("''", "'"))
        if token.kind == "op" and token.text == "(":
            node = self.or_expr()
            self.expect(")")
            return node
        if token.kind == "ident":
            if token.text in ("true", "false"):
                return Literal(token.text == "true")
            if token.text == "null":
                return Literal(None)
            if token.text in ("NaN", "Infinity"):
                return Literal(math.nan if token.text == "NaN" else math.inf)
            if self.peek().kind == "op" and self.peek().text == "(":
                return self.call(token)
            if token.text.lower() in CONTEXTS:
                return Context(token.text.lower())
            raise self.error(token, "unrecognized named value")
        raise self.error(token)

    def call(self, name: Token) -> Node:
        canonical = _FUNCTION_NAMES.get(name.text.lower())
        if canonical is None:
            raise self.error(name, "unrecognized function")
        self.expect("(")
        args: list[Node] = []
        if not (self.peek().kind == "op" and self.peek().text == ")"):
            args.append(self.or_expr())
            while self.peek().kind == "op" and self.peek().text == ",":
                self.take()
                args.append(self.or_expr())
        self.expect(")")
        low, high = FUNCTIONS[canonical]
        if len(args) < low or (high is not None and len(args) > high):
            want = f"{low}" if low == high else f"{low} to {high if high is not None else 'any'}"
            raise ExpressionError(
                f"{canonical}() takes {want} argument(s) but {len(args)} were given",
                self.expr,
                name.pos,
            )
        return Call(canonical, tuple(args))


def parse(expr: str) -> Node:
    """Parse one expression (the text between ``${{`` and ``}}``) into a syntax tree."""
    return _Parser(expr).parse()


def uses_status_function(node: Node) -> bool:
    """Whether ``node`` calls ``success()``, ``failure()``, ``always()`` or ``cancelled()``."""
    if isinstance(node, Call):
        return node.name in STATUS_FUNCTIONS or any(uses_status_function(a) for a in node.args)
    if isinstance(node, Member):
        return uses_status_function(node.target) or (
            node.key is not None and uses_status_function(node.key)
        )
    if isinstance(node, Not):
        return uses_status_function(node.operand)
    if isinstance(node, Binary):
        return uses_status_function(node.left) or uses_status_function(node.right)
    return False


# ---------------------------------------------------------------------------- values


class _Filtered(list):
    """The result of a ``.*`` filter: further property access maps over the elements."""


_ABSENT = object()  # a key an object does not have (unlike a key whose value is null)


@dataclass
class Scope:
    """What an expression can see: contexts by name, job status, and ``hashFiles``."""

    contexts: Mapping[str, Any] = field(default_factory=dict)
    status: Callable[[str], bool] | None = None  # "success"/"failure"/"cancelled" -> bool
    hash_files: Callable[[Sequence[str]], str] | None = None


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


def _number_text(value: float) -> str:
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


def _primitive(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str)


def to_string(value: Any) -> str:
    """How GitHub casts a value to a string: ``null`` -> ``''``, ``true``, numbers in
    JavaScript's format; an array or object becomes the word ``Array`` or ``Object``
    (use ``toJSON`` to see its content)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number_text(float(value))
    if isinstance(value, str):
        return value
    return "Array" if isinstance(value, list) else "Object"


_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_RADIX = {"x": (16, "0123456789abcdef"), "o": (8, "01234567"), "b": (2, "01")}


def _string_to_number(text: str) -> float:
    """JavaScript's ``Number(text)``, which GitHub uses: blank is 0, JSON-style decimals,
    ``0x``/``0o``/``0b`` integers and ``Infinity``; anything else is NaN."""
    text = text.strip()
    if not text:
        return 0.0
    if _DECIMAL.fullmatch(text):
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
        return _string_to_number(value)
    return math.nan


def _json_ready(value: Any) -> Any:
    """``value`` as JavaScript's ``JSON.stringify`` sees it (``2.0`` -> ``2``, NaN -> null)."""
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 1e21 else value
    if isinstance(value, list):
        return [_json_ready(item) for item in value]
    if isinstance(value, Mapping):
        return {str(k): _json_ready(v) for k, v in value.items()}
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object"


def _equal(left: Any, right: Any) -> bool:
    kl, kr = _kind(left), _kind(right)
    if kl == kr:
        if kl == "string":
            return left.casefold() == right.casefold()
        if kl == "object":
            return left is right
        return bool(left == right)
    if "object" in (kl, kr):
        return False
    return _to_number(left) == _to_number(right)


def _compare(op: str, left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        a: Any = left.upper()  # GitHub orders strings by their upper-case forms
        b: Any = right.upper()
    else:
        a, b = _to_number(left), _to_number(right)
        if math.isnan(a) or math.isnan(b):
            return False
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def _index(key: Any) -> int | None:
    """An array index from any value, as GitHub takes it: a finite number >= 0, floored."""
    number = _to_number(key)
    return math.floor(number) if math.isfinite(number) and number >= 0 else None


def _get(target: Any, key: Any) -> Any:
    """``target[key]``, or ``_ABSENT``; object keys are case-insensitive."""
    if isinstance(target, Mapping):
        if not _primitive(key):
            return _ABSENT
        name = to_string(key).casefold()
        return next((v for k, v in target.items() if str(k).casefold() == name), _ABSENT)
    if isinstance(target, list):
        index = _index(key)
        return target[index] if index is not None and index < len(target) else _ABSENT
    return _ABSENT


def _lookup(target: Any, key: Any) -> Any:
    """Property access and indexing; on a filtered array, over each of its elements."""
    if isinstance(target, _Filtered):
        found = (_get(item, key) for item in target)
        return _Filtered(item for item in found if item is not _ABSENT)
    value = _get(target, key)
    return None if value is _ABSENT else value


def _star(target: Any) -> _Filtered:
    """The ``.*`` filter: an object's values or an array's items; on a filtered array,
    those of each element (one level flatter)."""
    if isinstance(target, _Filtered):
        return _Filtered(v for item in target if not _primitive(item) for v in _star(item))
    if isinstance(target, Mapping):
        return _Filtered(target.values())
    return _Filtered(target) if isinstance(target, list) else _Filtered()


def _format(expr: str, template: str, args: Sequence[Any]) -> str:
    out: list[str] = []
    i = 0
    while i < len(template):
        ch = template[i]
        if template.startswith("{{", i) or template.startswith("}}", i):
            out.append(ch)
            i += 2
        elif ch == "{":
            end = template.find("}", i)
            index = template[i + 1 : end] if end != -1 else ""
            if not index.isdigit():
                raise ExpressionError(f"format(): invalid placeholder in {template!r}", expr)
            if int(index) >= len(args):
                raise ExpressionError(
                    f"format(): {template!r} uses argument {{{index}}} but only "
                    f"{len(args)} argument(s) follow it",
                    expr,
                )
            out.append(to_string(args[int(index)]))
            i = end + 1
        elif ch == "}":
            raise ExpressionError(f"format(): unmatched '}}' in {template!r}", expr)
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class _Evaluator:
    def __init__(self, expr: str, scope: Scope):
        self.expr = expr
        self.scope = scope

    def eval(self, node: Node) -> Any:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Context):
            return self.scope.contexts.get(node.name)
        if isinstance(node, Member):
            target = self.eval(node.target)
            if node.key is None:
                return _star(target)
            return _lookup(target, self.eval(node.key))
        if isinstance(node, Not):
            return not truthy(self.eval(node.operand))
        if isinstance(node, Binary):
            return self.binary(node)
        return self.call(node)

    def binary(self, node: Binary) -> Any:
        left = self.eval(node.left)
        if node.op == "&&":
            return self.eval(node.right) if truthy(left) else left
        if node.op == "||":
            return left if truthy(left) else self.eval(node.right)
        right = self.eval(node.right)
        if node.op == "==":
            return _equal(left, right)
        if node.op == "!=":
            return not _equal(left, right)
        return _compare(node.op, left, right)

    def call(self, node: Call) -> Any:
        name = node.name
        if name in STATUS_FUNCTIONS:
            if name == "always":
                return True
            if self.scope.status is None:
                raise ExpressionError(
                    f"{name}() is only available in an 'if:' condition", self.expr
                )
            return self.scope.status(name)
        args = [self.eval(arg) for arg in node.args]
        if name == "contains":
            haystack, needle = args
            if isinstance(haystack, list):
                return any(_equal(item, needle) for item in haystack)
            if _primitive(haystack) and _primitive(needle):
                return to_string(needle).casefold() in to_string(haystack).casefold()
            return False  # an object is searched by nobody
        if name in ("startsWith", "endsWith"):
            if not (_primitive(args[0]) and _primitive(args[1])):
                return False
            text, part = to_string(args[0]).casefold(), to_string(args[1]).casefold()
            return text.startswith(part) if name == "startsWith" else text.endswith(part)
        if name == "format":
            return _format(self.expr, to_string(args[0]), args[1:])
        if name == "join":
            if _primitive(args[0]):
                return to_string(args[0])
            if not isinstance(args[0], list):
                return ""
            separator = to_string(args[1]) if len(args) > 1 and _primitive(args[1]) else ","
            return separator.join(to_string(item) for item in args[0])
        if name == "toJSON":
            return json.dumps(_json_ready(args[0]), indent=2, ensure_ascii=False)
        if name == "fromJSON":
            try:
                return json.loads(to_string(args[0]))
            except json.JSONDecodeError as exc:
                raise ExpressionError(
                    f"fromJSON(): not valid JSON ({exc.msg}): {to_string(args[0])!r}", self.expr
                ) from None
        if self.scope.hash_files is None:
            raise ExpressionError("hashFiles() needs a workspace", self.expr)
        return self.scope.hash_files([to_string(arg) for arg in args])


def evaluate(expr: str, scope: Scope | None = None) -> Any:
    """Evaluate one expression (without ``${{ }}``) and return its value."""
    return _Evaluator(expr, scope or Scope()).eval(parse(expr))


# ---------------------------------------------------------------------------- templates


def _template_parts(text: str) -> list[tuple[bool, str, int]]:
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
            raise ExpressionError("'${{' is never closed with '}}'", text, start)
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
    parts = _template_parts(text)
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


def evaluate_condition(condition: Any, scope: Scope) -> bool:
    """Evaluate an ``if:`` value as GitHub does.

    ``${{ }}`` around the whole condition is optional; a condition that calls no status
    function is implicitly ``success() && (condition)``; a condition that mixes
    ``${{ }}`` with other text is a non-empty string, hence always true (GitHub's rule).
    """
    if isinstance(condition, bool | int | float) or condition is None:
        return truthy(condition)
    text = str(condition).strip()
    parts = _template_parts(text)
    if len(parts) == 1 and parts[0][0]:
        expr = parts[0][1].strip()
    elif any(is_expr for is_expr, _, _ in parts):
        succeeded = scope.status is None or scope.status("success")
        return succeeded and truthy(interpolate(text, scope))
    else:
        expr = text
    tree = parse(expr)
    implicit_success = not uses_status_function(tree) and scope.status is not None
    if implicit_success and not scope.status("success"):
        return False
    return truthy(_Evaluator(expr, scope).eval(tree))
