"""The ``imgkit`` command: click commands only. Each command lives in its own module here,
parses its options, calls the library and maps ``ImgkitError`` to exit codes:
0 all good, 1 some inputs rejected or rules failed (the rest was done), 2 usage or
configuration error (nothing written).
"""

from __future__ import annotations

import contextlib
import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from imgkit import __version__
from imgkit.errors import ConfigError, OutputError
from imgkit.findings import ERROR

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


def fail(message: str, code: int = EXIT_CONFIG):
    """One line on stderr, then exit."""
    click.echo(f"imgkit: error: {message}", err=True)
    sys.exit(code)


@contextlib.contextmanager
def exit_codes():
    """The one mapping of errors to exit codes: configuration 2, output trouble mid-run 1."""
    try:
        yield
    except ConfigError as exc:
        fail(str(exc), EXIT_CONFIG)
    except OutputError as exc:
        fail(str(exc), EXIT_FAILED)


def parent_exists(path: Path | None, option: str) -> None:
    """The folder that is to hold ``path`` (a file an option names, or OUT, the one folder a
    command owns and may create) must exist: imgkit creates no other folder. ConfigError if not."""
    if path is None:
        return
    folder = path.resolve().parent
    if not folder.is_dir():
        state = "is not a folder" if folder.exists() else "does not exist"
        raise ConfigError(f"{option} {path}: the folder {folder} {state}; imgkit does not create it")


def judge(path: Path, prof, spec_file: Path | None, as_json: bool) -> int:
    """Judge one main image (``main-image --check``, ``validate FILE``): findings on stderr,
    as JSON on stdout with ``as_json``; the exit code."""
    from imgkit.main_image.check import check_main_image, load_spec

    spec = load_spec(spec_file) if spec_file else None
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    findings = check_main_image(path, prof, spec)
    if as_json:
        click.echo(json.dumps([asdict(f) for f in findings], ensure_ascii=False, indent=1))
    for f in findings:
        click.echo(f"imgkit: {f.severity}: {path}: [{f.rule}] {f.message}", err=True)
    return EXIT_FAILED if any(f.severity == ERROR for f in findings) else EXIT_OK


def profile_option(f):
    return click.option("-p", "--profile", "profile_spec", default="default", show_default=True,
                        metavar="PROFILE", help="A shipped profile name or a path to a .toml file.")(f)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="imgkit")
def main() -> None:
    """Turn raw product photos into listing-ready images under the shop's rules."""


# each module registers its commands on ``main``
from imgkit.cli import (  # noqa: E402,F401
    build,
    calibrate,
    export,
    main_image,
    mark,
    page,
    renumber,
    validate,
    watch,
)
