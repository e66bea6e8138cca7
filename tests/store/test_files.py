"""File-level safety: hashes, atomic writes, staged writes moved into place, verified copies."""

from __future__ import annotations

import hashlib
import os
import stat

import pytest

from imgkit.store.files import (
    CHUNK,
    atomic_write,
    copy_verified,
    move_into_place,
    settle,
    sha256_bytes,
    sha256_file,
    sync_dirs,
    write_staged,
)
from tests.conftest import SAMPLES


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(folder) -> list[str]:
    """Temporary names a write may leave beside its target: ``.<name>.<random>.tmp``."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp"))


def big_bytes(n: int) -> bytes:
    """``n`` bytes that are not one repeated block (so a skipped or repeated chunk shows)."""
    return b"".join(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(n // 32 + 1))[:n]


def test_sha256_of_bytes_and_of_a_file_agree_with_hashlib(tmp_path):
    photo = SAMPLES / "A1002" / "shoe-1.jpg"
    assert sha256_file(photo) == hashlib.sha256(photo.read_bytes()).hexdigest()
    data = big_bytes(2 * CHUNK + 12345)          # more than one read chunk
    (tmp_path / "big.bin").write_bytes(data)
    assert sha256_file(tmp_path / "big.bin") == sha256_bytes(data) == hashlib.sha256(data).hexdigest()
    (tmp_path / "empty").write_bytes(b"")
    assert sha256_file(tmp_path / "empty") == sha256_bytes(b"") == hashlib.sha256(b"").hexdigest()
    assert sha256_bytes(data[:-1]) != sha256_bytes(data)


def test_atomic_write_makes_folders_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "detail" / "A1001" / "A1001-01.jpg"
    atomic_write(path, b"first version, longer than the second")
    assert path.read_bytes() == b"first version, longer than the second"
    atomic_write(path, b"second")
    assert path.read_bytes() == b"second"
    assert leftovers(path.parent) == []
    assert sorted(p.name for p in path.parent.iterdir()) == ["A1001-01.jpg"]


def test_written_files_get_the_mode_open_would_give_not_mkstemps_0600(tmp_path):
    want = 0o666 & ~umask()
    atomic_write(tmp_path / "a.jpg", b"x")
    staged = tmp_path / "staged.jpg"
    write_staged(staged, b"y")
    src = tmp_path / "src.jpg"
    src.write_bytes(b"zz")
    src.chmod(0o600)
    copy_verified(src, tmp_path / "copy.jpg", sha256_bytes(b"zz"))
    assert mode(tmp_path / "a.jpg") == mode(staged) == mode(tmp_path / "copy.jpg") == want


def test_a_failed_atomic_write_keeps_the_old_file_and_cleans_up(tmp_path):
    path = tmp_path / "A1001-01.jpg"
    path.write_bytes(b"old")
    with pytest.raises(TypeError):
        atomic_write(path, "not bytes")          # fails while writing the temporary
    assert path.read_bytes() == b"old"
    assert leftovers(tmp_path) == []
    target = tmp_path / "a-folder"
    (target / "inside").mkdir(parents=True)
    with pytest.raises(OSError):
        atomic_write(target, b"data")            # fails at the rename: a folder is in the way
    assert (target / "inside").is_dir()
    assert leftovers(tmp_path) == []


def test_write_staged_writes_under_its_own_name_and_truncates_what_was_there(tmp_path):
    path = tmp_path / "staging" / "abc.jpg"
    path.parent.mkdir()
    data = big_bytes(3 * CHUNK + 7)
    write_staged(path, data)
    assert path.read_bytes() == data
    write_staged(path, b"short")
    assert path.read_bytes() == b"short"
    assert os.listdir(path.parent) == ["abc.jpg"]
    settle([path])                               # fsync of a staged file: no error, content kept
    assert path.read_bytes() == b"short"


def test_settle_of_a_missing_staged_file_raises(tmp_path):
    write_staged(tmp_path / "a", b"a")
    with pytest.raises(FileNotFoundError):
        settle([tmp_path / "a", tmp_path / "never-staged"])


def test_move_into_place_renames_into_new_folders_and_over_an_old_output(tmp_path):
    staging = tmp_path / "staging"
    staging.mkdir()
    one, two = staging / "one", staging / "two"
    write_staged(one, b"new detail")
    write_staged(two, b"new raw")
    detail = tmp_path / "detail" / "A1001" / "A1001-01.jpg"
    raw = tmp_path / "raw" / "A1001" / "A1001-01.jpg"
    raw.parent.mkdir(parents=True)
    raw.write_bytes(b"old raw")
    settle([one, two])
    move_into_place(one, detail)
    move_into_place(two, raw, sync_dir=False)
    sync_dirs([raw.parent, raw.parent, tmp_path / "gone"])   # a folder twice or one that is gone: fine
    assert detail.read_bytes() == b"new detail"
    assert raw.read_bytes() == b"new raw"
    assert list(staging.iterdir()) == []
    with pytest.raises(FileNotFoundError):
        move_into_place(one, detail)             # already moved
    assert detail.read_bytes() == b"new detail"


def test_copy_verified_copies_a_real_photo_when_its_hash_matches(tmp_path):
    src = SAMPLES / "A1001" / "IMG_0417.JPG"
    dst = tmp_path / "raw" / "A1001" / "A1001-01.JPG"
    copy_verified(src, dst, sha256_file(src))
    assert dst.read_bytes() == src.read_bytes()
    assert leftovers(dst.parent) == []


def test_copy_verified_refuses_a_copy_that_does_not_match_and_leaves_the_old_file(tmp_path):
    src = SAMPLES / "A1002" / "shoe-1.jpg"
    dst = tmp_path / "raw" / "A1002-01.jpg"
    dst.parent.mkdir()
    dst.write_bytes(b"the earlier copy")
    wrong = sha256_bytes(src.read_bytes() + b"\0")
    with pytest.raises(OSError, match="does not verify") as info:
        copy_verified(src, dst, wrong)
    assert str(src) in str(info.value) and str(dst) in str(info.value)
    assert dst.read_bytes() == b"the earlier copy"
    assert leftovers(dst.parent) == []
    with pytest.raises(FileNotFoundError):
        copy_verified(tmp_path / "missing.jpg", tmp_path / "raw" / "other.jpg", wrong)
    assert sorted(p.name for p in dst.parent.iterdir()) == ["A1002-01.jpg"]


def test_remove_temps_deletes_only_what_a_killed_atomic_write_left(tmp_path):
    from imgkit.store.files import remove_temps
    left = tmp_path / ".report.json.k3j_x9q2.tmp"          # mkstemp's name for report.json
    left.write_bytes(b"half a report")
    kept = [tmp_path / "notes.tmp", tmp_path / ".hidden.tmp", tmp_path / "report.json"]
    for p in kept:
        p.write_bytes(b"someone's")
    (tmp_path / ".folder.abcdefgh.tmp").mkdir()              # not a file: left alone
    remove_temps(tmp_path)
    assert not left.exists() and all(p.read_bytes() == b"someone's" for p in kept)
    assert (tmp_path / ".folder.abcdefgh.tmp").is_dir()
    remove_temps(tmp_path / "missing")                       # a folder not there: nothing to do
