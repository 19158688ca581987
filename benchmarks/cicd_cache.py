"""Benchmark of the book job's Jupyter execution cache, run by the local runner.

``book.yml``'s build job (called by ``deploy.yml``) runs through the local runner on the
small book of the CI/CD report (:mod:`deploybook.cicd.minibook`), alternately with an
empty cache store (cold: the notebook executes) and with the store the run before filled
(warm: restored, nothing executes), ``--repeat`` times each. Ratios are cold over warm
medians, measured in the same process. The last line is one JSON object.

    .venv/bin/python benchmarks/cicd_cache.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from deploybook.cicd.emulator.results import Event
from deploybook.cicd.emulator.runner import LocalRunner
from deploybook.cicd.minibook import build_source


def _job(work: Path, tag: str, cache: Path) -> tuple[float, float]:
    """Seconds of the build job and of its "Build the book" step, on a fresh checkout."""
    workspace = build_source(work / f"checkout-{tag}-{time.monotonic_ns()}")
    runner = LocalRunner(workspace, work_dir=work / "runs", cache_dir=cache)
    result = runner.run("deploy.yml", Event("push", f"refs/tags/{tag}"), jobs=["build"])
    job = result.job("build/build")
    if job.result != "success":
        raise SystemExit(f"the build job failed:\n{job.log()}")
    return job.seconds, job.step("Build the book").seconds


def main() -> None:
    """Run cold and warm builds alternately, print medians and ratios, then the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    runs: dict[str, list[float]] = {
        "cold_job": [],
        "cold_build": [],
        "warm_job": [],
        "warm_build": [],
    }
    with tempfile.TemporaryDirectory(prefix="cicd-bench-") as tmp:
        work = Path(tmp)
        for n in range(repeat):
            cache = work / f"cache-{n}"
            for kind in ("cold", "warm"):  # the cold run fills the store the warm run reads
                job, build = _job(work, f"v0.{n}.{kind}", cache)
                runs[f"{kind}_job"].append(job)
                runs[f"{kind}_build"].append(build)
    medians = {name: statistics.median(values) for name, values in runs.items()}
    print(f"baseline: warm build job, median {medians['warm_job']:.2f} s over {repeat} runs")
    print(
        f"cold build job: median {medians['cold_job']:.2f} s, ratio cold/warm "
        f"{medians['cold_job'] / medians['warm_job']:.2f}"
    )
    print(
        f"'Build the book' step: cold {medians['cold_build']:.2f} s, warm "
        f"{medians['warm_build']:.2f} s, ratio {medians['cold_build'] / medians['warm_build']:.2f}"
    )
    print(
        json.dumps({"repeat": repeat, **{k: [round(v, 3) for v in vs] for k, vs in runs.items()}})
    )


if __name__ == "__main__":
    main()
