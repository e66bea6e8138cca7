"""Is a cut-out fit to publish? Measures of the product mask ``from_photo.separate`` made,
taken against the photo it came from, before anything is composed or written.

The cut-out keeps what differs from the photo's backdrop colour. It goes wrong in ways
the finished image alone cannot show, and each is a refusal here:

- **edges**: the mask reaches the photo's border — a strip of backdrop, a shadow running
  out of the frame, or a product cut off by it. The finished image would measure the fill
  by that strip (a camera filling 40 % of the frame reported as 88 %).
- **faint**: much of the mask is nearly the backdrop's colour (within ``FAINT_FACTOR`` ×
  ``clean_delta_e``): shadows, backdrop gradients or creases left in — or a product too
  like its backdrop to be separated by colour.
- **blobs**: pieces apart from the product that are mostly faint: the black blotches a dark
  backdrop leaves, a patch of floor.
- **pinholes**: many small holes punched through the product where it matched the backdrop
  (a blotchy mask), counted per 100 px of the product's size.

A cut-out PNG brings its own alpha: only its pinholes are measured.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imgkit.imaging.colours import hex_of
from imgkit.main_image.background import holes, parts, touched_edges

#: a pixel of the mask this close to the backdrop (× clean_delta_e, ΔE*ab) is faint
FAINT_FACTOR = 2.0
#: more of the mask than this faint: refused
MAX_FAINT_SHARE = 0.25
#: pieces (and holes) smaller than this share of the product are specks, not blobs (or loops)
PIECE_SHARE = 0.002
#: a separate piece more than this share faint is a blob of shadow or backdrop
BLOB_FAINT = 0.5
#: holes of at least this many px count as pinholes (smaller ones are JPEG noise)
PINHOLE_MIN_PX = 4
#: pinholes per 100 px of the product's size (the square root of its area) allowed; the sample
#: photos measure 0-11, the blotchy cut-outs of dark backdrops 10-27 (see the tests)
MAX_PINHOLES = 15.0


@dataclass(frozen=True)
class CutoutMeasure:
    edges: tuple[str, ...] = ()
    faint_share: float = 0.0
    blobs: tuple[tuple[int, int, int, int], ...] = ()
    pinholes: int = 0
    pinhole_density: float = 0.0
    backdrop: tuple[int, int, int] | None = None
    faint_delta_e: float = 0.0

    def problems(self) -> list[str]:
        """One line per reason not to publish the cut-out."""
        found = []
        if self.edges:
            *rest, last = self.edges
            edges = f"{', '.join(rest)} and {last} edges" if rest else f"{last} edge"
            found.append(f"the cut-out reaches the photo's {edges}: a strip of backdrop, a shadow or a product "
                         "cut off by the frame; shoot the product with room around it")
        if self.faint_share > MAX_FAINT_SHARE:
            found.append(f"{self.faint_share:.0%} of the cut-out is nearly the backdrop's colour (within ΔE "
                         f"{self.faint_delta_e:g} of {hex_of(self.backdrop)}): shadow or backdrop left in, or a "
                         f"product too like its backdrop (at most {MAX_FAINT_SHARE:.0%})")
        if self.blobs:
            x, y, w, h = self.blobs[0]
            found.append(f"{len(self.blobs)} blob{'s' * (len(self.blobs) > 1)} of shadow or backdrop apart from "
                         f"the product (the largest {w}x{h} px at {x},{y} in the photo)")
        if self.pinhole_density > MAX_PINHOLES:
            found.append(f"the cut-out is blotchy: {self.pinholes} pinholes through the product "
                         f"({self.pinhole_density:.1f} per 100 px of its size, at most {MAX_PINHOLES:g})")
        return found

    def as_dict(self) -> dict:
        return {"edges": list(self.edges), "faint_share": round(self.faint_share, 4), "blobs": len(self.blobs),
                "pinholes": self.pinholes, "pinhole_density": round(self.pinhole_density, 2)}


def measure_cutout(alpha: np.ndarray, distance: np.ndarray | None = None, *, backdrop=None,
                   clean_delta_e: float = 10.0) -> CutoutMeasure:
    """Measures of the cut-out ``alpha`` (float 0..1, 1 = product). ``distance`` is the photo's
    ΔE*ab from its ``backdrop`` colour (None for a cut-out PNG: pinholes only)."""
    solid = alpha > 0.5
    area = int(solid.sum())
    if area == 0:
        return CutoutMeasure()
    specks = max(16, int(PIECE_SHARE * area))
    sizes = holes(solid)
    pinholes = int(((sizes >= PINHOLE_MIN_PX) & (sizes < specks)).sum())
    density = pinholes / (np.sqrt(area) / 100)
    if distance is None:
        return CutoutMeasure(pinholes=pinholes, pinhole_density=density)
    faint_de = FAINT_FACTOR * clean_delta_e
    faint = solid & (distance < faint_de)
    labels, pieces = parts(solid, min_area=specks)
    faint_px = np.bincount(labels[faint], minlength=int(labels.max()) + 1)
    blobs = tuple(box for label, n, box in pieces[1:] if faint_px[label] > BLOB_FAINT * n)
    return CutoutMeasure(tuple(touched_edges(solid)), float(faint.sum() / area), blobs, pinholes, density,
                         tuple(backdrop) if backdrop is not None else None, faint_de)
