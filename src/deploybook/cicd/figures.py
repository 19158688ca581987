"""Every glued figure of the CI/CD report, computed from its results.

One function per section of ``notebooks/cicd_pipeline.ipynb``, each returning the figures
the notebook glues with :func:`deploybook.figures.record_all`: numbers as plain Python
numbers, outcomes as booleans (the ``when`` blocks of the prose read them), and sentences
chosen here by the results, never typed in the notebook.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from deploybook.cicd.emulator.results import RunResult
from deploybook.cicd.emulator.workflow import critical_path
from deploybook.cicd.findings import Finding
from deploybook.cicd.modelcheck import PROPERTIES, CheckResult
from deploybook.cicd.params import CicdParams
from deploybook.cicd.pipeline import (
    Releases,
    ci_verdict,
    failed_probes,
    live_probes,
    served_by_broken,
    staging_rejection,
)
from deploybook.figures import Figure

Figures = dict[str, Figure]


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def pipeline_figures(jobs_per_file: pd.DataFrame, planned: pd.DataFrame) -> Figures:
    """The workflows' jobs and which of them each event starts."""
    rollback = planned.loc[planned["trigger"] == "manual roll back", "job"]
    return {
        "workflow_jobs": int(jobs_per_file["jobs"].sum()),
        "workflow_files": len(jobs_per_file),
        "jobs_on_release_tag": int((planned["trigger"] == "tag v*").sum()),
        "rollback_jobs": ", ".join(job.split(": ")[1] for job in rollback),
    }


def pins_figures(pins: pd.DataFrame, unpinned: Sequence[Finding]) -> Figures:
    """The pinned actions and the Node runtime each runs on."""
    return {
        "actions_pinned": len(pins),
        "actions_unpinned": len(unpinned),
        "actions_on_node24": int((pins["runs on"] == "node24").sum()),
    }


def validation_figures(
    findings: Sequence[Finding], variants: pd.DataFrame, old_findings: Sequence[Finding]
) -> Figures:
    """Findings on the real workflows, the broken copies caught, the old release build."""
    release_cache = [f for f in old_findings if f.rule == "release-cache"]
    return {
        "validation_findings": len(findings),
        "workflows_clean": not findings,
        "broken_variants": len(variants),
        "broken_variants_caught": int(variants["caught"].sum()),
        "old_release_cache_findings": len(release_cache),
        "old_node20_findings": sum(f.rule == "node20-runtime" for f in old_findings),
        "old_node20_actions": len(
            {f.message.split()[0] for f in old_findings if f.rule == "node20-runtime"}
        ),
    }


def conformance_figures(passed: int, total: int) -> Figures:
    """GitHub's expression test data, run against the emulator's evaluator."""
    return {
        "expression_cases": total,
        "expression_cases_passed": passed,
        "expressions_conform": passed == total,
        "expression_cases_failed": total - passed,
    }


def ci_figures(
    ci: RunResult, by_hand: pd.DataFrame, leaky: RunResult, secret: str, by_hand_verdict: str
) -> Figures:
    """The CI jobs run here, their commands run again by hand, and the masked secret."""
    steps = [step for job in ci.jobs for step in job.steps]
    same = by_hand["same output"] & (by_hand["runner exit"] == by_hand["by hand exit"])
    passed = ci.result == "success"
    return {
        "ci_jobs_run": len(ci.jobs),
        "ci_passed": passed,
        "ci_sentence": (f"passed: {ci_verdict(ci)}" if passed else f"failed: {ci_verdict(ci)}"),
        "ci_matches_by_hand": bool(same.all()),
        "ci_by_hand_verdict": by_hand_verdict,
        "install_steps_proven": sum(step.kind == "proven" for step in steps),
        "secret_in_log": secret in "\n".join(job.log() for job in leaky.jobs),
    }


