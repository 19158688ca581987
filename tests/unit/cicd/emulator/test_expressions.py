"""The ``${{ }}`` expression evaluator, table-driven against GitHub's documented semantics."""

from __future__ import annotations

import math

import pytest

from deploybook.cicd.emulator.expressions import (
    ExpressionError,
    Scope,
    evaluate,
    evaluate_condition,
    interpolate,
    interpolate_all,
    parse,
    to_string,
    truthy,
    uses_status_function,
)

CONTEXTS = {
    "github": {
        "event_name": "push",
        "ref": "refs/heads/main",
        "ref_name": "main",
        "event": {
            "pull_request": {"title": "Fix it", "labels": [{"name": "bug"}, {"name": "CI"}]},
            "commits": [{"id": "a1"}, {"id": "b2"}],
        },
    },
    "matrix": {"python": "3.11", "os": "ubuntu-24.04", "n": 2},
    "env": {"EMPTY": "", "NAME": "deploybook"},
    "steps": {"archive": {"outputs": {"release-id": "v1-abc"}, "outcome": "success"}},
    "needs": {"build": {"result": "success", "outputs": {"sha256": "f00"}}},
    "inputs": {"rollback-to": "", "dry": True},
}
SCOPE = Scope(CONTEXTS)

VALUES = [
    # literals
    ("null", None),
    ("true", True),
    ("false", False),
    ("42", 42.0),
    ("-3.5", -3.5),
    ("0xff", 255.0),
    ("1e3", 1000.0),
    ("'it''s'", "it's"),
    ("''", ""),
    # contexts, property access, index, filters, case-insensitive names
    ("github.ref", "refs/heads/main"),
    ("GitHub.REF_name", "main"),
    ("github['ref_name']", "main"),
    ("steps.archive.outputs.release-id", "v1-abc"),
    ("needs.build.outputs['sha256']", "f00"),
    ("github.event.commits[1].id", "b2"),
    ("github.event.commits[5].id", None),
    ("github.missing.deeper", None),
    ("github.event.pull_request.labels.*.name", ["bug", "CI"]),
    ("github.event.commits.*.id", ["a1", "b2"]),
    # loose equality: case-insensitive strings, numbers across types, null/bool coercion
    ("'ABC' == 'abc'", True),
    ("matrix.python == '3.11'", True),
    ("matrix.n == '2'", True),
    ("'' == 0", True),
    ("null == 0", True),
    ("true == 1", True),
    ("'abc' == 0", False),
    ("github.event == github.event", True),
    ("github.event.commits == '[]'", False),
    ("1 != 2", True),
    # ordering
    ("1 < 2", True),
    ("'a' < 'B'", True),
    ("'10' > 9", True),
    ("'x' < 1", False),
    ("2 <= 2 && 3 >= 4", False),
    # logic returns an operand, so a && b || c works as a conditional
    ("github.ref == 'refs/heads/main' && 'prod' || 'dev'", "prod"),
    ("github.ref == 'refs/heads/x' && 'prod' || 'dev'", "dev"),
    ("inputs.rollback-to || 'build'", "build"),
    ("env.EMPTY && 'yes'", ""),
    ("!env.EMPTY", True),
    ("!!env.NAME", True),
    ("!(1 == 1) || (2 == 2 && 3 == 3)", True),
    # functions
    ("contains('Hello world', 'WORLD')", True),
    ("contains(github.event.pull_request.labels.*.name, 'ci')", True),
    ("contains(fromJSON('[\"a\", 1]'), 1)", True),
    ("contains(fromJSON('[\"a\"]'), 'b')", False),
    ("startsWith(github.ref, 'refs/HEADS/')", True),
    ("endsWith(matrix.os, '24.04')", True),
    ("format('{0}-{1}', 'py', matrix.python)", "py-3.11"),
    ("format('{{literal}} {0}', 1)", "{literal} 1"),
    ("join(github.event.commits.*.id, '+')", "a1+b2"),
    ("join(fromJSON('[1, 2]'))", "1,2"),
    ("join('one')", "one"),
    ("fromJSON('{\"a\": [1, 2]}').a[1]", 2),
    ("toJSON(matrix.n)", "2"),
    ("fromJSON('true') && 'on'", "on"),
    # precedence: ! binds tightest, then < <= > >=, then == !=, then &&, then ||
    ("!1 == false", True),
    ("1 < 2 == true", True),
    ("true || false && false", True),
    ("(true || false) && false", False),
    ("1 == 1 && 2 < 1 || 'fallback'", "fallback"),
    # number literals as GitHub's lexer reads them (JavaScript's Number syntax)
    ("0o17", 15.0),
    ("0b101", 5.0),
    ("+2.5", 2.5),
    (".5", 0.5),
    ("-2.99e-2", -0.0299),
    ("NaN == NaN", False),
    ("Infinity > 1e308", True),
    # strings coerce to numbers by JavaScript's Number(): blank is 0, no Python-only forms
    ("' 42 ' == 42", True),
    ("'0x10' == 16", True),
    ("'1_000' == 1000", False),
    ("'inf' == Infinity", False),
    ("'Infinity' == Infinity", True),
    ("' ' == 0", True),
    ("null == false", True),
    ("null == ''", True),
    ("null != 'x'", True),
    ("inputs.absent == ''", True),  # deploy.yml's build if: on a push event, with no inputs
    ("inputs.absent != ''", False),  # ... and its fetch-release if:
    ("true > false", True),
    ("'_' > 'a'", True),  # GitHub orders strings by their upper-case forms: '_' > 'A'
    ("fromJSON('[1]') == fromJSON('[1]')", False),  # arrays equal only as the same instance
    ("'1' < '10'", True),
    ("null < 1", True),
    ("github.event < 1", False),  # an object is NaN: every ordering is false
    # property access on null, on primitives and on arrays
    ("github.event.nothing.deeper", None),
    ("inputs.absent.x", None),
    ("github.event.commits['1'].id", "b2"),  # an index is a number after coercion...
    ("github.event.commits[1.9].id", "b2"),  # ... floored
    ("github.event.commits[-1]", None),
    ("github.event.commits.id", None),  # arrays have no properties
    ("github['EVENT_NAME']", "push"),
    # object filters: on objects, on arrays, and twice (one level flatter each time)
    ('fromJSON(\'{"a": {"x": 1}, "b": {"x": 2}}\').*.x', [1, 2]),
    ("fromJSON('[[1, 2], [3]]').*.*", [1, 2, 3]),
    ("fromJSON('[[1, 2], [3]]').*[0]", [1, 3]),
    ("fromJSON('[{\"a\": null}, {}]').*.a", [None]),  # a null value is kept, a missing key not
    ("github.ref.*", []),
    ("join(github.event.commits.*.id)", "a1,b2"),
    # functions: names case-insensitive; arrays and objects are never cast to strings
    ("CONTAINS('ABC', 'b')", True),
    ("contains(github.event, 'pull_request')", False),
    ("contains('Object', github.event)", False),
    ("contains(123, 2)", True),
    ("contains(fromJSON('[true]'), 'true')", False),  # loose equality: 1 == NaN
    ("contains(fromJSON('[1]'), '1')", True),
    ("startsWith(github.event, 'O')", False),
    ("startsWith(12.5, 12)", True),
    ("endsWith(null, '')", True),
    ("join(github.event)", ""),
    ("join(null)", ""),
    ("join(fromJSON('[\"a\", null, true, 1.5]'), '|')", "a||true|1.5"),
    ("join(fromJSON('[{}, []]'))", "Object,Array"),
    ("format('{0}', github.event)", "Object"),
    ("format('{0}', 0.1)", "0.1"),
    ("format('{{0}}{0}}}', 'x')", "{0}x}"),
    ("format('{0}{0}', 'x')", "xx"),
    ("toJSON(2)", "2"),
    ("toJSON(1.5)", "1.5"),
    ("toJSON(null)", "null"),
    ("toJSON('é')", '"é"'),
    ("toJSON(fromJSON('{\"a\": [1]}'))", '{\n  "a": [\n    1\n  ]\n}'),
    ("fromJSON(' 42 ')", 42),
    ("fromJSON('null')", None),
    # the divergences issue 14 found, each as GitHub's evaluator answers
    ("case(matrix.n == 1, 'one', matrix.n == 2, 'two', 'many')", "two"),
    ("case(false, 'a', 'default')", "default"),
    ("-Infinity < -1e308", True),
    ("'\u0131' == 'I'", False),  # GitHub upper-cases every character but the dotless i
    ("'i' == 'I'", True),
    ("'İ' == 'i'", False),
    ("'\u212a' == 'k'", False),  # the Kelvin sign upper-cases to itself, not to K
    ("'straße' == 'STRASSE'", True),  # JavaScript's toUpperCase: ß becomes SS
    ('fromJSON(\'{"a": 1, "A": 2}\').a', 1),  # one key per name, the first
    ('toJSON(fromJSON(\'{"b": 1, "2": 2}\'))', '{\n  "2": 2,\n  "b": 1\n}'),
]


