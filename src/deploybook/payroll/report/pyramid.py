"""The test pyramid, run live: unit, integration, system and acceptance tests of the payroll.

:func:`run_pyramid` runs pytest once per level in a child process (so the report's own
state cannot leak into the tests), two levels at a time, each with coverage of
``deploybook.payroll`` and a JUnit XML report, and returns per level the test counts, the
wall time and the coverage that level alone reaches; :func:`combined_coverage` adds the
levels up. Tests that produce something for the report (the browser test's screenshots,
the fuzzing's counts) write it to ``$DEPLOYBOOK_TEST_ARTIFACTS``, which is
``<level folder>/artifacts`` here.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess  # runs pytest with fixed arguments  # nosec B404
import sys
import time
import xml.etree.ElementTree as ET  # parses our own pytest report  # nosec B405
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from coverage import Coverage

from deploybook.paths import project_root

LEVELS = {
    "unit": "tests/unit/payroll",
    "integration": "tests/integration/payroll",
    "system": "tests/system/payroll",
    "acceptance": "tests/acceptance",
}
SOURCE = "src/deploybook/payroll"  # a path, so code Alembic loads by file is measured too
ARTIFACTS_ENV = "DEPLOYBOOK_TEST_ARTIFACTS"  # where tests leave what a report shows (screenshots)
COST = {"system": 4, "integration": 3, "unit": 2, "acceptance": 1}  # longest first
LIVE = ("-m", "not tooling")  # the live pyramid does not test its own instruments


@dataclass(frozen=True)
class LevelResult:
    """One level's run: how many tests, how they ended, how long, what they covered."""

    level: str
    tests: int
    passed: int
    failed: int
    skipped: int
    seconds: float
    coverage_percent: float
    data_dir: Path
    cases: tuple[tuple[str, str], ...]  # (test name, outcome)


def child_env(**extra: str) -> dict[str, str]:
    """The current process's environment for a child test run, without the parent's coverage or
    pytest settings (a report built under ``make test`` must not measure itself twice).
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("COVERAGE_", "COV_CORE_", "PYTEST_"))
    }
    return env | extra


def _cases(junit: Path) -> list[tuple[str, str]]:
    cases = []
    for case in ET.parse(junit).getroot().iter("testcase"):  # noqa: S314  # nosec B314
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed"
            elif child.tag == "skipped":
                outcome = "skipped"
        cases.append((case.get("name", ""), outcome))
    return cases


def _coverage(files: list[Path]) -> float:
    cov = Coverage(data_file=None, config_file=str(project_root() / "pyproject.toml"))
    cov.combine([str(f) for f in files], keep=True)
    include = [str(project_root() / "src" / "deploybook" / "payroll" / "*")]
    return float(cov.report(include=include, file=io.StringIO()))


def run_level(level: str, workdir: Path, *, extra: tuple[str, ...] = ()) -> LevelResult:
    """Run one level's tests with coverage; ``extra`` adds pytest arguments (e.g. ``-k``)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}; got {level!r}")
    data_dir = workdir / level
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    junit = data_dir / "junit.xml"
    command = [
        sys.executable, "-m", "pytest", LEVELS[level], "-q", "-p", "no:cacheprovider",
        f"--junitxml={junit}", f"--cov={SOURCE}", "--cov-report=", *extra,
    ]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our interpreter, fixed arguments  # nosec B603
        command, cwd=project_root(),
        env=child_env(COVERAGE_FILE=str(data_dir / ".coverage"),
                      **{ARTIFACTS_ENV: str(data_dir / "artifacts")}),
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if not junit.exists():
        raise RuntimeError(
            f"pytest did not run the {level} tests:\n{done.stdout[-1500:]}{done.stderr[-1500:]}"
        )
    cases = _cases(junit)
    files = sorted(data_dir.glob(".coverage*"))
    return LevelResult(
        level=level,
        tests=len(cases),
        passed=sum(o == "passed" for _, o in cases),
        failed=sum(o == "failed" for _, o in cases),
        skipped=sum(o == "skipped" for _, o in cases),
        seconds=seconds,
        coverage_percent=_coverage(files) if files else 0.0,
        data_dir=data_dir,
        cases=tuple(cases),
    )


def run_pyramid(levels: list[str], workdir: Path, *, parallel: int = 2) -> list[LevelResult]:
    """Run the levels, ``parallel`` at a time and the longest first (as a CI pipeline runs
    independent jobs), leaving out the tests of the report's own instruments (marker
    ``tooling``: the pyramid runner, the load-test harness); results in the order given.
    """
    order = sorted(levels, key=lambda level: -COST[level])
    with ThreadPoolExecutor(max_workers=max(parallel, 1)) as pool:
        results = pool.map(lambda level: run_level(level, workdir, extra=LIVE), order)
        done = dict(zip(order, results, strict=True))
    return [done[level] for level in levels]


def level_result(results: Iterable[LevelResult], level: str) -> LevelResult | None:
    """The result of ``level`` among ``results`` (``None`` if that level did not run)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}; got {level!r}")
    return next((r for r in results if r.level == level), None)


def cases_of(result: LevelResult | None, test: str) -> tuple[int, int]:
    """How many cases of the test function ``test`` a level ran, and how many failed (``(0,
    0)`` if the level did not run).
    """
    found = [outcome for name, outcome in (result.cases if result else ())
             if name == test or name.startswith(f"{test}[")]  # fmt: skip
    return len(found), sum(outcome != "passed" for outcome in found)


def combined_coverage(results: list[LevelResult]) -> float:
    """Coverage of ``deploybook.payroll`` by all the levels together, in percent."""
    files = [f for r in results for f in sorted(r.data_dir.glob(".coverage*"))]
    return _coverage(files) if files else 0.0
