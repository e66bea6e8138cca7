"""Whether a mask is fit to become a white-background image, judged before it is softened.

Each way a colour cut-out goes wrong is a refusal with its reason, so a bad white image is
never published: nothing found; the mask swallowing the photo (the product's colours are the
backdrop's, and the mask leaked); the product running out of the frame (a white image shows
it whole); the outline mostly within the backdrop's colour (the product cannot be told from
it: a white cable on white). What went right is measured too: shadows removed, holes kept.
"""

from __future__ import annotations

import cv2
import numpy as np

from imgkit.cutout.shadow import gradient, shadow_colour

#: the product must cover at least this share of the working image
MIN_PRODUCT = 0.002
#: ... and at most this share (more: the mask leaked into the backdrop)
MAX_PRODUCT = 0.85
#: a product touching an edge along more than this share of it (or touching two edges at all)
#: runs out of the frame
MAX_EDGE_TOUCH = 0.02
#: the product may be at most this many pieces of at least PIECE_SHARE of it (a pair of shoes is
#: two; a white camera whose white body went with the white backdrop leaves four floating parts)
MAX_PIECES, PIECE_SHARE = 2, 0.01
#: the second of two pieces is at least this share of the first (a pair), else it is a stray
PAIR_SHARE = 0.15
#: pixels just inside the outline within this × the backdrop's ΔE of it are low-contrast
LOW_CONTRAST_FACTOR = 2.0
#: more of the outline low-contrast than this: the product matches its backdrop
MAX_LOW_CONTRAST = 0.35
#: the outline's median lightness step (L* per working px) is at least this: a product's edge,
#: not a shadow's or a blur's (the corpus photos measure 4.8-15, a shadow alone 0.5)
MIN_OUTLINE_STEP = 2.0
#: more of the mask shadow-coloured than this: what was found is a shadow (a grey product on
#: a white sweep measures up to 0.6)
MAX_SHADOW_COLOURED = 0.85


class CutoutRefused(Exception):
    """No white-background image can be made; ``str(exc)`` is the one-line reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def judge(mask: np.ndarray, found, lab: np.ndarray, backdrop: np.ndarray) -> dict:
    """Measures of ``mask`` (the product at the working size) against its ``found`` seeds and
    the photo's and backdrop's Lab; ``CutoutRefused`` when it is not fit to publish."""
    h, w = mask.shape
    share = float(mask.mean())
    if share < MIN_PRODUCT:
        raise CutoutRefused(f"no product found: what differs from the backdrop covers {share:.2%} of the photo "
                            f"(needs {MIN_PRODUCT:.1%})")
    if share > MAX_PRODUCT:
        raise CutoutRefused(f"the product cannot be told from the backdrop: the mask covers {share:.0%} of the "
                            f"photo (at most {MAX_PRODUCT:.0%})")
    sides = (("top", mask[0]), ("bottom", mask[-1]), ("left", mask[:, 0]), ("right", mask[:, -1]))
    edges = [name for name, line in sides if line.mean() > MAX_EDGE_TOUCH]
    touched = [name for name, line in sides if line.any()]
    if len(touched) >= 2:          # a lamp's cable may leave by one edge; lines across the photo leave by two
        edges = touched
    n, pieces, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n > 2:
        largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        frame = np.zeros_like(mask)
        frame[0], frame[-1], frame[:, 0], frame[:, -1] = True, True, True, True
        strays = np.unique(pieces[frame & mask])
        strays = strays[(strays != 0) & (strays != largest)]
        if strays.size:
            x, y, w_, h_ = (int(v) for v in stats[strays[0], :4])
            raise CutoutRefused(f"{strays.size} piece{'s' * (strays.size > 1)} apart from the product reach"
                                f"{'es' * (strays.size == 1)} the photo's edge (the first {w_}x{h_} px of the "
                                f"working image at {x},{y}): lines in the backdrop, or the product broken where it is "
                                f"the backdrop's colour")
    if n > 1:
        areas = np.sort(stats[1:, cv2.CC_STAT_AREA])[::-1]
        found_pieces = int((areas >= PIECE_SHARE * areas.sum()).sum())
        if found_pieces > MAX_PIECES:
            raise CutoutRefused(f"the product falls apart into {found_pieces} pieces: parts of it the backdrop's "
                                f"colour were taken for backdrop (at most {MAX_PIECES} pieces, a pair; shoot it "
                                f"on a contrasting backdrop)")
        if found_pieces == 2 and areas[1] < PAIR_SHARE * areas[0]:
            second = 1 + int(np.argsort(stats[1:, cv2.CC_STAT_AREA])[-2])
            x, y, w_, h_ = (int(v) for v in stats[second, :4])
            raise CutoutRefused(f"a small piece apart from the product ({w_}x{h_} px of the working image at "
                                f"{x},{y}, {areas[1] / areas[0]:.0%} of its size): a logo, a label or a stray "
                                f"object; a white-background image shows the product alone")
    if edges:
        raise CutoutRefused(f"the product runs out of the frame at the {' and '.join(edges)} "
                            f"edge{'s' * (len(edges) > 1)}: a white-background image shows it whole; "
                            f"shoot it with room around it")
    kernel = np.ones((3, 3), np.uint8)
    inner = cv2.erode(mask.astype(np.uint8), kernel, iterations=2).astype(bool)
    outline = inner & ~cv2.erode(mask.astype(np.uint8), kernel, iterations=4).astype(bool)
    limit = LOW_CONTRAST_FACTOR * found.threshold
    low = float((found.distance[outline] < limit).mean()) if outline.any() else 1.0
    if low > MAX_LOW_CONTRAST:
        raise CutoutRefused(f"the product matches its backdrop: {low:.0%} of its outline is within ΔE "
                            f"{limit:.1f} of the backdrop (at most {MAX_LOW_CONTRAST:.0%}); shoot it on a "
                            f"contrasting backdrop or add a clean plate")
    rim = mask & ~inner
    step = float(np.median(gradient(lab[..., 0])[rim])) if rim.any() else 0.0
    if step < MIN_OUTLINE_STEP:
        raise CutoutRefused(f"what differs from the backdrop has no sharp outline (a lightness step of "
                            f"{step:.1f} L*/px, a product's is at least {MIN_OUTLINE_STEP:g}): a shadow, a blur "
                            f"or a product too like its backdrop")
    shaded = float(shadow_colour(lab[mask], backdrop[mask]).mean())
    if shaded > MAX_SHADOW_COLOURED:
        raise CutoutRefused(f"what differs from the backdrop is {shaded:.0%} the backdrop's colour in shadow "
                            f"(at most {MAX_SHADOW_COLOURED:.0%}): a shadow, or a product too like its backdrop")
    shadow_removed = float((found.shadow & ~mask).sum() / (h * w))
    n_holes = cv2.connectedComponents((found.holes & ~mask).astype(np.uint8), connectivity=4)[0] - 1
    return {"product_share": round(share, 4), "outline_low_contrast": round(low, 3),
            "outline_step": round(step, 2), "shadow_coloured": round(shaded, 3),
            "shadow_removed": round(shadow_removed, 4), "holes_kept": int(n_holes)}
