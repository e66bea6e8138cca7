"""``imgkit page``."""

from __future__ import annotations

import errno
from pathlib import Path

import click

from imgkit import profile as profiles
from imgkit.cli import exit_codes, main, profile_option
from imgkit.errors import ConfigError, OutputError

OUT_OF_ROOM = (errno.ENOSPC, errno.EDQUOT)


@main.command()
@click.argument("out", type=click.Path(path_type=Path))
@click.argument("items", nargs=-1)
@profile_option
@click.option("--all", "all_items", is_flag=True, help="Every item of OUT.")
def page(out: Path, items: tuple[str, ...], profile_spec: str, all_items: bool) -> None:
    """Compose an item's detail images into its description page (R5), cut into slices.

    OUT is an output tree of `imgkit build`. The profile's [page] template (width,
    slice_height, margin, spacing, heading, background) is the same for every item, so the
    shop's pages look alike. Writes OUT/page/<ITEM>/<ITEM>-page-01.jpg … (at most
    slice_height px each, cut between images where possible) and <ITEM>-page.html, a
    preview; slices of an earlier, longer page are removed. Prints the files written.

    Example: imgkit page listing/ A1001 A1002 -p taobao-item
    """
    from imgkit.imaging.text import check_profile_text
    from imgkit.store.lock import locked
    from imgkit.tree.page import check_heading, items_in, render_page

    with exit_codes():
        if not out.is_dir():
            raise ConfigError(f"{out}: no such folder")
        if not (out / "detail").is_dir():
            raise ConfigError(f"{out}: not an imgkit output tree (no detail/ folder)")
        if all_items and items:
            raise ConfigError("give ITEMs or --all, not both")
        if not all_items and not items:
            raise ConfigError("name at least one ITEM, or --all")
        prof = profiles.load(profile_spec)
        names = items_in(out) if all_items else list(dict.fromkeys(items))
        if not names:
            raise ConfigError(f"{out}: no items with detail images")
        check_profile_text(prof)
        for item in names:   # every item checked before anything is written
            check_heading(out, item, prof)
        try:
            with locked(out / ".imgkit" / "lock", "page"):
                results = [render_page(out, item, prof) for item in names]
        except OSError as exc:
            if exc.errno in OUT_OF_ROOM:
                raise OutputError(f"{out}: {exc.strerror}; free space and run again") from None
            where = exc.filename or out
            raise ConfigError(f"{where}: cannot write the page ({exc.strerror or exc})") from None
    for r in results:
        for path in r.slices:
            click.echo(path)
        click.echo(f"imgkit: {r.item}: {len(r.slices)} slice{'s' if len(r.slices) != 1 else ''}, "
                   f"{r.size[0]}x{r.size[1]} px, preview {r.html}"
                   + (f", {len(r.removed)} stale removed" if r.removed else ""), err=True)
