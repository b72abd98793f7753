"""The lock files (requirements/*.txt) pin every dependency pyproject.toml declares,
at a version its range allows, with hashes: `make demo`, `make test` and CI install
from them (see the README's "Dependencies")."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;\\]+)", re.M)


def _pins(lock: str) -> dict[str, str]:
    text = (ROOT / "requirements" / lock).read_text()
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


def _declared(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"])
    if extra:
        declared += project["optional-dependencies"][extra]
    return [Requirement(line) for line in declared]


@pytest.mark.parametrize(("lock", "extra"), [("main.txt", None), ("dev.txt", "dev")])
def test_lock_pins_every_declared_dependency_within_its_range(lock, extra):
    pins = _pins(lock)
    for requirement in _declared(extra):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in requirements/{lock}"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements/{lock} pins {name}=={pins[name]}, outside {requirement}"
        )


@pytest.mark.parametrize("lock", ["main.txt", "dev.txt"])
def test_every_pin_has_a_hash(lock):
    text = (ROOT / "requirements" / lock).read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    for entry in entries:
        if "==" in entry:
            assert "--hash=sha256:" in entry, entry.splitlines()[0]
