"""Fixtures of the engine's unit tests: a real profile, OUT and a real SQLite state in it."""

import pytest

from imgkit import profile as profiles
from imgkit.store.state import State
from tests.conftest import write_profile

#: the engine's tests name items P, Q, A1…: folders whose whole name is the item number
ITEMS = {"item_pattern": "^(?P<item>[A-Z][A-Za-z0-9]*)"}


def engine_profile(path, **sections):
    """A profile (``write_profile``) whose item numbers are the engine tests' folder names."""
    sections["naming"] = {**ITEMS, **sections.get("naming", {})}
    return profiles.load(str(write_profile(path, **sections)))


@pytest.fixture
def prof(tmp_path):
    return engine_profile(tmp_path / "p.toml")


@pytest.fixture
def out(tmp_path):
    return tmp_path / "out"


@pytest.fixture
def state(out):
    s = State(out / ".imgkit" / "state.sqlite")
    yield s
    s.close()
