"""Real product photos on plain backdrops (../shared/corpus/products): cut, placed on white,
measured as the platforms' validators will (a 2 % border band at exactly 255, the product's
box at the fill)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from imgkit.colour.conversions import srgb_to_lab
from imgkit.cutout import cut_out, on_white


def _photo(corpus, name):
    return np.asarray(Image.open(corpus / "products" / name).convert("RGB"))


@pytest.mark.parametrize("name,method", [("p18__running-shoe-black.jpg", "plain"), ("p04__mouse.jpg", "sweep"),
                                         ("p16__twin-lens-camera.jpg", "sweep")])
def test_plain_backdrop_photos_on_white(corpus, name, method):
    cut = cut_out(_photo(corpus, name))
    assert cut.method == method
    image, placed = on_white(cut, 1000, 1000, 0.99)            # JD: the product's long side at the frame
    x, y, w, h = placed["placed"]
    solid = (image < 250).any(axis=2)
    rows, cols = np.flatnonzero(solid.any(axis=1)), np.flatnonzero(solid.any(axis=0))
    long_side = max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1)
    assert max(w, h) == 990 and abs(long_side - 990) <= 12
    image, _ = on_white(cut, 800, 800, 0.85)                  # Taobao's white image
    band = 16                                                 # 2 % of the side
    border = np.concatenate([image[:band].reshape(-1, 3), image[-band:].reshape(-1, 3),
                             image[:, :band].reshape(-1, 3), image[:, -band:].reshape(-1, 3)])
    assert (border == 255).all()

def test_coloured_backdrop_and_its_shadows_are_gone(corpus):
    """p24: an orange rope on purple; its loops enclose purple, its handles cast purple shadows."""
    cut = cut_out(_photo(corpus, "p24__skipping-rope.jpg"))
    image, _ = on_white(cut, 800, 800, 0.9)
    lab = srgb_to_lab(image.reshape(-1, 3), white="D65")
    purple = (lab[:, 1] > 20) & (lab[:, 2] < -15)             # the backdrop's hue (a* 47, b* -38)
    product = (image != 255).any(axis=2).sum()
    assert purple.sum() < 0.02 * product
