"""``imgkit calibrate``: fit a colour correction from a photo of a colour chart or swatches."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import click

from imgkit.cli import EXIT_FAILED, EXIT_OK, fail, main, parent_exists
from imgkit.errors import ConfigError, Rejected


def _corners(ctx, param, value):
    if value is None:
        return None
    try:
        nums = [float(v) for v in value.replace(";", ",").split(",") if v.strip()]
    except ValueError:
        nums = []
    if len(nums) != 8 or not all(math.isfinite(v) for v in nums):
        raise click.BadParameter("expected eight numbers x1,y1,x2,y2,x3,y3,x4,y4")
    return [(nums[i], nums[i + 1]) for i in range(0, 8, 2)]


@main.command()
@click.argument("photo", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--reference", "reference", default="colorchecker24", show_default=True, metavar="NAME|FILE",
              help="Shipped reference name, or a .csv (24-patch chart) / .toml (swatches with boxes) file.")
@click.option("--corners", callback=_corners, metavar="x1,y1,...,x4,y4",
              help="Outer corners of the chart's four corner patches, any order, in pixels after "
                   "EXIF orientation (skips detection).")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Calibration JSON [default: PHOTO beside, as <stem>.calibration.json]; the diagnostic "
                   "PNG is written beside it.")
def calibrate(photo: Path, reference: str, corners, out: Path | None) -> None:
    """Measure a colour chart photo and write the colour correction for its session.

    Finds the ColorChecker Classic 24 (any rotation, moderate perspective, mini or full
    size; camera JPEGs, raw linear machine-vision frames, webcams), fits the correction
    with the lowest leave-one-out ΔE2000 (diagonal, 3x3 matrix, root-polynomial, or a tone
    curve from the greys or a fitted power-law response followed by either), prints the
    per-patch table (patches 1-24; its figure is the leave-one-out mean, in-sample beside
    it) and writes the JSON and a diagnostic PNG. Exit 1 when no chart is found or the
    photo cannot be used, 2 on bad usage.

    Example: imgkit calibrate shoot/_calibration/chart.jpg -o session.json
    """
    from imgkit.colour.calibration import calibrate_pixels, read_photo
    from imgkit.colour.calibration_file import save_calibration
    from imgkit.colour.reference import load_reference

    out = out or photo.with_name(photo.stem + ".calibration.json")
    try:
        ref = load_reference(reference)
        if not photo.is_file():
            raise ConfigError(f"{photo}: no such file")
        parent_exists(out, "-o")
        rgb, sha, name = read_photo(photo)  # once: for the fit and for the diagnostic PNG
        cal = calibrate_pixels(rgb, ref, sha=sha, source=name, corners=corners)
        png = save_calibration(cal, out, rgb)
    except ConfigError as exc:
        fail(str(exc))
    except Rejected as exc:
        click.echo(f"imgkit: {photo}: {exc.reason}", err=True)
        sys.exit(EXIT_FAILED)
    except ValueError as exc:   # e.g. corners that do not form a quadrilateral
        fail(str(exc))
    click.echo(table(cal))
    click.echo(f"imgkit: wrote {out} and {png}", err=True)
    sys.exit(EXIT_OK)


def falloff_line(slope) -> str:
    """The light's falloff across the chart in words: what a studio would even out."""
    across, down = (100 * (math.exp(abs(v)) - 1) for v in slope)
    return (f"uneven light on the chart, taken out of the fit: {across:.0f} % brighter on the "
            f"{'right' if slope[0] > 0 else 'left'}, {down:.0f} % brighter at the "
            f"{'bottom' if slope[1] > 0 else 'top'} (chart as printed, upright)")


def table(cal) -> str:
    """The per-patch table with mean and max, as printed by ``imgkit calibrate``: patches
    numbered 1–24 as on the chart, every patch counted in the mean and max (a clipped one is
    marked: it was not fitted, so its ΔE after correction is also its held-out figure)."""
    tried = ", ".join(f"{m} {v['loo_mean']:.2f}" for m, v in cal.methods.items())
    s = cal.summary
    lines = [f"reference {cal.reference}, method {cal.fit.label} (leave-one-out mean: {tried})",
             f"calibration ΔE2000: {s['mean_loo']:.2f} leave-one-out (each patch predicted by a fit that never "
             f"saw it), {s['mean_after']:.2f} in-sample"]
    if cal.fit.falloff is not None:
        lines.append(falloff_line(cal.fit.falloff))
    if s["clipped"]:
        lines.append(f"clipped, not fitted, counted (*): {', '.join(str(i + 1) for i in s['clipped'])}")
    lines += [f"{'#':>2}  {'patch':<22} {'x':>6} {'y':>6}  {'measured sRGB':<13}  "
              f"{'before':>6} {'after':>6} {'l-o-o':>6}"]
    loo = cal.figures("delta_e_loo")
    for p, held in zip(cal.patches, loo, strict=True):
        rgb = " ".join(f"{round(v):3d}" for v in p.measured_srgb)
        flag = "* clipped" if p.clipped else ""
        lines.append(f"{p.index + 1:>2}  {p.name[:22]:<22} {p.centre[0]:6.0f} {p.centre[1]:6.0f}  {rgb:<13}  "
                     f"{p.delta_e_before:6.2f} {p.delta_e_after:6.2f} {held:6.2f}{flag}")
    lines.append(f"{'mean':<55} {s['mean_before']:6.2f} {s['mean_after']:6.2f} {s['mean_loo']:6.2f}")
    lines.append(f"{'max':<55} {s['max_before']:6.2f} {s['max_after']:6.2f} {s['max_loo']:6.2f}")
    return "\n".join(lines)
