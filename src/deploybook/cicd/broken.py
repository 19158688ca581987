"""Deliberately broken copies of the real workflows, each a mistake a checker must catch.

Each variant is one of the book's own workflow files with one kind of mistake, so the
report can show that each checker earns its place: the schema rejects a malformed value,
zizmor and actionlint a script injection, the project policy a missing timeout and a
printed secret, GitHub's context rules (and actionlint) a secret in a job's ``if:``; the
cache a deployment job restores (the source essay's advice) is flagged by both zizmor and
the policy as a cache-poisoning risk, and the release build asking for its caches only by
the policy, which applies ``deploy.yml``'s tag trigger to the ``book.yml`` it calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from deploybook.cicd.findings import Finding
from deploybook.cicd.validation import validate
from deploybook.paths import project_root

CHECKERS = ("schema", "contexts", "actionlint", "zizmor", "policy")


@dataclass(frozen=True)
class Variant:
    """A broken copy of ``workflow``: what is wrong and which checkers must say so."""

    name: str
    workflow: str
    mistake: str
    caught_by: tuple[str, ...]
    edits: tuple[tuple[str, str], ...]


_PIP_CACHE = (
    "      - uses: actions/cache@27d5ce7f107fe9357f9df03efb73ab90386fccae # v5.0.5\n"
    "        with:\n"
    "          path: ~/.cache/pip\n"
    "          key: pip-${{ hashFiles('requirements.lock') }}\n"
)
_DEPLOY_STEP = "      - name: Deploy to the idle slot, smoke-test it there, then switch\n"

VARIANTS = {
    v.name: v
    for v in (
        Variant(
            "schema",
            "ci.yml",
            "timeout-minutes given as a word",
            ("actionlint", "schema"),
            (("    timeout-minutes: 15\n", "    timeout-minutes: fifteen\n"),),
        ),
        Variant(
            "injection",
            "ci.yml",
            "a pull request's title expanded into a shell script",
            ("actionlint", "zizmor"),
            (
                (
                    "        run: ruff check src tests benchmarks\n",
                    '        run: echo "Linting ${{ github.event.pull_request.title }}"\n',
                ),
            ),
        ),
        Variant(
            "policy",
            "ci.yml",
            "no timeout on the unit job, and a secret echoed to the log",
            ("policy",),
            (
                ("    timeout-minutes: 30\n", ""),
                (
                    "      - name: Unit tests without Spark\n",
                    "      - name: Show the token\n"
                    "        env:\n"
                    "          TOKEN: ${{ secrets.CODECOV_TOKEN }}\n"
                    '        run: echo "uploading with $TOKEN"\n'
                    "      - name: Unit tests without Spark\n",
                ),
            ),
        ),
        Variant(
            "deploy-cache",
            "deploy.yml",
            "the staging deployment restores a dependency cache (as the source essay advises)",
            ("zizmor", "policy"),
            ((_DEPLOY_STEP, _PIP_CACHE + _DEPLOY_STEP),),
        ),
        Variant(
            "release-cache",
            "deploy.yml",
            "the release build asks book.yml for its caches (restore-keys included)",
            ("policy",),
            (
                (
                    "    uses: ./.github/workflows/book.yml\n    permissions:\n",
                    "    uses: ./.github/workflows/book.yml\n    with:\n      caches: true\n"
                    "    permissions:\n",
                ),
            ),
        ),
        Variant(
            "context",
            "deploy.yml",
            "the staging job runs only if a secret is set (GitHub refuses secrets in a job's if:)",
            ("actionlint", "contexts"),
            (
                (
                    "    needs: [build, attest]\n",
                    "    needs: [build, attest]\n    if: secrets.STAGING_TOKEN != ''\n",
                ),
            ),
        ),
    )
}


def broken_workflow(name: str) -> str:
    """The text of a variant's workflow with its mistakes applied."""
    if name not in VARIANTS:
        raise ValueError(f"unknown variant {name!r}; choose one of {', '.join(VARIANTS)}")
    variant = VARIANTS[name]
    text = (project_root() / ".github" / "workflows" / variant.workflow).read_text()
    for old, new in variant.edits:
        if text.count(old) != 1:
            raise RuntimeError(f"{variant.workflow} changed: {old.strip()!r} is not where it was")
        text = text.replace(old, new)
    return text


def check_variants(
    folder: Path, zizmor_config: Path | None
) -> tuple[pd.DataFrame, dict[str, list[Finding]]]:
    """Write each variant into ``folder`` and validate it: one row per variant (findings per
    checker, the checkers expected, ``caught``: exactly those), and the findings by variant."""
    rows, found = [], {}
    folder.mkdir(parents=True, exist_ok=True)
    for name, variant in VARIANTS.items():
        path = folder / f"{name}-{variant.workflow}"
        path.write_text(broken_workflow(name))
        found[name] = validate([path], zizmor_config, project_root())
        counts = {c: sum(f.checker == c for f in found[name]) for c in CHECKERS}
        rows.append(
            {
                "variant": name,
                "file": variant.workflow,
                **counts,
                "expected": ", ".join(variant.caught_by),
                "caught": {c for c, n in counts.items() if n} == set(variant.caught_by),
                "mistake": variant.mistake,
            }
        )
    return pd.DataFrame(rows), found