def critical_path_figures(first: RunResult) -> Figures:
    """The critical path of the first release's run through deploy.yml."""
    durations = first.durations()
    seconds, path = critical_path(durations, first.needs())
    return {
        "critical_path_seconds": round(seconds, 1),
        "critical_path_jobs": " → ".join(path),
        "smoke_share": round(
            (durations.get("staging", 0) + durations.get("verify", 0)) / seconds, 3
        ),
        "build_share": round(durations.get("build/build", 0) / seconds, 3),
    }


def deployment_figures(releases: Releases, params: CicdParams) -> Figures:
    """Blue/green in staging, the published site's smoke test and restore, the probes."""
    rejection = staging_rejection(releases)
    last = releases.runs[-1].result
    ran = {job.id: job.result for job in last.jobs}
    restored = ran.get("restore/publish/publish") == "success"
    restored_id = releases.production.current() if restored else ""
    broken_on_pages = last.job("build/build").outputs.get("release-id", "") if restored else ""
    answered = rejection.answered_by if rejection else ()
    failed = failed_probes(releases)
    served_broken = served_by_broken(releases)
    probes = [p for _, p in live_probes(releases)]
    return {
        "probe_interval_ms": params.probe_interval_ms,
        "keep_releases": params.keep_releases,
        "releases_pushed": len(releases.runs),
        "broken_release_rejected": rejection is not None,
        "rejected_release": rejection.release if rejection else "",
        "rejection_reasons": len(rejection.reasons) if rejection else 0,
        "rejection_smoke_seconds": round(rejection.seconds, 1) if rejection else 0.0,
        "probes_during_rejection": rejection.probes if rejection else 0,
        "rejection_answered_by": ", ".join(answered),
        "live_release_kept": rejection is not None and answered == (rejection.live,),
        "broken_release_served_probes": len(served_broken),
        "broken_release_served": bool(served_broken),
        "mixed_page_loads": sum(p.mixed for p in probes),
        "probes_total": len(probes),
        "probes_failed": len(failed),
        "probes_http_errors": sum(isinstance(s, int) for s in failed["HTTP status"]),
        "broken_release_promoted": ran.get("production/publish") == "success"
        and ran.get("verify") != "success",
        "pages_restored": restored,
        "pages_broken_release": broken_on_pages,
        "pages_restored_release": restored_id or "",
        "github_releases": len(releases.github.releases("local/deploybook")),
        "staging_releases_kept": len(releases.staging.releases()),
    }


def dispatch_figures(releases: Releases) -> Figures:
    """The rollback dispatched by hand through deploy.yml (if there was a release to go to)."""
    run = releases.dispatch
    if run is None:
        return {
            "rollback_dispatched": False,
            "dispatch_target": "",
            "dispatch_passed": False,
            "dispatch_seconds": 0.0,
            "dispatch_jobs": "",
            "dispatch_served": "",
        }
    jobs = [job for job in run.result.jobs if job.result != "skipped" and job.steps]
    return {
        "rollback_dispatched": True,
        "dispatch_target": run.tag,
        "dispatch_passed": run.result.result == "success",
        "dispatch_seconds": round(run.result.seconds, 1),
        "dispatch_jobs": ", ".join(job.id for job in jobs),
        "dispatch_served": releases.production.current() or "",
    }


def modelcheck_figures(result: CheckResult, without_staging: CheckResult) -> Figures:
    """The model checker on deploy.yml, and on a copy whose production skips staging."""
    return {
        "model_checked_paths": result.paths,
        "model_properties": len(PROPERTIES),
        "model_check_passed": result.ok,
        "model_properties_failed": len(result.counterexamples),
        "without_staging_counterexample": "pages-after-staging" in without_staging.counterexamples,
    }


def where_figures(ran: pd.DataFrame, other_python: str, refusal: str) -> Figures:
    """How many of the graph's jobs ran here, and the matrix entry refused."""
    return {
        "jobs_run_here": int((ran["runs here"] > 0).sum()),
        "jobs_in_graph": len(ran),
        "other_python": other_python,
        "other_python_refused": refusal,
    }
