"""Pixels in and out: decode/encode, blending, backdrop estimation, the watermark, fonts and the one text renderer."""
