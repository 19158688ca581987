"""Security checks of the payroll code: bandit's findings and SQL built by string formatting.

Both read the source; neither runs it. :func:`formatted_sql` finds any call that hands a
database a string built with an f-string, ``%`` or ``.format`` (the payroll code sends every
value as a bound parameter, so it should find none).
"""

from __future__ import annotations

import ast
import json
import subprocess  # runs bandit with fixed arguments  # nosec B404
import sys
from pathlib import Path

SQL_CALLS = {"text", "execute", "exec_driver_sql", "executescript"}


def bandit_findings(folder: Path) -> list[dict[str, object]]:
    """Bandit's findings (every severity) for the Python files under ``folder``."""
    done = subprocess.run(  # noqa: S603 - our interpreter, fixed arguments  # nosec B603
        [sys.executable, "-m", "bandit", "-r", str(folder), "-f", "json", "-q"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if done.returncode not in (0, 1) or not done.stdout.strip():
        raise RuntimeError(f"bandit failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return list(json.loads(done.stdout)["results"])


def _formatted(node: ast.expr) -> bool:
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp):  # "..." % values, "..." + value
        return isinstance(node.op, ast.Mod | ast.Add)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        # psycopg's sql.SQL("...").format(sql.Identifier(...)) quotes what it composes
        target = node.func.value
        composed = isinstance(target, ast.Call) and getattr(target.func, "attr", "") == "SQL"
        return node.func.attr == "format" and not composed
    return False


def formatted_sql(folder: Path) -> list[str]:
    """``file:line`` of every SQL call whose statement is built by string formatting."""
    found = []
    for path in sorted(Path(folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in SQL_CALLS and _formatted(node.args[0]):
                found.append(f"{path}:{node.lineno}")
    return found
