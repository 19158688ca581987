"""Benchmark of the book job's Jupyter execution cache (CI builds only), run by the local runner.

``book.yml``'s build job with its caches (as ``ci.yml`` calls it; a release build restores
none) runs through the local runner on the small book of the CI/CD report
(:mod:`deploybook.cicd.minibook`), twice on identical checkouts sharing one cache store:
cold (an empty store: the notebook executes) then warm (restored, nothing executes),
``--repeat`` times. Ratios are cold over warm medians, measured in the same process. The
last line is one JSON object.

    .venv/bin/python benchmarks/cicd_cache.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from deploybook.cicd.pipeline import cached_builds, head_commit, notebooks_executed
from deploybook.paths import project_root


def main() -> None:
    """Run cold and warm builds, print medians and ratios, then the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    runs: dict[str, list[float]] = {
        "cold_job": [],
        "cold_build": [],
        "warm_job": [],
        "warm_build": [],
    }
    executed = []
    with tempfile.TemporaryDirectory(prefix="cicd-bench-") as tmp:
        for n in range(repeat):
            cold, warm = cached_builds(
                project_root(), Path(tmp) / f"run-{n}", head_commit(project_root())
            )
            for kind, job in (("cold", cold), ("warm", warm)):
                if job.result != "success":
                    raise SystemExit(f"the build job failed:\n{job.log()}")
                runs[f"{kind}_job"].append(job.seconds)
                runs[f"{kind}_build"].append(job.step("Build the book").seconds)
            executed.append((notebooks_executed(cold)[0], notebooks_executed(warm)[0]))
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
    print(f"notebooks executed (cold, warm) per run: {executed}")
    print(
        json.dumps({"repeat": repeat, **{k: [round(v, 3) for v in vs] for k, vs in runs.items()}})
    )


if __name__ == "__main__":
    main()
