"""``imgkit renumber`` and ``imgkit undo``: re-sequence an item; take back the last change."""

from __future__ import annotations

import time
from pathlib import Path

import click

from imgkit import profile as profiles
from imgkit.cli import exit_codes, fail, main, profile_option


def _order(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        order = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        fail(f"--order {text!r}: expected the item's current indices separated by commas, e.g. 3,1,2")
    if len(set(order)) != len(order):
        fail(f"--order {text!r}: an index is named twice")
    return order


@main.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.argument("item")
@click.option("--order", "order_text", metavar="N,N,…",
              help="The item's current indices in the order wanted [default: the profile's [naming] order].")
@profile_option
def renumber(out: Path, item: str, order_text: str | None, profile_spec: str) -> None:
    """Re-sequence ITEM's images in OUT: 01..N by the profile's [naming] order (file name or
    capture time), or by --order, a list of the item's current indices.

    Files are renamed; only images whose drawing depends on the index (the facts panel on
    01, captions by position) are rendered again; sold-out labels follow their image. The
    previous state goes to history: imgkit undo OUT ITEM takes it back. Use the -p the build used.

    Example: imgkit renumber listing/ A1023 --order 3,1,2,4,5
    """
    from imgkit.tree.renumber import renumber as run_renumber

    with exit_codes():
        renames = run_renumber(out.resolve(), item, profiles.load(profile_spec), _order(order_text))
    for r in renames:
        click.echo(f"renamed: {r.old_name} -> {r.new_name}")
    click.echo(f"imgkit: {item}: {len(renames)} renamed" + (f"; undo with: imgkit undo {out} {item}" if renames
                                                              else ", already in that order"), err=True)


@main.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.argument("item", required=False)
def undo(out: Path, item: str | None) -> None:
    """Take back the last change to OUT's published files (of ITEM, when given): a replaced
    photo, a prune, a renumber or a sold-out mark; files byte for byte, and the state.
    Run again to walk further back.

    Example: imgkit undo listing/ A1023
    """
    from imgkit.store.history import undo as undo_operation
    from imgkit.tree.published import open_tree

    with exit_codes():
        with open_tree(out.resolve(), "undo", log=lambda line: click.echo(f"imgkit: {line}", err=True)) as state:
            done = undo_operation(out.resolve(), state, item)
    for rel in done.files:
        click.echo(f"restored: {out / rel}")
    made = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(done.when))
    click.echo(f"imgkit: undid the {done.kind} of {done.item} made {made}", err=True)
