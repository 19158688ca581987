"""Mutation testing of the payroll's core modules with mutmut, in a sandbox, scored per module.

mutmut changes the code one small edit at a time (``<`` to ``<=``, ``+`` to ``-``, a
constant to another...) and runs the tests that cover the changed function; a mutant the
tests notice is *killed*, one they miss *survives*. The score is the share killed.
:func:`run_mutation_tests` takes the modules of :data:`TARGETS` in turn (withholding, the
payslip engines, money, the ABA file, the pay-run service): it copies the package and the
module's own tests into a scratch folder (so ``mutants/`` never appears in the project
tree), with a hypothesis profile that gives every mutant the same :data:`MAX_EXAMPLES`
property-test examples, runs ``mutmut run`` there and reads each mutant's outcome. A
module is judged by its own tests only, so its score says how well they pin it down (and a
slow test of another module never runs for its mutants). :func:`surviving_changes` says
what each survivor changed.
"""

from __future__ import annotations

import ast
import difflib
import re
import shutil
import subprocess  # runs mutmut with fixed arguments  # nosec B404
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from deploybook.paths import project_root
from deploybook.payroll.report.pyramid import child_env


@dataclass(frozen=True)
class Target:
    """A module mutated, and the test files that judge its mutants."""

    module: str  # a short name: "withholding"
    source: str  # its path in the project
    tests: tuple[str, ...]

    @property
    def dotted(self) -> str:
        """The module's import name (mutmut names mutants by it)."""
        return self.source.removeprefix("src/").removesuffix(".py").replace("/", ".")


_UNIT = "tests/unit/payroll"
TARGETS = (
    Target("withholding", "src/deploybook/payroll/engine/withholding.py",
           (f"{_UNIT}/test_withholding.py",)),
    Target("calculation", "src/deploybook/payroll/engine/calculation.py",
           (f"{_UNIT}/test_calculation.py",)),
    Target("money", "src/deploybook/payroll/engine/money.py", (f"{_UNIT}/test_money.py",)),
    Target("aba", "src/deploybook/payroll/engine/aba.py", (f"{_UNIT}/test_aba.py",)),
    Target("payruns", "src/deploybook/payroll/service/payruns.py",
           (f"{_UNIT}/test_payruns.py",)),
)  # fmt: skip
MODULES = tuple(t.module for t in TARGETS)
SUPPORT = (f"{_UNIT}/__init__.py", f"{_UNIT}/conftest.py", "tests/payroll_aba_reader.py")
_PYPROJECT = """[tool.mutmut]
source_paths = ["src"]
only_mutate = {targets}
pytest_add_cli_args_test_selection = {tests}
pytest_add_cli_args = ["-p", "no:cacheprovider", "-q"]

[tool.pytest.ini_options]
filterwarnings = ["error", "ignore::DeprecationWarning"]
"""


# Every mutant is judged by the same property-test examples (derandomize), so a score does
# not move between runs by chance; fewer of them than a normal run, as the examples are run
# once per mutant and the table-driven tests do most of the killing. The pay-run tests log
# in nobody, but their service hashes no password either: nothing else is needed here.
_CONFTEST = """from hypothesis import settings

settings.register_profile("mutation", max_examples={max_examples}, derandomize=True)
settings.load_profile("mutation")
"""
MAX_EXAMPLES = 30
OUTCOMES = {  # mutmut's words for a mutant's fate -> MutationResult's fields
    "killed": "killed", "survived": "survived", "no tests": "no_tests", "timeout": "timeout",
    "suspicious": "suspicious", "skipped": "skipped",
}  # fmt: skip


@dataclass(frozen=True)
class MutationResult:
    """What became of one module's mutants (or all of them): counts by outcome, the score."""

    killed: int
    survived: int
    no_tests: int
    timeout: int
    suspicious: int
    skipped: int
    total: int

    @property
    def score(self) -> float:
        """Killed (or timed-out) mutants over all mutants that ran or had no test, in percent."""
        judged = self.killed + self.timeout + self.survived + self.no_tests + self.suspicious
        return 100.0 * (self.killed + self.timeout) / judged if judged else 0.0


@dataclass(frozen=True)
class MutationRun:
    """A mutmut run over :data:`TARGETS`: each module's result, the survivors' names, the time."""

    modules: Mapping[str, MutationResult]
    survivors: tuple[str, ...]
    seconds: float

    @property
    def overall(self) -> MutationResult:
        """Every module's mutants together."""
        results = list(self.modules.values())
        return MutationResult(
            *(sum(getattr(r, name) for r in results) for name in (
                "killed", "survived", "no_tests", "timeout", "suspicious", "skipped", "total"))
        )  # fmt: skip


def module_of(mutant: str) -> str:
    """The short name of the target a mutant's name (``deploybook...withholding.x_f__mutmut_3``)
    belongs to."""
    for target in TARGETS:
        if mutant.startswith(f"{target.dotted}."):
            return target.module
    raise ValueError(f"mutant {mutant!r} is in no target module ({', '.join(MODULES)})")


def tally(outcomes: Iterable[tuple[str, str]]) -> dict[str, MutationResult]:
    """Each target's result from ``(mutant name, outcome)`` pairs, every target present."""
    counts = {m: dict.fromkeys(OUTCOMES.values(), 0) for m in MODULES}
    totals = dict.fromkeys(MODULES, 0)
    for name, outcome in outcomes:
        module = module_of(name)
        totals[module] += 1
        if outcome in OUTCOMES:
            counts[module][OUTCOMES[outcome]] += 1
    return {m: MutationResult(**counts[m], total=totals[m]) for m in MODULES}


