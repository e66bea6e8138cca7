"""``imgkit main-image``: make a marketplace main image, a sheet of them, or check one."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from imgkit import profile as profiles
from imgkit.cli import EXIT_FAILED, EXIT_OK, fail, judge, main, parent_exists
from imgkit.errors import ConfigError, Rejected


@main.command("main-image")
@click.option("--logo", type=click.Path(dir_okay=False, path_type=Path), help="Logo: PNG with alpha, or JPEG.")
@click.option("--company", help="Company name, drawn under the logo.")
@click.option("--copy", "copy_text", help="One line of copy (at most 10 characters under S1).")
@click.option("--bg", help="Background colour: #1f4e8c, rgb(31,78,140) or a name [default: the profile's].")
@click.option("--sheet", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV (or .xlsx) with columns item (or out), logo, company, copy[, bg]: one image per row.")
@click.option("--check", "check_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Check an existing main image (made by hand or by imgkit) instead of making one: sizes, "
                   "colours, and the text and QR codes read in it.")
@click.option("--spec", type=click.Path(dir_okay=False, path_type=Path),
              help="With --check: JSON with the image's texts {\"company\": ..., \"copy\": ...}.")
@click.option("--from-photo", "photo", type=click.Path(dir_okay=False, path_type=Path),
              help="Make a product main image (white background, product centred) from a photo; a cut-out "
                   "that fails its own measures is refused.")
@click.option("-p", "--profile", "profile_spec", default="taobao-service", show_default=True, metavar="PROFILE",
              help="A shipped profile name or a path to a .toml file.")
@click.option("-o", "--out", type=click.Path(path_type=Path),
              help="Output file (.png or .jpg); with --sheet a folder [default: <sheet folder>/main].")
@click.option("--json", "as_json", is_flag=True, help="Print the sidecar(s) or the findings as JSON on stdout.")
def main_image(logo, company, copy_text, bg, sheet, check_file, spec, photo, profile_spec, out, as_json) -> None:
    """Make a marketplace main image, or check one.

    Service main image (rule S1, profile taobao-service): logo fitted in the 260x260 logo
    area, company name and copy set below in a CJK font, on a solid non-white background;
    a sidecar OUT.json records what was drawn. Bad copy, banned words, links, a white
    background are refused (exit 1) before anything is written.

    Example: imgkit main-image --logo profiles/assets/sample-logo.png --company 禾木家居生活馆
    --copy "正品保障 7天退换" --bg "#1f4e8c" -o main.png
    """
    modes = [name for name, given in (("--logo/--company/--copy", logo or company or copy_text),
                                      ("--sheet", sheet), ("--check", check_file), ("--from-photo", photo)) if given]
    if len(modes) != 1:
        fail("give exactly one of --logo/--company/--copy, --sheet, --check or --from-photo"
              + (f" (got {', '.join(modes)})" if modes else ""))
    if spec and not check_file:
        fail("--spec goes with --check")
    try:
        prof = profiles.load(profile_spec)
        if check_file:
            sys.exit(judge(check_file, prof, spec, as_json))
        if photo:
            sys.exit(_from_photo(photo, prof, out, as_json))
        font = _font(prof)
        if sheet:
            sys.exit(_sheet(sheet, prof, font, out, as_json))
        missing = [flag for flag, v in (("--logo", logo), ("--company", company), ("--copy", copy_text),
                                        ("-o", out)) if v is None]
        if missing:
            fail(f"missing {', '.join(missing)}")
        _check_flags(Path(logo), bg, out)
        from imgkit.imaging.text import chain
        for flag, text in (("--company", company), ("--copy", copy_text)):   # never drawn as boxes: exit 2
            chain(font).check(text.strip(), flag)
        ok = _make(logo, company, copy_text, bg, prof, font, out, as_json, where=str(out))
        sys.exit(EXIT_OK if ok else EXIT_FAILED)
    except ConfigError as exc:
        fail(str(exc))


def _check_flags(logo: Path, bg: str | None, out: Path) -> None:
    """What the command line names must be there and make sense (exit 2), before any drawing;
    what the drawing refuses (a banned word, a white background) stays a refusal (exit 1)."""
    from imgkit.main_image.render import Refused, parse_colour

    parent_exists(out, "-o")
    if not logo.is_file():
        raise ConfigError(f"--logo {logo}: no such file")
    if bg is not None:
        try:
            parse_colour(bg)
        except Refused as exc:
            raise ConfigError(f"--bg: {exc.reasons[0]}") from None


def _font(prof):
    from imgkit.imaging.fonts import find_font
    font = find_font(prof)
    if font.note:
        click.echo(f"imgkit: warning: {font.note}", err=True)
    return font


def _make(logo, company, copy_text, bg, prof, font, out: Path, as_json: bool, *, where: str) -> bool:
    from imgkit.main_image.render import Refused, Spec, format_for, render

    fmt = format_for(out, prof.main_image)
    if fmt not in prof.main_image.formats:
        raise ConfigError(f"{out}: the file name must end in .png or .jpg"
                          f" ({' or '.join(prof.main_image.formats)} for profile {prof.name})")
    try:
        rendered = render(Spec(company or "", copy_text or "", Path(logo), bg), prof, font, name=out.name, fmt=fmt)
    except Refused as exc:
        for reason in exc.reasons:
            click.echo(f"imgkit: refused: {where}: {reason}", err=True)
        return False
    _emit(rendered, out, where, as_json, f"font {rendered.sidecar['font']['name']}")
    return True


def _sheet(sheet: Path, prof, font, out: Path | None, as_json: bool) -> int:
    from imgkit.main_image.batch import read_batch

    rows = read_batch(sheet)
    folder = out or sheet.parent / "main"
    parent_exists(folder, "-o")
    ext = ".png" if prof.main_image.format == "PNG" else ".jpg"
    made = refused = 0
    for row in rows:
        where = f"{sheet}:{row.line}"
        try:
            name = row.file_name(ext)
            if not row.get("logo"):
                raise Rejected("no logo given")
            ok = _make(sheet.parent / row.get("logo"), row.cells.get("company"), row.cells.get("copy"),
                       row.get("bg") or None, prof, font, folder / name, as_json, where=where)
        except Rejected as exc:
            click.echo(f"imgkit: refused: {where}: {exc.reason}", err=True)
            ok = False
        made, refused = made + ok, refused + (not ok)
    click.echo(f"imgkit: {made} made, {refused} refused -> {folder}", err=True)
    return EXIT_OK if refused == 0 else EXIT_FAILED


def _from_photo(photo: Path, prof, out: Path | None, as_json: bool) -> int:
    from imgkit.main_image.from_photo import make
    from imgkit.main_image.render import Refused, format_for

    if out is None:
        raise ConfigError("missing -o (the main image file to write)")
    if not photo.is_file():
        raise ConfigError(f"--from-photo {photo}: no such file")
    parent_exists(out, "-o")
    if prof.main_image.kind != "product":
        raise ConfigError(f"profile {prof.name!r} makes service main images; for --from-photo use a product "
                          f"profile (taobao-item, amazon-main)")
    fmt = format_for(out, prof.main_image)
    if fmt not in prof.main_image.formats:
        raise ConfigError(f"{out}: the file name must end in .jpg or .png ({' or '.join(prof.main_image.formats)} "
                          f"for profile {prof.name})")
    try:
        rendered = make(photo, prof, fmt=fmt)
    except Refused as exc:
        for reason in exc.reasons:
            click.echo(f"imgkit: refused: {photo}: {reason}", err=True)
        return EXIT_FAILED
    rendered.sidecar["image"]["file"] = out.name
    measured = rendered.sidecar["measured"]
    _emit(rendered, out, photo, as_json, f"product fill {measured['fill']:.1%} measured, background purity "
                                         f"{measured['purity']:.1%}")
    return EXIT_OK


def _emit(rendered, out: Path, where, as_json: bool, detail: str) -> None:
    """Warnings, the atomic write with its sidecar, and the one line saying what was written."""
    from imgkit.main_image.render import write

    for warning in rendered.warnings:
        click.echo(f"imgkit: warning: {where}: {warning}", err=True)
    side = write(rendered, out)
    if as_json:
        click.echo(json.dumps(rendered.sidecar, ensure_ascii=False))
    img = rendered.sidecar["image"]
    click.echo(f"imgkit: wrote {out} ({img['width']}x{img['height']} {img['format']}, {img['bytes']:,} bytes, "
               f"{detail}) and {side.name}", err=True)
