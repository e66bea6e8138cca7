"""Fixtures of the engine's unit tests: a real profile, OUT and a real SQLite state in it."""

import pytest

from imgkit import profile as profiles
from imgkit.store.state import State
from tests.conftest import write_profile


@pytest.fixture
def prof(tmp_path):
    return profiles.load(str(write_profile(tmp_path / "p.toml")))


@pytest.fixture
def out(tmp_path):
    return tmp_path / "out"


@pytest.fixture
def state(out):
    s = State(out / ".imgkit" / "state.sqlite")
    yield s
    s.close()