@pytest.mark.parametrize(("expr", "expected"), VALUES)
def test_value(expr: str, expected: object) -> None:
    assert evaluate(expr, SCOPE) == expected


ERRORS = [
    # (expression, GitHub's message, 1-based position named in it); GitHub's own cases are
    # in test_conformance.py, these are the ones a workflow author meets most
    ("a == == b", "Unrecognized named-value: 'a'", 1),
    ("github.ref == == 'x'", "Unexpected symbol: '=='", 15),
    ("github.ref ==", "Unexpected end of expression: '=='", 12),
    ("github.ref == 'main", "Unexpected symbol: ''main'", 15),
    ("foo.bar", "Unrecognized named-value: 'foo'", 1),
    ("nope(1)", "Unrecognized function: 'nope'", 1),
    ("contains('a')", "Too few parameters supplied: 'contains'", 1),
    ("always(1)", "Too many parameters supplied: 'always'", 1),
    (
        "case(true, 1, false, 2)",
        "Even number of parameters supplied, requires an odd number of parameters: 'case'",
        1,
    ),
    ("(1 == 1", "Unexpected end of expression: '1'", 7),
    ("github.", "Unexpected symbol: 'EOF'", 8),
    ("github[0", "Unexpected symbol: 'EOF'", 9),
    ("1 + 2", "Unexpected symbol: '+'", 3),
    ("matrix.n 2", "Unexpected symbol: '2'", 10),
    ("'abc'.length", "Unexpected symbol: '.length'", 6),  # GitHub indexes no literal
    ("github = 'x'", "Unexpected symbol: '='", 8),
    ("github & true", "Unexpected symbol: '&'", 8),
    ('"main"', "Unexpected symbol: '\"main\"'", 1),  # strings take single quotes only
    ("True", "Unrecognized named-value: 'True'", 1),  # keywords are case-sensitive
    ("(" * 60 + "1" + ")" * 60, "Exceeded max expression depth 50: '('", 51),
    ("!" * 51 + "true", "Exceeded max expression depth 50: '!'", 51),
]


