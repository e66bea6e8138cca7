"""Draw the demo shop's logo (profiles/assets/sample-logo.png) for `imgkit main-image`.

A real shop uses its own logo. This one is a leaf-green disc with a white 禾 (grain) drawn in
the bundled WenQuanYi Micro Hei (Apache-2.0), on a transparent background, 600x600 px.
Run: python profiles/assets/make_sample_logo.py
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).parent
S = 600
im = Image.new("RGBA", (S, S), (0, 0, 0, 0))
draw = ImageDraw.Draw(im)
draw.ellipse((10, 10, S - 11, S - 11), fill=(46, 139, 87, 255), outline=(255, 255, 255, 255), width=18)
draw.ellipse((60, 60, S - 61, S - 61), outline=(255, 255, 255, 160), width=6)
font = ImageFont.truetype(str(HERE / "fonts" / "wqy-microhei.ttc"), 330)
draw.text((S // 2, S // 2 + 8), "禾", font=font, anchor="mm", fill=(255, 255, 255, 255))
im.save(HERE / "sample-logo.png", optimize=True)
