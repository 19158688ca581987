"""Where the project lives on disk.

Notebooks run with their own folder as working directory (Jupyter Book, papermill),
tests with the project root, the command line anywhere; all of them need the same
``data/`` folder and the same project-local caches. The project root is found, in this
order, from ``DEPLOYBOOK_HOME``, from the working directory upwards, and from this file
upwards (an editable install).
"""

from __future__ import annotations

import os
from pathlib import Path

_MARKER = "_toc.yml"


def _is_root(folder: Path) -> bool:
    return (folder / _MARKER).is_file() and (folder / "src" / "deploybook").is_dir()


def project_root() -> Path:
    """The folder that holds ``_toc.yml``, ``data/`` and ``src/deploybook``."""
    env = os.environ.get("DEPLOYBOOK_HOME")
    if env:
        root = Path(env).expanduser().resolve()
        if not _is_root(root):
            raise FileNotFoundError(f"DEPLOYBOOK_HOME={env} is not a deploybook checkout")
        return root
    for start in (Path.cwd(), Path(__file__).resolve()):
        for folder in (start, *start.parents):
            if _is_root(folder):
                return folder
    raise FileNotFoundError(
        "cannot find the deploybook project root: run from inside the checkout "
        "or set DEPLOYBOOK_HOME"
    )


def data_dir() -> Path:
    """The project's reference data, with provenance notes beside each file."""
    return project_root() / "data"


def work_dir(name: str) -> Path:
    """A project-local scratch folder for one report's tables and artifacts (created)."""
    folder = project_root() / "_work" / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
