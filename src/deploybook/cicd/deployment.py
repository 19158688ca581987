"""Deploy a release blue/green: into the idle slot, smoke-tested there, then switched in.

``deploy`` unpacks a release next to the live one and puts it in the environment's idle
slot, served at a URL of its own; the browser smoke test runs there while readers keep
getting the live release; only a release that passes is switched in, atomically. A release
that fails is never served to readers and the live one is left untouched.
"""

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
    status: str  # live | rejected (failed in the idle slot; the live release kept)
    staged_at: float  # when the release entered the idle slot
    verdict_at: float  # when its smoke test ended
    switched_at: float | None = None  # when it went live (None if it never did)
    failures: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)

    @property
    def smoke_seconds(self) -> float:
        """How long the release was tested in the idle slot."""
        return self.verdict_at - self.staged_at


def served_release(url: str) -> str | None:
    """The id in the served ``release.json`` (None if nothing readable is served)."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/release.json", timeout=2) as response:  # noqa: S310
            return json.loads(response.read()).get("id")
    except (OSError, ValueError):
        return None


def wait_until_served(
    url: str,
    rid: str,
    timeout: float = 10.0,
    *,
    first: float = 0.05,
    longest: float = 5.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> float:
    """Poll until ``url`` serves release ``rid``; return the wall-clock time it first did.

    The wait between polls doubles from ``first`` up to ``longest`` and never runs past
    the deadline: a CDN that takes minutes is asked a few dozen times, not thousands.
    """
    deadline = clock() + timeout
    delay, polls = first, 0
    while True:
        polls += 1
        if served_release(url) == rid:
            return time.time()
        remaining = deadline - clock()
        if remaining <= 0:
            raise DeploymentError(
                f"{url} still does not serve release {rid!r} after {timeout:g} s ({polls} polls)"
            )
        sleep(min(delay, remaining))
        delay = min(delay * 2, longest)


def deploy(
    env: Environment,
    archive: str | Path,
    url: str,
    candidate_url: str,
    *,
    keep: int = 5,
    smoke: SmokeTest = smoke_test,
) -> Outcome:
    """Deploy ``archive`` into ``env`` blue/green (live at ``url``, idle slot at
    ``candidate_url``): stage it, smoke-test it in the idle slot, and switch only if it passed.

    A release that fails is recorded as ``failed`` and stays on disk for inspection; the live
    release is not touched. After a switch, releases beyond the newest ``keep`` are deleted
    (:meth:`Environment.prune` keeps the live one and its rollback target).
    """
    previous = env.current()
    rid = env.publish(archive)
    staged = env.stage(rid)
    wait_until_served(candidate_url, rid, timeout=30)
    report = smoke(candidate_url)
    verdict = time.time()
    if not report.ok:
        env.record("failed", rid, failures=report.failures[:20], live=previous)
        return Outcome(
            env.name, rid, previous, "rejected", staged, verdict, failures=report.failures
        )
    env.record("healthy", rid, seconds=report.seconds, pages=len(report.pages))
    switched = env.switch(rid)
    wait_until_served(url, rid, timeout=30)
    pruned = env.prune(keep)
    return Outcome(env.name, rid, previous, "live", staged, verdict, switched, pruned=pruned)


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