@pytest.mark.parametrize(("expr", "message", "position"), ERRORS)
def test_malformed_expression_names_token_and_position(
    expr: str, message: str, position: int
) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate(expr, SCOPE)
    assert str(caught.value) == (
        f"{message}. Located at position {position} within expression: {expr}"
    )
    assert caught.value.kind in ("lexing", "parsing")


def test_an_empty_expression_is_null() -> None:
    assert evaluate("", SCOPE) is None
    assert evaluate("  ", SCOPE) is None


def test_an_expression_longer_than_githubs_limit_is_refused() -> None:
    with pytest.raises(ExpressionError, match="Exceeded max expression length 21000"):
        evaluate("1 || " * 4200 + "1", SCOPE)


RUNTIME_ERRORS = [
    ("format('{0} {1}', 'a')", "references more arguments than were supplied: {0} {1}"),
    ("format('{x}', 'a')", "The following format string is invalid: {x}"),
    ("format('a}', 'a')", "The following format string is invalid: a}"),
    ("fromJSON('{oops')", "Error parsing fromJson"),
    ("fromJSON('NaN')", "Error parsing fromJson"),  # JSON has no NaN, whatever Python reads
    ("fromJSON(' ')", "empty input"),
    ("case(1, 'a', 'b')", "case predicate must evaluate to a boolean value"),
    ("hashFiles('*.py')", "hashFiles() needs a workspace"),
    ("success()", "only available in an 'if:' condition"),
    (
        "format('{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}', format('{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}', "
        "format('{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}', format('{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}', "
        "format('{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}', 'abcdefghij')))))",
        "The maximum allowed memory size was exceeded",
    ),
]


