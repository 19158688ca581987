"""Where each context may be used: every expression of a workflow, checked as GitHub does.

GitHub's workflow schema (``data/cicd/github-workflow-v1.0.json``, vendored from
``actions/languageservices``) gives each workflow key the named values and functions its
expressions may use, the machine-readable form of the documentation's "context
availability" table; a key inherits the contexts of the keys around it. GitHub parses every
expression against that list when it loads a workflow and refuses the file on the first
misuse, with the parser's wording: a job-level ``if: secrets.TOKEN != ''`` is
``Unrecognized named-value: 'secrets'``. :func:`expression_problems` does the same walk.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from deploybook.cicd.emulator.expressions import (
    BUILTIN_FUNCTIONS,
    ExpressionError,
    condition_expression,
    parse,
    template_parts,
)
from deploybook.cicd.emulator.workflow import Workflow
from deploybook.paths import data_dir

_FUNCTION = re.compile(r"^(\w+)\((\d+),(\d+|MAX)\)$")
_MANY = 2**31 - 1


@dataclass(frozen=True)
class Allowed:
    """What an expression at one place may use."""

    named_values: frozenset[str]
    functions: Mapping[str, tuple[int, int]]


@dataclass(frozen=True)
class ContextProblem:
    """An expression GitHub would refuse where it stands."""

    path: str  # jobs.deploy.if
    line: int
    message: str


@cache
def _definitions() -> dict[str, dict[str, Any]]:
    schema = json.loads((data_dir() / "cicd" / "github-workflow-v1.0.json").read_text())
    return schema["definitions"]


def allowed(context: tuple[str, ...]) -> Allowed:
    """The named values and functions of a schema ``context`` list."""
    names, functions = set(), dict(BUILTIN_FUNCTIONS)
    for item in context:
        match = _FUNCTION.match(item)
        if match:
            high = _MANY if match.group(3) == "MAX" else int(match.group(3))
            functions[match.group(1).lower()] = (int(match.group(2)), high)
        else:
            names.add(item.lower())
    return Allowed(frozenset(names), functions)


def _with_context(context: tuple[str, ...], name: str) -> tuple[str, ...]:
    """A definition's contexts added to those of the keys around it (GitHub's rule)."""
    own = _definitions().get(name, {}).get("context", [])
    seen = {c.upper() for c in context}
    return context + tuple(c for c in own if c.upper() not in seen)


def _chains(name: str) -> list[tuple[str, ...]]:
    """A definition, or each alternative of a ``one-of`` with the definitions leading to it."""
    definition = _definitions().get(name, {})  # built-ins: string, boolean, any...
    if "one-of" in definition:
        return [(name, *chain) for option in definition["one-of"] for chain in _chains(option)]
    return [(name,)]


def _hits(chain: tuple[str, ...], keys: list[str]) -> int:
    spec = _definitions()[chain[-1]]["mapping"]
    return sum(key in spec.get("properties", {}) for key in keys)


def _choose(name: str, node: Any) -> tuple[str, ...] | None:
    """The alternative of ``name`` that fits ``node``: a mapping definition with the most of
    the node's keys (GitHub picks by the keys only one definition has), a sequence, or the
    first scalar."""
    chains = _chains(name)
    if isinstance(node, Mapping):
        mappings = [c for c in chains if "mapping" in _definitions().get(c[-1], {})]
        return max(mappings, key=lambda c: _hits(c, [str(k) for k in node]), default=None)
    if isinstance(node, list):
        return next((c for c in chains if "sequence" in _definitions().get(c[-1], {})), None)
    return chains[0]


def _property_type(spec: Mapping[str, Any], key: str) -> str | None:
    props = spec.get("properties", {})
    if key in props:
        prop = props[key]
        return prop if isinstance(prop, str) else prop.get("type")
    return spec.get("loose-value-type")


def _walk(
    node: Any, name: str, context: tuple[str, ...], path: str, line: int
) -> Iterator[ContextProblem]:
    chain = _choose(name, node)
    if chain is None:
        return  # a shape the schema does not allow: the schema checker reports it
    for definition in chain:
        context = _with_context(context, definition)
    leaf = _definitions().get(chain[-1], {})
    if isinstance(node, Mapping) and "mapping" in leaf:
        key_lines = getattr(node, "key_lines", {})
        for key, value in node.items():
            child = _property_type(leaf["mapping"], str(key))
            if child is not None:
                where = f"{path}.{key}" if path else str(key)
                yield from _walk(value, child, context, where, key_lines.get(key, line))
    elif isinstance(node, list) and "sequence" in leaf:
        item_type = leaf["sequence"]["item-type"]
        for index, item in enumerate(node):
            where = f"{path}[{index}]"
            yield from _walk(item, item_type, context, where, getattr(item, "line", line))
    elif isinstance(node, str):
        yield from _scalar(node, name, context, path, line)


def _scalar(
    text: str, name: str, context: tuple[str, ...], path: str, line: int
) -> Iterator[ContextProblem]:
    rules = allowed(context)
    is_condition = name.endswith("-if")
    try:
        if is_condition and (expr := condition_expression(text)) is not None:
            expressions = [expr]
        else:
            expressions = [body.strip() for is_expr, body, _ in template_parts(text) if is_expr]
        if expressions and not context:
            yield ContextProblem(path, line, "A template expression is not allowed in this context")
            return
        for expr in expressions:
            parse(expr, named_values=rules.named_values, functions=rules.functions)
    except ExpressionError as exc:
        yield ContextProblem(path, line, str(exc))


def expression_problems(wf: Workflow) -> list[ContextProblem]:
    """Every expression of ``wf`` that GitHub would refuse where it stands."""
    return list(_walk(wf.data, "workflow-root", (), "", 1))


def describe(wf: Workflow, problems: list[ContextProblem]) -> str:
    """GitHub's refusal of a workflow file, one line per problem."""
    lines = [f"{wf.path.name} (Line: {p.line}, {p.path}): {p.message}" for p in problems]
    return "The workflow is not valid. " + "\n".join(lines)
