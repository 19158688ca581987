"""Deliberately broken copies of the real ``ci.yml``, one per checker that must catch them.

Each variant is the real workflow with one kind of mistake, so the report can show that
each checker earns its place: the schema rejects a malformed value, zizmor a script
injection, the project policy a missing timeout and a secret printed to the log.
"""

from __future__ import annotations

from deploybook.paths import project_root

# variant -> the checker expected to catch it
VARIANTS = {"schema": "schema", "zizmor": "zizmor", "policy": "policy"}

_EDITS: dict[str, list[tuple[str, str]]] = {
    "schema": [("    timeout-minutes: 15\n", "    timeout-minutes: fifteen\n")],
    "zizmor": [
        (
            "        run: ruff check src tests benchmarks\n",
            '        run: echo "Linting ${{ github.event.pull_request.title }}" && ruff check\n',
        )
    ],
    "policy": [
        ("    timeout-minutes: 30\n", ""),
        (
            "      - name: Unit tests without Spark\n",
            "      - name: Show the token\n"
            "        env:\n"
            "          TOKEN: ${{ secrets.CODECOV_TOKEN }}\n"
            '        run: echo "uploading with $TOKEN"\n'
            "      - name: Unit tests without Spark\n",
        ),
    ],
}


def broken_workflow(variant: str) -> str:
    """The text of ``ci.yml`` with the mistakes of ``variant`` (a key of :data:`VARIANTS`)."""
    if variant not in _EDITS:
        raise ValueError(f"unknown variant {variant!r}; choose one of {', '.join(_EDITS)}")
    text = (project_root() / ".github" / "workflows" / "ci.yml").read_text()
    for old, new in _EDITS[variant]:
        if text.count(old) != 1:
            raise RuntimeError(f"ci.yml changed: {old.strip()!r} no longer occurs exactly once")
        text = text.replace(old, new)
    return text
