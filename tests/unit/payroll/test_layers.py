"""The payroll package's layers: engine, service, rollout, report, each importing only the
layers before it; the API never imports the web pages; no test-only code in ``src/``.

The reference is the import statements themselves (read with ``ast``), not a list kept by
the code under test."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import deploybook.payroll as payroll

PACKAGE = Path(payroll.__file__).parent
LAYERS = ("engine", "service", "rollout", "report")


def _modules() -> dict[str, set[str]]:
    """Every payroll module (dotted, below ``deploybook.payroll``) and what it imports from
    the payroll package."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        imports = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imports.add(node.module)
            elif isinstance(node, ast.Import):
                imports |= {alias.name for alias in node.names}
        prefix = "deploybook.payroll."
        found[name] = {i.removeprefix(prefix) for i in imports if i.startswith(prefix)}
    return found


MODULES = _modules()


def _layer(module: str) -> int | None:
    top = module.split(".")[0]
    return LAYERS.index(top) if top in LAYERS else None


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _layer(m) is not None))
def test_a_layer_imports_only_the_layers_before_it(module: str) -> None:
    own = _layer(module)
    assert own is not None
    later = sorted(i for i in MODULES[module] if (_layer(i) or 0) > own)
    assert later == [], f"{module} ({LAYERS[own]}) imports later layers: {later}"


def test_every_module_belongs_to_a_layer() -> None:
    loose = [m for m in MODULES if _layer(m) is None and m != "__init__"]
    assert loose == []


def test_the_api_never_imports_the_web_pages() -> None:
    api = {m: imports for m, imports in MODULES.items() if m.startswith("service.api")}
    assert len(api) >= 10
    assert {
        m: sorted(i) for m, i in api.items() if any(x.startswith("service.web") for x in i)
    } == {}


def test_no_test_only_code_ships() -> None:
    """The fuzzing harness, the throwaway PostgreSQL server and the ABA reader serve only
    the tests; they live beside them, not in the package."""
    assert not any(m.endswith(("fuzzing", "postgres", "pgserver", "aba_reader")) for m in MODULES)
    tests = Path(__file__).parents[2]
    for helper in ("system/payroll/fuzzing.py", "payroll_postgres.py", "payroll_aba_reader.py"):
        assert (tests / helper).is_file(), helper
