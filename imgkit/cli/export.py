"""``imgkit export``."""

from __future__ import annotations

import errno
import sys
from pathlib import Path

import click

from imgkit.cli import EXIT_FAILED, EXIT_OK, exit_codes, main
from imgkit.errors import ConfigError, OutputError

OUT_OF_ROOM = (errno.ENOSPC, errno.EDQUOT)


@main.command("export")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--for", "platforms", required=True, metavar="PLATFORMS",
              help="Comma-separated shipped platform profiles (taobao,tmall,jd,pdd,amazon,shopify) or "
                   "profile files whose [export] platform is set.")
@click.option("--items", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Product sheet with the key columns of a flat layout (Amazon: asin, sku) "
                   "[default: the sheet of the shoot OUT was built from].")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0,
              help="Worker processes [default: the CPU count].")
@click.option("--json", "as_json", is_flag=True,
              help="Print what was done as JSON on stdout; the per-file lines and the summary go to stderr.")
def export(out: Path, platforms: str, items: Path | None, jobs: int, as_json: bool) -> None:
    """Make the marketplace listing packs of a built tree in OUT/export/<platform>/.

    Each item's carousel images (square, the white-background one cut out of its first
    photo), optional 3:4 images and description slices, made from the raw originals with
    the colour, decoration and watermark of the profile OUT was built with, named and
    sized as each platform wants and within its byte caps. Only what changed since the last
    export is made again; files whose slot is gone move to .imgkit/history/export/.

    Example: imgkit export listing/ --for taobao,jd,amazon --items items.csv
    """
    from imgkit.export.report import summary_line, to_json
    from imgkit.export.session import export as run_export

    def event(kind: str, line: str) -> None:
        if kind in ("written", "removed"):
            click.echo(f"{kind}: {line}", err=as_json)
        elif kind in ("refused", "skipped"):
            click.echo(f"imgkit: {kind}: {line}", err=True)
        else:
            click.echo(f"imgkit: {line}", err=True)

    with exit_codes():
        if not out.is_dir():
            raise ConfigError(f"{out}: no such folder")
        try:
            summary = run_export(out, platforms, items=items, workers=jobs, on_event=event)
        except OSError as exc:
            if exc.errno in OUT_OF_ROOM:
                raise OutputError(f"{out}: {exc.strerror}; free space and run export again") from None
            raise OutputError(f"{exc.filename or out}: cannot write the pack ({exc.strerror or exc})") from None
    if as_json:
        click.echo(to_json(summary))
    click.echo(summary_line(summary), err=as_json)
    sys.exit(EXIT_OK if summary.ok else EXIT_FAILED)
