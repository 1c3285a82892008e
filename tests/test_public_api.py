"""The public API is typed and listed once, in ``src/icssi_itinerary/__init__.pyi``.

mypy reads the stub, and lazy_loader turns the same stub into the lazy imports of
``__init__.py``: a misspelt name fails the type check, and what mypy sees is what a
program gets at run time.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import icssi_itinerary
from conftest import ROOT

STUB = ROOT / "src" / "icssi_itinerary" / "__init__.pyi"


def _stub_names() -> dict[str, str]:
    """Each name the stub exports, with the module it comes from."""
    names = {}
    for node in ast.parse(STUB.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Expr) or (  # the docstring, and __all__'s type
            isinstance(node, ast.AnnAssign) and ast.unparse(node) == "__all__: list[str]"
        ):
            continue
        assert isinstance(node, ast.ImportFrom) and node.level == 1, ast.dump(node)
        for alias in node.names:
            # "name as name" is what makes a stub re-export it; lazy_loader reads the name
            assert alias.asname == alias.name, alias.name
            names[alias.name] = f"icssi_itinerary.{node.module}"
    return names


def _mypy(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    program = tmp_path / "program.py"
    program.write_text(code, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", str(program)],
        cwd=ROOT,  # the project's mypy settings and cache
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_misspelt_public_name_fails_the_type_check(tmp_path: Path) -> None:
    result = _mypy(tmp_path, "from icssi_itinerary import Exportr\n")
    assert result.returncode == 1, result.stdout
    assert 'Module "icssi_itinerary" has no attribute "Exportr"' in result.stdout


def test_every_public_name_type_checks_with_its_type(tmp_path: Path) -> None:
    names = sorted(_stub_names())
    assert _mypy(tmp_path, f"from icssi_itinerary import {', '.join(names)}\n").returncode == 0
    # the names carry their types, not Any: a wrong use is caught
    result = _mypy(
        tmp_path, 'from icssi_itinerary import get_exporter\nx: int = get_exporter("text").suffix\n'
    )
    assert result.returncode == 1
    assert 'expression has type "str", variable has type "int"' in result.stdout


def test_the_stub_is_the_list_of_public_names() -> None:
    names = _stub_names()
    assert icssi_itinerary.__all__ == sorted(names)
    assert dir(icssi_itinerary) == sorted(names)
    source = (ROOT / "src" / "icssi_itinerary" / "__init__.py").read_text(encoding="utf-8")
    assert "attach_stub" in source and "import" not in source.split("attach_stub")[1]


@pytest.mark.parametrize("name", sorted(_stub_names()))
def test_each_public_name_is_the_object_its_module_defines(name: str) -> None:
    module = importlib.import_module(_stub_names()[name])
    assert getattr(icssi_itinerary, name) is getattr(module, name)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        icssi_itinerary.Exportr  # type: ignore[attr-defined]  # noqa: B018
