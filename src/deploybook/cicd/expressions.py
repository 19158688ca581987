"""GitHub Actions expressions (``${{ ... }}``): tokenizer, parser and evaluator.

The subset a workflow's ``if:``, ``env:``, ``with:`` and ``run:`` values use, with GitHub's
documented semantics: literals (``null``, booleans, JSON numbers and hex, single-quoted
strings with ``''`` escapes), contexts with ``.name``, ``['name']`` and ``.*`` filters,
``!``, ``<``/``<=``/``>``/``>=``, ``==``/``!=`` (loose: mismatched types compare as numbers,
strings case-insensitively), ``&&``/``||`` (returning an operand, so ``a && 'x' || 'y'``
works as a conditional), and the functions ``contains``, ``startsWith``, ``endsWith``,
``format``, ``join``, ``toJSON``, ``fromJSON``, ``hashFiles``, ``success``, ``failure``,
``always`` and ``cancelled``.

A malformed expression raises :class:`ExpressionError` naming the offending token and its
1-based position, with a caret under it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
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
  | (?P<number>-?(?:0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))
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


class _Parser:
    """Recursive descent, lowest precedence first: ``||``, ``&&``, equality, order, ``!``."""

    def __init__(self, expr: str):
        self.expr = expr
        self.tokens = _tokenize(expr)
        self.i = 0

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
        return self._binary(("||",), self.and_expr)

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
        node = self.primary()
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
            return Literal(_parse_number(token.text))
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


def _parse_number(text: str) -> float:
    if "0x" in text.lower():
        return float(int(text, 16))
    return float(text)


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
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def to_string(value: Any) -> str:
    """How a value is written into a string (``null`` -> ``''``, objects as JSON)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number_text(float(value))
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2)


def _to_number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return 0.0
        try:
            return float(int(text, 16)) if text.lower().startswith("0x") else float(text)
        except ValueError:
            return math.nan
    return math.nan


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
        a: Any = left.casefold()
        b: Any = right.casefold()
    else:
        a, b = _to_number(left), _to_number(right)
        if math.isnan(a) or math.isnan(b):
            return False
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def _lookup(target: Any, key: Any) -> Any:
    if isinstance(target, _Filtered):
        found = [_lookup(item, key) for item in target]
        return _Filtered(item for item in found if item is not None)
    if isinstance(target, Mapping):
        name = to_string(key).casefold()
        for k, v in target.items():
            if str(k).casefold() == name:
                return v
        return None
    if isinstance(target, list) and isinstance(key, int | float) and not isinstance(key, bool):
        index = int(key)
        return target[index] if index == key and 0 <= index < len(target) else None
    return None


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
                if isinstance(target, Mapping):
                    return _Filtered(target.values())
                return _Filtered(target) if isinstance(target, list) else _Filtered()
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
            return to_string(needle).casefold() in to_string(haystack).casefold()
        if name == "startsWith":
            return to_string(args[0]).casefold().startswith(to_string(args[1]).casefold())
        if name == "endsWith":
            return to_string(args[0]).casefold().endswith(to_string(args[1]).casefold())
        if name == "format":
            return _format(self.expr, to_string(args[0]), args[1:])
        if name == "join":
            separator = to_string(args[1]) if len(args) > 1 else ","
            if isinstance(args[0], list):
                return separator.join(to_string(item) for item in args[0])
            return to_string(args[0])
        if name == "toJSON":
            return json.dumps(args[0], indent=2)
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
