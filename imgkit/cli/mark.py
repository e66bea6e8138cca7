"""``imgkit mark``: sold-out labels on published detail images, names unchanged (R11)."""

from __future__ import annotations

from pathlib import Path

import click

from imgkit import profile as profiles
from imgkit.cli import exit_codes, fail, main, profile_option


def _indices(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        return sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        fail(f"--indices {text!r}: expected numbers separated by commas, e.g. 3,4")


@main.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.argument("item")
@click.option("--sold-out", "text", metavar="TEXT", help="What is sold out, e.g. 红色 or XL.")
@click.option("--indices", metavar="N,N", help="Only these images of the item [default: all of them].")
@click.option("--label", default=None, help="The word after TEXT [default: the profile's [mark] label, 已售罄].")
@click.option("--undo", is_flag=True, help="Put back what the item's last mark replaced.")
@profile_option
def mark(out: Path, item: str, text: str | None, indices: str | None, label: str | None, undo: bool,
         profile_spec: str) -> None:
    """Label ITEM's detail images in OUT as sold out, keeping every file name.

    Each image is rendered again from its raw original, so labels never stack; the previous
    files are kept in OUT/.imgkit/history and --undo restores them. Later builds keep the
    label. Use the -p the build used.

    Example: imgkit mark listing/ A1023 --sold-out 红色 --indices 3,4
    """
    from imgkit.tree import sold_out as marking

    with exit_codes():
        if undo:
            if text or indices or label:
                fail("--undo takes no --sold-out, --indices or --label")
            for path in marking.undo(out.resolve(), item):
                click.echo(f"restored: {path}")
            return
        if not text:
            fail("give --sold-out TEXT (what is sold out), or --undo")
        changes = marking.mark(out.resolve(), item, profiles.load(profile_spec), text,
                               indices=_indices(indices), label=label)
    if not changes:
        click.echo(f"imgkit: {item}: already marked so; nothing changed", err=True)
    for c in changes:
        click.echo(f"marked: {c.path}")
    if changes:
        click.echo(f"imgkit: previous versions kept in {out / '.imgkit' / 'history' / item}; "
                   f"undo with: imgkit mark --undo {out} {item}", err=True)
