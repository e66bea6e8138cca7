"""One unit of work: read a source once, run the detail pipeline, stage the results.

Runs in a worker process. Outputs go to ``OUT/.imgkit/staging`` under the content's hash;
the runner gives them their final names (the index is known only once the whole item has
been decoded) and renames them into place.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from imgkit.detail.decoration import Decoration
from imgkit.errors import ProfileError, Rejected
from imgkit.profile import Profile
from imgkit.store.files import atomic_write, settle, sha256_bytes, write_staged


@dataclass(frozen=True)
class Job:
    path: Path
    rel: str
    item: str
    size: int
    mtime_ns: int
    index: int | None = None        # set when re-rendering a known source: its index is kept
    sha256: str | None = None       # expected content, when already known
    fingerprint: str = ""           # of everything that shapes the output (profile + calibration)
    calibration: Path | None = None  # colour calibration JSON to apply
    decoration: Decoration | None = None  # for a known index: what to draw on it
    keep_base: bool = False         # a new photo of a decorated item: keep its undecorated pixels
    replaces: bool = False          # new bytes at a published path: its slot is rendered again
    key: str = ""                   # names its staged files (unique in the run)


@dataclass(frozen=True)
class Result:
    job: Job
    sha256: str | None = None
    reason: str | None = None       # set when rejected
    captured: str | None = None
    ext: str = ""
    staged: dict[str, Path] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    ms: float = 0.0
    transient: bool = False         # a failure of this run, not of the file: not remembered
    errno: int | None = None        # for I/O errors: tells a full disk from a bad file

    @property
    def ok(self) -> bool:
        return self.reason is None


def process(job: Job, profile: Profile, staging: Path) -> Result:
    """Never raises for a bad input: every problem becomes a ``Result`` with a reason."""
    # imported here: a build with nothing to do never needs numpy, Pillow or the pipeline
    import numpy as np

    from imgkit.colour.calibration_file import calibration_of
    from imgkit.detail import pipeline as detail
    from imgkit.report.thumbnails import thumb_bytes
    start = time.perf_counter()
    sha = None
    try:
        data = _read(job, profile)
        sha = sha256_bytes(data)
        if job.sha256 and sha != job.sha256:
            return Result(job, sha, reason="file changed while imgkit was reading it; run again",
                          transient=True)
        ext = job.path.suffix.lower()
        # the raw copy is the bytes just hashed, written first: the disk writes it back while
        # the CPU decodes, and the fsync at the end finds it done
        stem = job.key or sha
        staged = {"raw": staging / f"{stem}.raw{ext}"}
        write_staged(staged["raw"], data)
        frame = detail.run(profile, data, calibration=calibration_of(job.calibration),
                           decoration=job.decoration, keep_base=job.keep_base)
        for kind, blob in frame.outputs.items():
            staged[kind] = staging / f"{stem}.{kind}{'.png' if kind == 'master' else '.jpg'}"
            write_staged(staged[kind], blob)
        settle(staged.values())
        if frame.image is not None:  # report.html's thumbnail, from the pixels at hand
            staged["thumb"] = staging / f"{stem}.thumb.webp"
            write_staged(staged["thumb"], thumb_bytes(frame.image))
        if frame.base is not None:  # only read back by the publisher in this run: no fsync
            staged["base"] = staging / f"{stem}.base.npy"
            np.save(staged["base"], frame.base)
        return Result(job, sha, captured=frame.source.captured, ext=ext, staged=staged,
                      notes=frame.notes, ms=(time.perf_counter() - start) * 1000)
    except Rejected as r:
        return Result(job, sha, reason=r.reason, ms=(time.perf_counter() - start) * 1000)
    except ProfileError:
        raise
    except MemoryError:
        return Result(job, sha, reason="out of memory while decoding; lower [input] max_pixels",
                      transient=True)
    except OSError as exc:
        return Result(job, sha, reason=f"I/O error: {exc.strerror or exc}", transient=True, errno=exc.errno)
    except Exception as exc:  # a decoder bug must not stop the batch
        return Result(job, sha, reason=f"could not be processed ({type(exc).__name__}: {exc})")


def finish(result: Result, decoration: Decoration, profile: Profile) -> None:
    """A new photo, once the publisher has given it an index: draw that index's decoration on
    its staged detail image (from the undecorated pixels kept for it, or, where planning did
    not foresee one, from the staged original), then drop the kept pixels."""
    staged = result.staged
    if decoration:
        import numpy as np

        from imgkit.colour.calibration_file import calibration_of
        from imgkit.detail import pipeline as detail
        if "base" in staged:
            blob = detail.finish(profile, np.load(staged["base"]), decoration)
        else:
            blob = detail.run(profile, staged["raw"].read_bytes(), decoration=decoration,
                              calibration=calibration_of(result.job.calibration)).outputs["detail"]
        atomic_write(staged["detail"], blob)
        staged.pop("thumb", None)   # shows the undecorated picture: the report makes one
    if "base" in staged:
        staged["base"].unlink(missing_ok=True)


def _read(job: Job, profile: Profile) -> bytes:
    if job.size > profile.input.max_bytes:
        raise Rejected(f"file too large: {job.size:,} bytes (limit {profile.input.max_bytes:,})")
    try:
        with open(job.path, "rb") as f:
            # the size now (it may have grown since the scan), capped: read(n) allocates n bytes
            # up front, and the 300 MB cap itself cost ~2 ms per photo in page faults
            limit = profile.input.max_bytes
            size = min(os.fstat(f.fileno()).st_size, limit)
            data = f.read(size + 1)
            if len(data) > size:   # still growing: take the rest, up to the limit
                data += f.read(limit + 1 - len(data))
    except FileNotFoundError:
        raise OSError("file disappeared before it could be read") from None
    except OSError as exc:
        raise Rejected(f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise Rejected(f"file too large: it grew past the limit of {limit:,} bytes after the scan")
    return data
