"""``imgkit build`` and ``imgkit profiles``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from imgkit import profile as profiles
from imgkit.cli import EXIT_FAILED, EXIT_OK, exit_codes, main, parent_exists, profile_option
from imgkit.errors import ConfigError
from imgkit.imaging.text import check_profile_text


@main.command()
@click.argument("src", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder [default: SRC/../<SRC name>-out].")
@profile_option
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0,
              help="Worker processes [default: the CPU count].")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Where jobs run: a local process pool, or a Dask cluster (pip install 'imgkit[dask]').")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Dask scheduler (tcp://HOST:8786); without it a LocalCluster of -j workers starts here.")
@click.option("--calibration", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Colour calibration JSON (from imgkit calibrate) for every photo, instead of charts in SRC.")
@click.option("--items", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Product sheet (CSV, UTF-16 text or .xlsx: item, name, colour, …, selling_points) "
                   "[default: SRC/items.csv].")
@click.option("--prune", is_flag=True,
              help="Retire published images whose source is gone: their files go to history, the item closes up.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the report (every input and what became of it) as JSON on stdout, and the "
                   "per-file lines and the summary on stderr.")
def build(src: Path, out: Path | None, profile_spec: str, jobs: int, executor: str,
          scheduler: str | None, calibration: Path | None, items: Path | None, prune: bool, as_json: bool) -> None:
    """Process a shoot folder: name, size, watermark; keep the raw originals.

    The item number is the first folder under SRC (SRC/A1023/IMG_0001.JPG) or, for files
    directly in SRC, the start of the file name (A1023_front.jpg). Re-running does only
    what is new or changed.

    A product sheet (SRC/items.csv, or --items) sets each item's facts on its first image
    and its selling points as captions on the next ones.

    With --executor dask, jobs run on a Dask cluster; OUT and SRC must be on storage every
    worker sees at the same paths. Planning and the state stay here.

    Example: imgkit build shoot/ -o listing/ -j 4
    """
    from imgkit.engine.session import build as run_build
    from imgkit.report.progress import Progress, summary_line
    from imgkit.report.report_json import to_json

    with exit_codes():
        parent_exists(out, "-o")
        prof = profiles.load(profile_spec)
        check_profile_text(prof)   # the watermark text and labels can be drawn, before anything is written
        with Progress(sys.stdout, sys.stderr, json_mode=as_json) as progress:
            summary = run_build(src, out, prof, jobs=jobs, on_event=progress.event,
                                executor=executor, scheduler=scheduler, calibration=calibration, items=items,
                                prune=prune)
    if as_json:   # stdout is only the JSON; the summary goes with the other lines, to stderr
        click.echo(to_json(summary))
    click.echo(summary_line(summary), err=as_json)
    sys.exit(EXIT_OK if summary.ok else EXIT_FAILED)


@main.command("profiles")
def list_profiles() -> None:
    """List the shipped profiles (use the name with -p)."""
    for name, path in profiles.shipped().items():
        try:
            desc = profiles.load(str(path)).description
        except ConfigError as exc:
            desc = f"(broken: {exc})"
        click.echo(f"{name:<20} {desc}")
