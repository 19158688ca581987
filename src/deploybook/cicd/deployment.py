"""Deploy a release into a served environment: switch, smoke-test, roll back on failure."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from deploybook.cicd.environment import Environment
from deploybook.cicd.smoke import SmokeReport, smoke_test

SmokeTest = Callable[[str], SmokeReport]


class DeploymentError(RuntimeError):
    """The served site did not show the expected release in time."""


@dataclass
class Outcome:
    """What one deployment did, with wall-clock times (``time.time()``)."""

    environment: str
    release: str
    previous: str | None  # the release live before this deployment
    status: str  # live | rolled-back | failed
    switched_at: float
    verdict_at: float
    restored: str | None = None  # the release a rollback went back to
    restored_at: float | None = None
    failures: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)

    @property
    def rollback_seconds(self) -> float | None:
        """From the failed verdict to the previous release being served again."""
        return None if self.restored_at is None else self.restored_at - self.verdict_at

    @property
    def exposed_seconds(self) -> float | None:
        """How long the failed release was live before the rollback completed."""
        return None if self.restored_at is None else self.restored_at - self.switched_at


def served_release(url: str) -> str | None:
    """The id in the served ``release.json`` (None if nothing readable is served)."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/release.json", timeout=2) as response:  # noqa: S310
            return json.loads(response.read()).get("id")
    except (OSError, ValueError):
        return None


def wait_until_served(url: str, rid: str, timeout: float = 10.0) -> float:
    """Poll until ``url`` serves release ``rid``; return the time it first did."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if served_release(url) == rid:
            return time.time()
        time.sleep(0.005)
    raise DeploymentError(f"{url} still does not serve release {rid!r} after {timeout:.0f} s")


def deploy(
    env: Environment, archive: str | Path, url: str, *, keep: int = 5, smoke: SmokeTest = smoke_test
) -> Outcome:
    """Publish ``archive`` into ``env`` (served at ``url``), switch to it and smoke-test it.

    A failed smoke test switches back at once to the last release that passed its smoke
    test (the previous one, unless that had failed too) and waits until the server answers
    with it again; the failed release stays on disk for inspection. With no healthy release
    to return to, the outcome is ``failed``. Then releases beyond the newest ``keep`` are
    deleted (:meth:`Environment.prune` keeps the live one and its rollback target).
    """
    previous = env.current()
    rid = env.publish(archive)
    switched = env.switch(rid)
    wait_until_served(url, rid)
    report = smoke(url)
    verdict = time.time()
    if report.ok:
        env.record("healthy", rid, seconds=report.seconds, pages=len(report.pages))
        pruned = env.prune(keep)
        return Outcome(env.name, rid, previous, "live", switched, verdict, pruned=pruned)
    env.record("failed", rid, failures=report.failures[:20])
    target = env.rollback_target(failed=rid)
    if target is None:
        return Outcome(
            env.name, rid, previous, "failed", switched, verdict, failures=report.failures
        )
    env.switch(target)
    restored_at = wait_until_served(url, target)
    env.record("rolled-back", target, failed=rid, seconds=restored_at - verdict)
    return Outcome(
        env.name,
        rid,
        previous,
        "rolled-back",
        switched,
        verdict,
        restored=target,
        restored_at=restored_at,
        failures=report.failures,
        pruned=env.prune(keep),
    )


def rollback(env: Environment, url: str, to: str | None = None) -> float:
    """Switch ``env`` back to release ``to`` (default: the last healthy one but the live one)."""
    live = env.current()
    target = to or env.rollback_target()
    if target is None:
        raise DeploymentError(f"{env.name}: no earlier healthy release to roll back to")
    start = time.time()
    env.switch(target)
    restored = wait_until_served(url, target)
    env.record("rolled-back", target, failed=live, seconds=restored - start, manual=True)
    return restored - start
