"""Mutation testing of the withholding module with mutmut, in a sandbox, and its score.

mutmut changes the code one small edit at a time (``<`` to ``<=``, ``+`` to ``-``, a
constant to another...) and runs the tests that cover the changed function; a mutant the
tests notice is *killed*, one they miss *survives*. The score is the share killed.
:func:`run_mutation_tests` copies the package and the withholding tests into a scratch
folder (so ``mutants/`` never appears in the project tree), with a hypothesis profile that
gives every mutant the same :data:`MAX_EXAMPLES` property-test examples, runs ``mutmut run``
there and reads its statistics; :func:`surviving_changes` says what each survivor changed.
"""

from __future__ import annotations

import ast
import difflib
import json
import re
import shutil
import subprocess  # runs mutmut with fixed arguments  # nosec B404
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from deploybook.paths import project_root
from deploybook.payroll.report.pyramid import child_env

TARGET = "src/deploybook/payroll/engine/withholding.py"
TESTS = ("__init__.py", "conftest.py", "test_withholding.py")
_PYPROJECT = """[tool.mutmut]
source_paths = ["src"]
only_mutate = ["{target}"]
pytest_add_cli_args_test_selection = ["tests/unit/payroll/test_withholding.py"]
pytest_add_cli_args = ["-p", "no:cacheprovider", "-q"]

[tool.pytest.ini_options]
filterwarnings = ["error", "ignore::DeprecationWarning"]
"""


# Every mutant is judged by the same property-test examples (derandomize), so a score does
# not move between runs by chance; fewer of them than a normal run, as the examples are run
# once per mutant and the table-driven tests do most of the killing.
_CONFTEST = """from hypothesis import settings

settings.register_profile("mutation", max_examples={max_examples}, derandomize=True)
settings.load_profile("mutation")
"""
MAX_EXAMPLES = 30


@dataclass(frozen=True)
class MutationResult:
    """What mutmut found: counts by outcome, the score and the time it took."""

    killed: int
    survived: int
    no_tests: int
    timeout: int
    suspicious: int
    skipped: int
    total: int
    seconds: float

    @property
    def score(self) -> float:
        """Killed (or timed-out) mutants over all mutants that ran or had no test, in percent."""
        judged = self.killed + self.timeout + self.survived + self.no_tests + self.suspicious
        return 100.0 * (self.killed + self.timeout) / judged if judged else 0.0


def _sandbox(folder: Path) -> None:
    root = project_root()
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(
        root / "src" / "deploybook",
        folder / "src" / "deploybook",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    tests = folder / "tests" / "unit" / "payroll"
    tests.mkdir(parents=True)
    for name in TESTS:
        shutil.copy2(root / "tests" / "unit" / "payroll" / name, tests / name)
    (folder / "tests" / "conftest.py").write_text(_CONFTEST.format(max_examples=MAX_EXAMPLES))
    (folder / "pyproject.toml").write_text(_PYPROJECT.format(target=TARGET))


def _clean_env() -> dict[str, str]:
    return child_env(DEPLOYBOOK_HOME=str(project_root()))  # data files come from the project


def run_mutation_tests(
    folder: Path, *, max_children: int = 2, timeout: float = 900
) -> MutationResult:
    """Mutate the target modules in ``folder`` and score the unit tests."""
    _sandbox(folder)
    env = _clean_env()
    started = time.perf_counter()
    command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(max_children)]
    done = subprocess.run(  # noqa: S603 - our interpreter, fixed arguments  # nosec B603
        command, cwd=folder, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip()[-800:]
        raise RuntimeError(f"mutmut run failed ({done.returncode}):\n{tail}")
    subprocess.run(  # our interpreter, fixed arguments  # nosec B603
        [sys.executable, "-m", "mutmut", "export-cicd-stats"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    stats = json.loads((folder / "mutants" / "mutmut-cicd-stats.json").read_text())
    return MutationResult(
        killed=stats["killed"],
        survived=stats["survived"],
        no_tests=stats["no_tests"],
        timeout=stats["timeout"],
        suspicious=stats["suspicious"],
        skipped=stats["skipped"],
        total=stats["total"],
        seconds=seconds,
    )


def survivors(folder: Path) -> list[str]:
    """The names of the mutants that survived the last run in ``folder``."""
    done = subprocess.run(  # our interpreter, fixed arguments  # nosec B603
        [sys.executable, "-m", "mutmut", "results"],
        cwd=folder, env=_clean_env(), capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return [line.split(":")[0].strip() for line in done.stdout.splitlines() if "survived" in line]


def _code(line: str) -> str:
    """A line of code without its indentation and trailing comment."""
    return re.sub(r"\s+#.*$", "", line.strip())


@dataclass(frozen=True)
class Mutant:
    """One surviving mutant: the function it changed and its changed lines."""

    name: str  # e.g. "bracket_index 4"
    original: str
    mutated: str

    @property
    def x_comparison(self) -> bool:
        """Whether the mutant only turns ``x < t`` into ``x <= t`` (weekly earnings ``x``
        against a threshold ``t``)."""
        return bool(re.search(r"\bx < ", self.original)) and (
            self.original.replace("x < ", "x <= ") == self.mutated
        )


def surviving_changes(folder: Path, names: list[str]) -> list[Mutant]:
    """What each surviving mutant of ``names`` (as :func:`survivors` gives them) changed, read
    from the mutated module mutmut wrote in ``folder``."""
    source = (folder / "mutants" / TARGET).read_text()
    functions = {
        node.name: ast.get_source_segment(source, node) or ""
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef)
    }
    found = []
    for name in names:
        mutant = name.rsplit(".", 1)[-1]  # x_<function>__mutmut_<n>
        function, number = mutant.removeprefix("x_").rsplit("__mutmut_", 1)
        before = functions[f"x_{function}__mutmut_orig"].splitlines()[1:]  # without the def
        after = functions[mutant].splitlines()[1:]
        diff = list(difflib.ndiff([_code(b) for b in before], [_code(a) for a in after]))
        found.append(
            Mutant(
                f"{function} {number}",
                " / ".join(d[2:] for d in diff if d.startswith("- ")),
                " / ".join(d[2:] for d in diff if d.startswith("+ ")),
            )
        )
    return found
