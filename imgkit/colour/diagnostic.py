"""The picture a colourist checks first: the chart photo with the patches found, and per patch
the reference, the measured and the corrected colour side by side with their ΔE2000."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from imgkit.colour import conversions as colour

PHOTO_SIDE = 900        # the photo is shown at most this tall/wide
CELL = 96               # one patch card: three strips of CELL/3 px


def diagnostic(rgb: np.ndarray, cal) -> Image.Image:
    """Photo with outlines (green: used, red: clipped) left; a 6-wide grid of swatch cards right."""
    photo = Image.fromarray(rgb)
    scale = min(1.0, PHOTO_SIDE / max(photo.size))
    photo = photo.resize((max(1, round(photo.width * scale)), max(1, round(photo.height * scale))),
                         Image.Resampling.LANCZOS)
    draw = ImageDraw.Draw(photo)
    font = _font(12)
    outlines = cal.detection.get("outlines")
    for p in cal.patches:
        x, y = p.centre[0] * scale, p.centre[1] * scale
        colour_ = (255, 40, 40) if p.clipped else (40, 255, 40)
        if outlines:
            pts = [(u * scale, v * scale) for u, v in outlines[p.index]]
            draw.polygon(pts, outline=colour_, width=2)
        else:
            draw.ellipse((x - 4, y - 4, x + 4, y + 4), outline=colour_, width=2)
        draw.text((x, y), str(p.index + 1), fill=(255, 255, 255), font=font, anchor="mm", stroke_width=2,
                  stroke_fill=(0, 0, 0))
    cols = 6
    rows = -(-len(cal.patches) // cols)
    grid = Image.new("RGB", (cols * (CELL + 8) + 8, rows * (CELL + 30) + 60), (40, 40, 40))
    g = ImageDraw.Draw(grid)
    s = cal.summary
    g.text((8, 8), f"{cal.reference} | {cal.fit.label} | dE2000 mean {s['mean_before']:.2f} -> leave-one-out "
                   f"{s['mean_loo']:.2f} (in-sample {s['mean_after']:.2f}), max {s['max_before']:.2f} -> "
                   f"{s['max_loo']:.2f} (in-sample {s['max_after']:.2f}), clipped patches counted",
           fill=(230, 230, 230), font=font)
    g.text((8, 26), "each card: reference | measured | corrected; dE2000 before -> after",
           fill=(180, 180, 180), font=font)
    for k, p in enumerate(cal.patches):
        x0, y0 = 8 + (k % cols) * (CELL + 8), 50 + (k // cols) * (CELL + 30)
        ref = tuple(int(v) for v in colour.lab_to_srgb(np.array(p.reference_lab), as_uint8=True))
        strips = (ref, _u8(p.measured_srgb), _u8(p.corrected_srgb))
        for j, c in enumerate(strips):
            g.rectangle((x0 + j * CELL // 3, y0, x0 + (j + 1) * CELL // 3 - 1, y0 + CELL - 1), fill=c)
        label = f"{p.index + 1}: {p.delta_e_before:.1f} -> {p.delta_e_after:.1f}" + (" clip" if p.clipped else "")
        g.text((x0, y0 + CELL + 4), label, fill=(255, 120, 120) if p.clipped else (230, 230, 230), font=font)
    height = max(photo.height, grid.height)
    out = Image.new("RGB", (photo.width + grid.width, height), (40, 40, 40))
    out.paste(photo, (0, 0))
    out.paste(grid, (photo.width, 0))
    return out


def _u8(rgb) -> tuple[int, int, int]:
    return tuple(int(np.clip(round(v), 0, 255)) for v in rgb)


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType
        return ImageFont.load_default()
