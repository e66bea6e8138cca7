"""Shared fixtures: real files only (samples/, tests/data/, ../shared/corpus)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from imgkit.cli import main

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SAMPLES = ROOT / "samples" / "inbox"
#: what the sample shoot holds so that the first run shows the whole job: the product sheet and
#: A1001's colour chart. Tests written for its 17 plain photos (and notes.txt) copy it without them.
SAMPLE_EXTRAS = ("items.csv", "colorchecker.jpg")
WATERMARK = ROOT / "profiles" / "assets" / "watermark.png"
CORPUS = Path(__import__("os").environ.get("IMGKIT_CORPUS", ROOT.parent / "shared" / "corpus"))


def write_profile(path: Path, text: str = "", **sections: dict) -> Path:
    """A profile file in ``path`` with ``sections`` as overrides; the rest (the shipped
    watermark included) it takes from default.toml, which every profile layers over."""
    body: dict[str, dict] = {}
    for name, values in sections.items():
        body.setdefault(name, {}).update(values)
    lines = [text]
    for name, values in body.items():
        lines.append(f"[{name}]")
        for key, value in values.items():
            lines.append(f"{key} = {_toml(value)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def copy_samples(dst: Path, folder: str = "") -> Path:
    """The sample shoot, or one of its folders, copied to ``dst`` without ``SAMPLE_EXTRAS``:
    the 17 photos and notes.txt, as the tests written for them expect."""
    shutil.copytree(SAMPLES / folder, dst, ignore=shutil.ignore_patterns(*SAMPLE_EXTRAS))
    return dst


def photo_set(src: Path, count: int, *, per_item: int | None = None, item: str = "P",
              size: tuple[int, int] | None = None, prefix: str = "IMG_", quality: int = 92) -> list[Path]:
    """``count`` distinct real JPEGs (crops of the sample skull photos, other bytes each),
    ``per_item`` to a folder ``<item>1``, ``<item>2`` … (all in ``<item>`` when None)."""
    from PIL import Image
    photos = [Image.open(p).convert("RGB") for p in sorted((SAMPLES / "A1001").glob("*.JPG"))]
    salt = sum(map(ord, prefix + item))
    made = []
    for n in range(count):
        folder = src / (f"{item}{n // per_item + 1}" if per_item else item)
        folder.mkdir(parents=True, exist_ok=True)
        im, k = photos[n % len(photos)], n + salt
        im = im.crop((k % 37 + n, k % 23, im.width - k % 29, im.height - k % 19 - n // 6))
        if size:
            im = im.resize(size)
        path = folder / f"{prefix}{n:04d}.jpg"
        im.save(path, quality=quality)
        made.append(path)
    return made


def tree_hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def invoke(*args):
    """``imgkit ARGS...`` through click's CliRunner (paths as str), exceptions not caught."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def cli():
    return invoke


@pytest.fixture
def shoot(tmp_path) -> Path:
    """A copy of the shipped sample shoot's photos (and notes.txt), without its sheet and chart."""
    return copy_samples(tmp_path / "shoot")


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not (CORPUS / "odd" / "MANIFEST.tsv").is_file():
        pytest.fail(f"the shared corpus is missing at {CORPUS}; set IMGKIT_CORPUS or check out ../shared")
    return CORPUS
