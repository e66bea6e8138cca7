"""``imgkit validate``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from imgkit import profile as profiles
from imgkit.cli import EXIT_FAILED, EXIT_OK, exit_codes, judge, main, parent_exists
from imgkit.errors import ConfigError


@main.command()
@click.argument("target", type=click.Path(path_type=Path))
@click.option("-p", "--profile", "profile_spec", default=None, metavar="PROFILE",
              help="A shipped profile name or a path to a .toml file [default: for a build tree the profile "
                   "that built it, else default].")
@click.option("--json", "json_out", metavar="FILE|-", default=None,
              help="Write every finding as JSON to FILE, or to stdout with '-'.")
@click.option("--html", "html_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the visual report to FILE (thumbnails in thumbs/ beside it).")
def validate(target: Path, profile_spec: str | None, json_out: str | None, html_out: Path | None) -> None:
    """Check a finished folder against the shop's rules before upload.

    TARGET is an output tree of `imgkit build` (its detail/ images; the build state adds
    first-seen times and calibration ΔE) or any folder of <ITEM>-<NN>.jpg images, directly
    in it or in <ITEM>/ folders; or one main image file (checked like main-image --check); or a
    marketplace pack (OUT/export/jd -p jd: any profile with [export] platform; under OUT/export/
    the -p may be left out): sizes, bytes, names, counts, the white-background image. A build
    tree is judged with the profile that built it (recorded in OUT/.imgkit/profile.json); a -p
    with other settings is refused. Findings are grouped by item on stdout; exit 0 when there
    is no error-level finding, 1 otherwise, 2 for a usage or profile error.

    Example: imgkit validate listing/ --html listing/report.html --json report-validate.json
    """
    from imgkit.checks.pack import is_pack, platform_of
    from imgkit.checks.pack_validate import shop_profile, validate_pack
    from imgkit.checks.validate import as_dict, human_lines, is_build_tree
    from imgkit.checks.validate import validate as run_validate
    from imgkit.store.tree_profile import judging_profile

    with exit_codes():
        if not target.exists():
            raise ConfigError(f"{target}: no such folder")
        parent_exists(Path(json_out) if json_out and json_out != "-" else None, "--json")
        parent_exists(html_out, "--html")
        if target.is_file():  # one main image, made by imgkit or by hand (rule S1)
            sys.exit(judge(target, profiles.load(profile_spec or "default"), None, json_out == "-"))
        if is_build_tree(target):
            prof, rec = judging_profile(target, profile_spec)
            if rec is not None and profile_spec is None and json_out != "-":
                click.echo(f"imgkit: judged with profile {prof.name} ({prof.path}), the one that built it", err=True)
        else:
            prof = profiles.load(profile_spec or platform_of(target) or "default")
        if is_pack(target, prof.export):
            shop = shop_profile(target, prof)
            if json_out != "-":
                click.echo(f"imgkit: judged as a {prof.export.platform} pack with profile {prof.name} ({prof.path}); "
                           f"the shop's watermark from profile {shop.name}", err=True)
            result = validate_pack(target, prof, shop)
        else:
            result = run_validate(target, prof)
    data = as_dict(result)
    text = json.dumps(data, ensure_ascii=False, indent=1)
    if json_out == "-":
        click.echo(text)
    else:
        for line in human_lines(result):
            click.echo(line)
    with exit_codes():
        if json_out and json_out != "-":
            _write(Path(json_out), "--json", lambda: Path(json_out).write_text(text + "\n", encoding="utf-8"))
        if html_out:
            page = html_out.resolve()
            _write(html_out, "--html", lambda: _write_page(page, data, result))
            click.echo(f"imgkit: report -> {page}", err=True)
    sys.exit(EXIT_OK if result.ok else EXIT_FAILED)


def _write(path: Path, option: str, write) -> None:
    """``write()``; a file system that refuses it is a ConfigError naming the option and file."""
    try:
        write()
    except OSError as exc:
        raise ConfigError(f"{option} {path}: cannot write it ({exc.strerror or exc})") from None


def _write_page(page: Path, data: dict, result) -> None:
    """The visual report: validate's data, and for a build tree its state (what each image
    carries, the calibrations) and its last run's inputs (report.json)."""
    from imgkit.report import html_page
    from imgkit.report.dashboard import validate_content
    from imgkit.report.report_json import read_report
    from imgkit.store.state import read_tree_view

    build = result.tree == "build"
    view = read_tree_view(result.target) if build else None
    report = read_report(result.target) if build else None
    html_page.write(page, validate_content(data, result.target, page, view, report))
