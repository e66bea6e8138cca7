"""Draw the demo shop's watermark (profiles/assets/watermark.png).

A real shop replaces the PNG with its own mark. This one is drawn with the font that ships
inside Pillow (Aileron Regular, CC0), white letters with a dark outline so it reads on light
and dark photos alike. Run: python profiles/assets/make_watermark.py
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

W, H = 720, 200
im = Image.new("RGBA", (W, H), (0, 0, 0, 0))
draw = ImageDraw.Draw(im)
draw.rounded_rectangle((6, 6, W - 7, H - 7), radius=36, outline=(255, 255, 255, 255), width=10)
draw.rounded_rectangle((16, 16, W - 17, H - 17), radius=28, outline=(30, 30, 30, 200), width=4)
font = ImageFont.load_default(112)
draw.text((W // 2, H // 2 - 6), "IMGKIT", font=font, anchor="mm", fill=(255, 255, 255, 255),
          stroke_width=6, stroke_fill=(30, 30, 30, 220))
im.save(Path(__file__).with_name("watermark.png"), optimize=True)
