"""White-background cut-outs without a network: the backdrop modelled from the photo's border
(or a clean plate), the product found by colour and GrabCut, shadows and holes handled, soft
edges freed of the backdrop's colour, placed on pure white. See ``cut.py`` for the order."""

from imgkit.cutout.clean_plate import find_clean_plate
from imgkit.cutout.cut import Cutout, cut_out
from imgkit.cutout.refusal import CutoutRefused
from imgkit.cutout.white import on_white

__all__ = ["Cutout", "CutoutRefused", "cut_out", "find_clean_plate", "on_white"]
