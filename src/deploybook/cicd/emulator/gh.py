"""A local stand-in for GitHub's releases and attestations, and the ``gh`` commands on them.

The local runner puts an executable ``gh`` first on every step's ``PATH`` that runs
``python -m deploybook.cicd.emulator.gh``: a workflow's ``gh release create``, ``gh release
download`` or ``gh attestation verify`` then acts on a folder (``$DEPLOYBOOK_GH_ROOT``)
instead of github.com, as the other action stand-ins do. What it keeps of GitHub's
behaviour, each from GitHub's documentation or ``cli/cli``:

- ``release create TAG FILES...`` creates the release with its assets in one call (``gh``
  uploads while the release is a draft and publishes after); ``--verify-tag`` refuses a tag
  the repository does not have; a published release with that tag is refused ("a release
  with the same tag name already exists");
- with immutable releases (on by default, as GitHub recommends) a published release's
  assets cannot change: ``release upload`` answers ``HTTP 422: Cannot upload assets to an
  immutable release.``;
- ``release download [TAG] --pattern P --dir D`` (latest release without a tag), ``release
  view``, ``release list`` (newest first) with ``--json``/``--jq`` for simple paths;
- ``attestation verify FILE --repo R [--signer-workflow W]`` succeeds only if a build
  provenance attestation for the file's SHA-256 was recorded for that repository (by the
  local ``actions/attest-build-provenance``), from that workflow if one is named.

What it does not do: sign anything. GitHub's attestations are Sigstore bundles whose
signatures ``gh`` checks against a transparency log; here the store itself is the trusted
party, so a check proves that a digest was attested by a local run, not a signature.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT_ENV = "DEPLOYBOOK_GH_ROOT"
PROVENANCE = "https://slsa.dev/provenance/v1"


class GitHubError(RuntimeError):
    """What github.com would refuse (``gh`` prints it and exits 1)."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class GitHubStore:
    """Releases, tags and attestations of repositories, in a folder."""

    def __init__(self, root: str | Path, *, immutable_releases: bool = True):
        self.root = Path(root)
        self.immutable_releases = immutable_releases

    def _repo(self, repo: str) -> Path:
        owner, _, name = repo.partition("/")
        if not owner or not name or "/" in name:
            raise GitHubError(f"expected the OWNER/REPO format, got {repo!r}")
        return self.root / "repos" / owner / name

    # ------------------------------------------------------------------ tags

    def add_tag(self, repo: str, tag: str) -> None:
        """Record that the repository has ``tag`` (a push of ``refs/tags/<tag>``)."""
        tags = self.tags(repo)
        if tag not in tags:
            path = self._repo(repo) / "tags.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps([*tags, tag]))

    def tags(self, repo: str) -> list[str]:
        """The repository's tags, oldest first."""
        path = self._repo(repo) / "tags.json"
        return json.loads(path.read_text()) if path.exists() else []

    # ------------------------------------------------------------------ releases

    def release(self, repo: str, tag: str) -> dict[str, Any] | None:
        """A release's metadata (None if there is none for ``tag``)."""
        path = self._repo(repo) / "releases" / tag / "release.json"
        return json.loads(path.read_text()) if path.exists() else None

    def releases(self, repo: str) -> list[dict[str, Any]]:
        """Published releases, newest first."""
        folder = self._repo(repo) / "releases"
        found = [json.loads(p.read_text()) for p in folder.glob("*/release.json")]
        return sorted(found, key=lambda r: r["published_at"], reverse=True)

    def assets(self, repo: str, tag: str) -> list[Path]:
        """A release's asset files."""
        folder = self._repo(repo) / "releases" / tag / "assets"
        return sorted(folder.iterdir()) if folder.is_dir() else []

    def create_release(
        self,
        repo: str,
        tag: str,
        files: Sequence[str | Path],
        *,
        title: str = "",
        notes: str = "",
        verify_tag: bool = False,
    ) -> dict[str, Any]:
        """Create and publish a release with its assets, all or nothing."""
        if verify_tag and tag not in self.tags(repo):
            raise GitHubError(
                f"tag {tag} doesn't exist in the repo {repo}, aborting due to --verify-tag flag"
            )
        if self.release(repo, tag) is not None:
            raise GitHubError(f"a release with the same tag name already exists: {tag}")
        paths = [Path(f) for f in files]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise GitHubError(f"no such file: {', '.join(missing)}")
        folder = self._repo(repo) / "releases"
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            draft = Path(tmp) / "release"
            (draft / "assets").mkdir(parents=True)
            for path in paths:
                shutil.copy2(path, draft / "assets" / path.name)
            meta = {
                "tag": tag,
                "title": title or tag,
                "notes": notes,
                "published_at": time.time(),
                "immutable": self.immutable_releases,
                "assets": [p.name for p in paths],
            }
            (draft / "release.json").write_text(json.dumps(meta, indent=2))
            draft.rename(folder / tag)  # published: every asset at once
        return meta

    def upload(self, repo: str, tag: str, files: Sequence[str | Path], *, clobber: bool) -> None:
        """Add assets to a published release (refused if it is immutable)."""
        meta = self.release(repo, tag)
        if meta is None:
            raise GitHubError(f"release not found: {tag}")
        if meta["immutable"]:
            raise GitHubError("HTTP 422: Cannot upload assets to an immutable release.")
        assets = self._repo(repo) / "releases" / tag / "assets"
        for path in map(Path, files):
            if (assets / path.name).exists() and not clobber:
                raise GitHubError(f"asset {path.name} already exists (use --clobber)")
            shutil.copy2(path, assets / path.name)

    def download(
        self, repo: str, tag: str | None, dest: str | Path, patterns: Sequence[str]
    ) -> list[Path]:
        """Copy a release's assets matching ``patterns`` (all if none) into ``dest``."""
        if tag is None:
            published = self.releases(repo)
            if not published:
                raise GitHubError("release not found")
            tag = str(published[0]["tag"])
        if self.release(repo, tag) is None:
            raise GitHubError("release not found")
        chosen = [
            a
            for a in self.assets(repo, tag)
            if not patterns or any(fnmatch.fnmatch(a.name, p) for p in patterns)
        ]
        if not chosen:
            raise GitHubError("no assets match the file pattern")
        dest = Path(dest)
        dest.mkdir(parents=True, exist_ok=True)
        for asset in chosen:
            if (dest / asset.name).exists():
                raise GitHubError(f"{dest / asset.name} already exists")
            shutil.copy2(asset, dest / asset.name)
        return [dest / a.name for a in chosen]

    # ------------------------------------------------------------------ attestations

    def attest(self, repo: str, subject: Path, workflow: Mapping[str, str]) -> dict[str, Any]:
        """Record a build provenance statement for a file (its name and SHA-256)."""
        digest = _sha256(subject)
        statement = {
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": subject.name, "digest": {"sha256": digest}}],
            "predicateType": PROVENANCE,
            "predicate": {
                "buildDefinition": {
                    "buildType": "https://actions.github.io/buildtypes/workflow/v1",
                    "externalParameters": {"workflow": dict(workflow)},
                },
                "runDetails": {"builder": {"id": "deploybook local runner"}},
            },
        }
        path = self._repo(repo) / "attestations" / f"{digest}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as handle:
            handle.write(json.dumps(statement) + "\n")
        return statement

    def verify(self, repo: str, subject: Path, signer_workflow: str = "") -> dict[str, Any]:
        """The attestation that covers ``subject`` for ``repo`` (from ``signer_workflow``)."""
        digest = _sha256(subject)
        path = self._repo(repo) / "attestations" / f"{digest}.jsonl"
        statements = (
            [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
        )
        if not statements:
            raise GitHubError(f"no attestations found for subject sha256:{digest}")
        for statement in statements:
            workflow = statement["predicate"]["buildDefinition"]["externalParameters"]["workflow"]
            if not signer_workflow or workflow.get("path", "").endswith(signer_workflow):
                return statement
        raise GitHubError(
            f"no attestation for sha256:{digest} was made by the signer workflow {signer_workflow}"
        )


# ---------------------------------------------------------------------------- the command


def _jq(value: Any, program: str) -> Iterable[Any]:
    """The subset of jq ``--jq`` takes here: ``.a.b``, ``.[N]`` and ``.[]`` steps."""
    items = [value]
    for part in program.replace("[", ".[").split("."):
        if not part:
            continue
        if part == "[]":
            items = [x for item in items for x in item]
        elif part.startswith("[") and part.endswith("]"):
            items = [item[int(part[1:-1])] for item in items]
        else:
            items = [item.get(part) for item in items]
    return items


def _print_json(value: Any, jq: str | None) -> None:
    if jq:
        for item in _jq(value, jq):
            print(item if isinstance(item, str) else json.dumps(item))
    else:
        print(json.dumps(value, indent=2))


_FIELDS = {
    "tagName": "tag",
    "name": "title",
    "publishedAt": "published_at",
    "isImmutable": "immutable",
}


def _fields(meta: Mapping[str, Any], wanted: str) -> dict[str, Any]:
    return {f: meta.get(_FIELDS.get(f, f)) for f in wanted.split(",") if f}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gh", description="deploybook's local stand-in for gh")
    sub = parser.add_subparsers(dest="group", required=True)
    release = sub.add_parser("release").add_subparsers(dest="command", required=True)
    for name in ("create", "view", "upload", "download", "list"):
        p = release.add_parser(name)
        p.add_argument(
            "-R",
            "--repo",
            default=os.environ.get("GH_REPO") or os.environ.get("GITHUB_REPOSITORY", ""),
        )
        if name in ("create", "upload"):
            p.add_argument("tag")
            p.add_argument("files", nargs="*")
        elif name in ("view", "download"):
            p.add_argument("tag", nargs="?")
        if name == "create":
            p.add_argument("--verify-tag", action="store_true")
            p.add_argument("-t", "--title", default="")
            p.add_argument("-n", "--notes", default="")
        if name == "upload":
            p.add_argument("--clobber", action="store_true")
        if name == "download":
            p.add_argument("-p", "--pattern", action="append", default=[])
            p.add_argument("-D", "--dir", default=".")
        if name in ("view", "list"):
            p.add_argument("--json", default="")
            p.add_argument("-q", "--jq", default=None)
        if name == "list":
            p.add_argument("-L", "--limit", type=int, default=30)
            p.add_argument("--exclude-drafts", action="store_true")
    attestation = sub.add_parser("attestation").add_subparsers(dest="command", required=True)
    verify = attestation.add_parser("verify")
    verify.add_argument("file")
    verify.add_argument("-R", "--repo", required=True)
    verify.add_argument("--signer-workflow", default="")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``gh`` command against the store in ``$DEPLOYBOOK_GH_ROOT``."""
    args = _parser().parse_args(argv)
    root = os.environ.get(ROOT_ENV)
    if not root:
        print(f"gh: this is deploybook's local stand-in and {ROOT_ENV} is not set", file=sys.stderr)
        return 1
    store = GitHubStore(root)
    try:
        if args.group == "attestation":
            statement = store.verify(args.repo, Path(args.file), args.signer_workflow)
            workflow = statement["predicate"]["buildDefinition"]["externalParameters"]["workflow"]
            print(f"Loaded 1 attestation for {args.file}")
            print(f"\u2713 Verification succeeded! (built by {workflow.get('path', '?')})")
        elif args.command == "create":
            meta = store.create_release(
                args.repo,
                args.tag,
                args.files,
                title=args.title,
                notes=args.notes,
                verify_tag=args.verify_tag,
            )
            print(f"release {meta['tag']} published with {len(meta['assets'])} asset(s)")
        elif args.command == "upload":
            store.upload(args.repo, args.tag, args.files, clobber=args.clobber)
        elif args.command == "download":
            for path in store.download(args.repo, args.tag, args.dir, args.pattern):
                print(f"downloaded {path}")
        elif args.command == "view":
            published = store.releases(args.repo)
            found: dict[str, Any] | None = (
                store.release(args.repo, args.tag)
                if args.tag
                else (published[0] if published else None)
            )
            if found is None:
                raise GitHubError("release not found")
            if args.json:
                _print_json(_fields(found, args.json), args.jq)
            else:
                print(
                    f"{found['title']}\ntag: {found['tag']}\nassets: {', '.join(found['assets'])}"
                )
        else:
            rows = store.releases(args.repo)[: args.limit]
            if args.json:
                _print_json([_fields(r, args.json) for r in rows], args.jq)
            else:
                for r in rows:
                    print(f"{r['title']}\t{r['tag']}")
    except GitHubError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
