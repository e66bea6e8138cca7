"""The description of a pack: the item's detail images, drawn at the platform's width, on the
shop's page template (``[page]``: margins, spacing, heading, background), cut into slices of at
most ``[export] detail_slice_height`` rows. The page maker is ``imgkit.tree.page``'s: the same
``compose``, ``heading_band`` and ``cuts`` as ``imgkit page``, at another width."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PIL import Image

from imgkit.profile import Export, Page, Profile
from imgkit.tree import page as pages


def template(shop: Profile, exp: Export) -> Page:
    """The shop's [page] at the platform's width and slice height (margins kept when they fit)."""
    page = replace(shop.page, width=exp.detail_width, slice_height=exp.detail_slice_height)
    if 2 * page.margin >= page.width // 2:
        page = replace(page, margin=0)
    if page.band + 2 * page.margin > page.slice_height:
        page = replace(page, sections=("details",))
    return page


def content_width(shop: Profile, exp: Export) -> int:
    """How wide each detail image is drawn on the platform's page."""
    page = template(shop, exp)
    return page.width - 2 * page.margin


def cut(shop: Profile, exp: Export, item: str, blocks: list[np.ndarray], decorations: list[str]) -> list[Image.Image]:
    """The description's slices, top to bottom. ``decorations``: the slots' recorded JSON (the
    heading's title is the first fact, 品名, as on ``imgkit page``)."""
    page = template(shop, exp)
    heading = None
    if page.band:
        title = pages._title(list(decorations), item)
        heading = pages.heading_band(page.heading.format(title=title, item=item), page, shop)
    canvas, placed = pages.compose(blocks, heading, page)
    return [Image.fromarray(canvas[y0:y1]) for y0, y1 in pages.cuts(placed, canvas.shape[0], page.slice_height)]