def parse_results(text: str) -> list[tuple[str, str]]:
    """``(mutant, outcome)`` from the output of ``mutmut results --all true``."""
    found = []
    for line in text.splitlines():
        name, sep, outcome = line.strip().rpartition(": ")
        if sep and name.startswith("deploybook."):
            found.append((name, outcome.strip()))
    return found


def _sandbox(folder: Path, target: Target) -> None:
    """``folder`` made afresh: the package, ``target``'s tests and what they import, and a
    mutmut configuration that mutates only ``target``."""
    root = project_root()
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(
        root / "src" / "deploybook",
        folder / "src" / "deploybook",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    for name in (*SUPPORT, *target.tests):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, folder / name)
    (folder / "tests" / "conftest.py").write_text(_CONFTEST.format(max_examples=MAX_EXAMPLES))
    (folder / "pyproject.toml").write_text(
        _PYPROJECT.format(targets=_toml([target.source]), tests=_toml(list(target.tests)))
    )


def _toml(items: list[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


def _clean_env() -> dict[str, str]:
    return child_env(DEPLOYBOOK_HOME=str(project_root()))  # data files come from the project


def _mutmut(folder: Path, *args: str, timeout: float = 120) -> str:
    done = subprocess.run(  # noqa: S603 - our interpreter, mutmut's own commands  # nosec B603
        [sys.executable, "-m", "mutmut", *args],
        cwd=folder, env=_clean_env(), capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip()[-800:]
        raise RuntimeError(f"mutmut {args[0]} failed ({done.returncode}):\n{tail}")
    return done.stdout


def run_mutation_tests(
    folder: Path, *, max_children: int = 2, timeout: float = 1800
) -> MutationRun:
    """Mutate each module of :data:`TARGETS` in turn, in ``folder/<module>``, and score the
    module's own tests on its mutants (another module's tests reaching it do not count)."""
    started = time.perf_counter()
    outcomes: list[tuple[str, str]] = []
    for target in TARGETS:
        sandbox = folder / target.module
        _sandbox(sandbox, target)
        _mutmut(sandbox, "run", "--max-children", str(max_children), timeout=timeout)
        outcomes += parse_results(_mutmut(sandbox, "results", "--all", "true"))
    seconds = time.perf_counter() - started
    survived = tuple(name for name, outcome in outcomes if outcome == "survived")
    return MutationRun(tally(outcomes), survived, seconds)


def _code(line: str) -> str:
    """A line of code without its indentation and trailing comment."""
    return re.sub(r"\s+#.*$", "", line.strip())


@dataclass(frozen=True)
class Mutant:
    """One surviving mutant: its module, the function it changed and its changed lines."""

    module: str  # e.g. "withholding"
    name: str  # e.g. "bracket_index 4", "PayrollService.approve 2"
    original: str
    mutated: str

    @property
    def x_comparison(self) -> bool:
        """Whether the mutant only turns ``x < t`` into ``x <= t`` (weekly earnings ``x``
        against a threshold ``t``)."""
        return bool(re.search(r"\bx < ", self.original)) and (
            self.original.replace("x < ", "x <= ") == self.mutated
        )


def _functions(source: str) -> dict[str, str]:
    return {
        node.name: ast.get_source_segment(source, node) or ""
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef)
    }


def surviving_changes(folder: Path, names: Iterable[str]) -> list[Mutant]:
    """What each surviving mutant of ``names`` (as :func:`run_mutation_tests` gives them)
    changed, read from the mutated modules mutmut wrote in ``folder/<module>``."""
    sources = {t.module: t.source for t in TARGETS}
    functions: dict[str, dict[str, str]] = {}
    found = []
    for name in names:
        module = module_of(name)
        if module not in functions:
            mutated = folder / module / "mutants" / sources[module]
            functions[module] = _functions(mutated.read_text())
        mutant = name.rsplit(".", 1)[-1]  # x_<function>__mutmut_<n>, xǁ<Class>ǁ<method>__...
        base, number = mutant.rsplit("__mutmut_", 1)
        before = functions[module][f"{base}__mutmut_orig"].splitlines()[1:]  # without the def
        after = functions[module][mutant].splitlines()[1:]
        diff = list(difflib.ndiff([_code(b) for b in before], [_code(a) for a in after]))
        shown = base.removeprefix("x_").removeprefix("x\u01c1").replace("\u01c1", ".")
        found.append(
            Mutant(
                module,
                f"{shown} {number}",
                " / ".join(d[2:] for d in diff if d.startswith("- ")),
                " / ".join(d[2:] for d in diff if d.startswith("+ ")),
            )
        )
    return found


def mutation_run(enabled: bool, folder: Path) -> MutationRun | None:
    """:func:`run_mutation_tests` in ``folder`` if ``enabled`` (the report's parameter)."""
    return run_mutation_tests(folder) if enabled else None


def survivors_of(run: MutationRun | None, folder: Path) -> list[Mutant]:
    """What each survivor of ``run`` changed (none if mutation testing did not run)."""
    return surviving_changes(folder, run.survivors) if run else []
