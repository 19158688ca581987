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
import json
import random
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
# a mutant that makes the tests five times slower than the original has hung them
timeout_multiplier = 5.0

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
    total: int  # mutants tested (a sample of those generated, or all of them)
    generated: int = 0  # mutants mutmut made of the module

    @property
    def judged(self) -> int:
        """Mutants whose fate counts towards the score."""
        return self.killed + self.timeout + self.survived + self.no_tests + self.suspicious

    @property
    def score(self) -> float:
        """Killed (or timed-out) mutants over all mutants that ran or had no test, in percent."""
        return 100.0 * (self.killed + self.timeout) / self.judged if self.judged else 0.0

    @property
    def margin(self) -> float:
        """Half the width of the score's 95% interval, in points, when the mutants tested are
        a random sample of those generated (normal approximation, finite population
        corrected; 0 when every mutant was tested).
        """
        n, population = self.judged, max(self.generated, self.judged)
        if not n or n >= population:
            return 0.0
        p = self.score / 100
        correction = ((population - n) / (population - 1)) ** 0.5
        return 100 * 1.96 * (p * (1 - p) / n) ** 0.5 * correction


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
                "killed", "survived", "no_tests", "timeout", "suspicious", "skipped", "total",
                "generated"))
        )  # fmt: skip


def module_of(mutant: str) -> str:
    """The short name of the target a mutant's name (``deploybook...withholding.x_f__mutmut_3``)
    belongs to.
    """
    for target in TARGETS:
        if mutant.startswith(f"{target.dotted}."):
            return target.module
    raise ValueError(f"mutant {mutant!r} is in no target module ({', '.join(MODULES)})")


NOT_TESTED = "not checked"  # mutmut's word for a mutant it made but did not run


def tally(outcomes: Iterable[tuple[str, str]]) -> dict[str, MutationResult]:
    """Each target's result from ``(mutant name, outcome)`` pairs, every target present: the
    mutants tested (any outcome but not checked) and all those generated.
    """
    counts = {m: dict.fromkeys(OUTCOMES.values(), 0) for m in MODULES}
    tested = dict.fromkeys(MODULES, 0)
    generated = dict.fromkeys(MODULES, 0)
    for name, outcome in outcomes:
        module = module_of(name)
        generated[module] += 1
        if outcome != NOT_TESTED:
            tested[module] += 1
        if outcome in OUTCOMES:
            counts[module][OUTCOMES[outcome]] += 1
    return {m: MutationResult(**counts[m], total=tested[m], generated=generated[m])
            for m in MODULES}  # fmt: skip


def sample_mutants(names: Iterable[str], size: int, seed: int) -> list[str]:
    """``size`` of ``names`` drawn at random (seeded), or all of them if ``size`` is 0 or no
    smaller than their number; in mutmut's order.
    """
    names = sorted(names)
    if not size or size >= len(names):
        return names
    chosen = set(random.Random(seed).sample(names, size))  # noqa: S311  # nosec B311 - a sample
    return [name for name in names if name in chosen]


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
    mutmut configuration that mutates only ``target``.
    """
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
    # data files come from the project; property tests that set their own number of
    # examples are capped at the profile's (tests/unit/payroll/conftest.py: examples())
    return child_env(DEPLOYBOOK_HOME=str(project_root()), DEPLOYBOOK_MAX_EXAMPLES=str(MAX_EXAMPLES))


def _mutmut(folder: Path, *args: str, timeout: float = 120) -> str:
    done = subprocess.run(  # noqa: S603 - our interpreter, mutmut's own commands  # nosec B603
        [sys.executable, "-m", "mutmut", *args],
        cwd=folder, env=_clean_env(), capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip()[-800:]
        raise RuntimeError(f"mutmut {args[0]} failed ({done.returncode}):\n{tail}")
    return done.stdout


def _generated(sandbox: Path, target: Target) -> list[str]:
    """Every mutant of ``target`` that mutmut made in ``sandbox`` (after a run)."""
    meta = sandbox / "mutants" / f"{target.source}.meta"
    return sorted(json.loads(meta.read_text())["exit_code_by_key"])


NO_MUTANT = "x_no_such_function__mutmut_0"  # matches nothing: mutmut generates and stops


def run_mutation_tests(
    folder: Path,
    *,
    per_module: int = 0,
    seed: int = 0,
    max_children: int = 2,
    timeout: float = 1800,
) -> MutationRun:
    """Mutate each module of :data:`TARGETS` in turn, in ``folder/<module>``, and score the
    module's own tests on its mutants (another module's tests reaching it do not count).

    With ``per_module`` > 0, mutmut first only makes the mutants (asked to run one that does
    not exist, it stops once they are made), then tests a random sample of ``per_module`` of
    them (seeded by ``seed``): the score estimates the module's, within
    :attr:`MutationResult.margin`.
    """
    started = time.perf_counter()
    outcomes: list[tuple[str, str]] = []
    for target in TARGETS:
        sandbox = folder / target.module
        _sandbox(sandbox, target)
        names: list[str] = []
        if per_module:
            try:
                _mutmut(sandbox, "run", "--max-children", str(max_children),
                        f"{target.dotted}.{NO_MUTANT}", timeout=timeout)  # fmt: skip
            except RuntimeError as exc:
                if "nothing matches" not in str(exc):
                    raise
            names = sample_mutants(_generated(sandbox, target), per_module, seed)
        _mutmut(sandbox, "run", "--max-children", str(max_children), *names, timeout=timeout)
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
        against a threshold ``t``).
        """
        return bool(re.search(r"\bx < ", self.original)) and (
            self.original.replace("x < ", "x <= ") == self.mutated
        )


def _functions(source: str) -> dict[str, str]:
    """Each function's source by name (lines sliced once: ``ast.get_source_segment`` splits
    the whole module again for every call, too slow for a module holding a thousand mutants).
    """
    lines = source.splitlines()
    return {
        node.name: "\n".join(lines[node.lineno - 1 : node.end_lineno])
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef)
    }


def surviving_changes(folder: Path, names: Iterable[str]) -> list[Mutant]:
    """What each surviving mutant of ``names`` (as :func:`run_mutation_tests` gives them)
    changed, read from the mutated modules mutmut wrote in ``folder/<module>``.
    """
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


def mutation_run(
    enabled: bool, folder: Path, *, per_module: int = 0, seed: int = 0
) -> MutationRun | None:
    """:func:`run_mutation_tests` in ``folder`` if ``enabled`` (the report's parameters)."""
    return run_mutation_tests(folder, per_module=per_module, seed=seed) if enabled else None


def survivors_of(run: MutationRun | None, folder: Path) -> list[Mutant]:
    """What each survivor of ``run`` changed (none if mutation testing did not run)."""
    return surviving_changes(folder, run.survivors) if run else []