@pytest.mark.parametrize(("expr", "message"), RUNTIME_ERRORS)
def test_runtime_errors_are_clear(expr: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate(expr, SCOPE)
    assert message in str(caught.value)
    assert caught.value.kind == "evaluation"


def test_error_caret_points_into_a_multiline_template() -> None:
    with pytest.raises(ExpressionError) as caught:
        interpolate("echo one\necho ${{ github.ref == }}\n", SCOPE)
    assert "at position" in str(caught.value)


TRUTHY = [
    (None, False),
    (False, False),
    (0.0, False),
    (-0.0, False),
    (math.nan, False),
    ("", False),
    ("false", True),
    ("0", True),
    (1.0, True),
    ([], True),
    ({}, True),
]


@pytest.mark.parametrize(("value", "expected"), TRUTHY)
def test_truthiness(value: object, expected: bool) -> None:
    assert truthy(value) is expected


STRINGS = [
    (None, ""),
    (True, "true"),
    (3.0, "3"),
    (2.5, "2.5"),
    (math.nan, "NaN"),
    (math.inf, "Infinity"),
    ("x", "x"),
    (-0.0, "0"),
    (0.1 + 0.2, "0.3"),  # at most 15 decimals, as GitHub writes numbers
    (1e21, "1e+21"),
    (123456789012345680000.0, "123456789012345680000"),
    (1.5e-7, "1.5e-7"),
    (0.000001, "0.000001"),
    (-2.5, "-2.5"),
    ([1, 2], "Array"),  # arrays and objects are not cast to strings: toJSON shows them
    ({"a": 1}, "Object"),
]


@pytest.mark.parametrize(("value", "expected"), STRINGS)
def test_to_string(value: object, expected: str) -> None:
    assert to_string(value) == expected


TEMPLATES = [
    ("plain text", "plain text"),
    ("py${{ matrix.python }}-${{ matrix.os }}", "py3.11-ubuntu-24.04"),
    ("${{ matrix.n }}", 2.0),  # a whole-value expression keeps its type
    ("${{ fromJSON('[1]') }}", [1]),
    (" ${{ matrix.n }}", " 2"),
    ("${{ '}}' }}", "}}"),  # a closing brace pair inside a string literal
    ("${{ null }}x", "x"),
    ("event: ${{ github.event }}", "event: Object"),
    ("${{ toJSON(matrix.n) }}-${{ 1.0 }}", "2-1"),
]


@pytest.mark.parametrize(("text", "expected"), TEMPLATES)
def test_interpolate(text: str, expected: object) -> None:
    assert interpolate(text, SCOPE) == expected


def test_interpolate_unclosed_template_is_an_error() -> None:
    with pytest.raises(ExpressionError, match="closing }} sequence was not found"):
        interpolate("echo ${{ github.ref", SCOPE)


def test_interpolate_all_walks_nested_values() -> None:
    value = {"a": ["${{ matrix.python }}", 3], "b": {"c": "${{ env.NAME }}"}, "d": None}
    assert interpolate_all(value, SCOPE) == {"a": ["3.11", 3], "b": {"c": "deploybook"}, "d": None}


def _status(success: bool, failure: bool = False, cancelled: bool = False) -> Scope:
    flags = {"success": success, "failure": failure, "cancelled": cancelled}
    return Scope(CONTEXTS, status=flags.__getitem__)


CONDITIONS = [
    # (condition, previous steps succeeded?, expected)
    ("github.event_name == 'push'", True, True),
    ("${{ github.event_name == 'push' }}", True, True),
    ("github.event_name == 'push'", False, False),  # implicit success() &&
    ("always()", False, True),
    ("failure()", False, True),
    ("failure()", True, False),
    ("success() || failure()", False, True),
    ("!cancelled() && github.ref == 'refs/heads/main'", False, True),
    ("${{ false }} && true", True, True),  # mixed text is a non-empty string (GitHub's rule)
    ("${{ false }} && true", False, False),
    (True, True, True),
    (False, True, False),
    ("inputs.dry", True, True),
]


@pytest.mark.parametrize(("condition", "succeeded", "expected"), CONDITIONS)
def test_if_conditions(condition: object, succeeded: bool, expected: bool) -> None:
    scope = _status(succeeded, failure=not succeeded)
    assert evaluate_condition(condition, scope) is expected


def test_status_functions_are_detected_anywhere() -> None:
    assert uses_status_function(parse("github.ref == 'x' || always()"))
    assert uses_status_function(parse("!contains(format('{0}', failure()), 'x')"))
    assert uses_status_function(parse("github[success()]"))
    assert not uses_status_function(parse("github.ref == 'refs/heads/main'"))


def test_hash_files_is_delegated_to_the_scope() -> None:
    scope = Scope(CONTEXTS, hash_files=lambda patterns: "|".join(patterns))
    assert evaluate("hashFiles('a', 'b/**')", scope) == "a|b/**"
