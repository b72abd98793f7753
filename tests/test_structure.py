"""The structure check of ``.ci/check_structure.py``: it finds what it is for, and
the project passes it (so plain ``pytest`` catches a new cycle too)."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def check():
    spec = importlib.util.spec_from_file_location(
        "check_structure", ROOT / ".ci" / "check_structure.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write(root: Path, files: dict[str, str]) -> None:
    for package in ("setara", "regions", "participants", "trainings", "referrals"):
        (root / package).mkdir(exist_ok=True)
        (root / package / "__init__.py").touch()
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_project_has_no_cycles_and_no_long_modules_or_functions(check):
    found, edges = check.findings()
    assert found == []
    assert "trainings" not in edges["participants"]
    assert edges["regions"] == []


def test_a_cycle_through_an_import_inside_a_function_is_found(check, tmp_path):
    write(
        tmp_path,
        {
            "participants/models.py": "def f():\n    from trainings import models\n",
            "trainings/models.py": "from participants.models import f\n",
        },
    )
    found, _edges = check.findings(tmp_path)
    assert "import cycle between modules: participants.models, trainings.models" in (
        found
    )
    assert "import cycle between apps: participants, trainings" in found


def test_an_app_cycle_without_a_module_cycle_is_found(check, tmp_path):
    write(
        tmp_path,
        {
            "participants/a.py": "from trainings import b\n",
            "trainings/c.py": "from participants import d\n",
            "participants/d.py": "",
            "trainings/b.py": "",
        },
    )
    found, _edges = check.findings(tmp_path)
    assert found == ["import cycle between apps: participants, trainings"]


def test_relative_imports_and_setara_are_followed(check, tmp_path):
    write(
        tmp_path,
        {
            "setara/shared.py": "from trainings.views import x\n",
            "trainings/views.py": "from setara import shared\nx = 1\n",
            "trainings/migrations/0001_initial.py": "import participants.models\n",
        },
    )
    found, edges = check.findings(tmp_path)
    assert found == ["import cycle between modules: setara.shared, trainings.views"]
    assert edges["trainings"] == []  # migrations are not read


def test_long_modules_and_functions_are_found(check, tmp_path):
    body = "".join(f"    x{i} = {i}\n" for i in range(80))
    write(
        tmp_path,
        {
            "regions/long.py": "def f():\n" + body + "\n" * 520,
            "regions/short.py": "def g():\n" + body[: -len("    x79 = 79\n")],
            "bench/run.py": "def h():\n" + body + "\n" * 520,
        },
    )
    found, _edges = check.findings(tmp_path)
    assert found == [
        "regions/long.py: 601 lines (at most 600)",
        "regions/long.py:1: function f has 81 lines (at most 80)",
        "bench/run.py: 601 lines (at most 600)",  # a long function is allowed there
    ]
