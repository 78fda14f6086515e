#!/usr/bin/python3
"""Writes the image-format fixtures of tests/test_image.cpp (issue #15) from the committed
pre-processing photos, with Pillow (which decodes WebP and JPEG with the same libwebp and
libjpeg-turbo as QLIP Explorer on Debian 12). Run with /usr/bin/python3 from this folder; the
outputs are committed, so the tests need neither Pillow nor this script."""
import os
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "preprocess")

coffee = Image.open(os.path.join(SRC, "coffee_97x61.png")).convert("RGB")
rgba = Image.open(os.path.join(SRC, "coffee_rgba_203x152.png")).convert("RGBA").resize((51, 38))
rocket = Image.open(os.path.join(SRC, "rocket_200x301.png")).convert("RGB").resize((100, 150))

# Lossless: must decode to exactly the source.
coffee.save(os.path.join(HERE, "coffee_lossless.webp"), lossless=True)
rgba.save(os.path.join(HERE, "rgba_lossless.webp"), lossless=True, exact=True)  # keep RGB under alpha 0
rgba.save(os.path.join(HERE, "rgba_source.png"))
coffee.save(os.path.join(HERE, "coffee_lzw.tif"), compression="tiff_lzw")
coffee.save(os.path.join(HERE, "coffee_raw.tif"))
rgba.save(os.path.join(HERE, "rgba_deflate.tif"), compression="tiff_adobe_deflate")
# Lossy: compared with Pillow's own decoding.
coffee.save(os.path.join(HERE, "coffee_lossy.webp"), quality=80)
Image.open(os.path.join(HERE, "coffee_lossy.webp")).convert("RGB").save(os.path.join(HERE, "coffee_lossy_expected.png"))
rocket.save(os.path.join(HERE, "rocket_progressive.jpg"), quality=85, progressive=True)
Image.open(os.path.join(HERE, "rocket_progressive.jpg")).convert("RGB").save(
    os.path.join(HERE, "rocket_progressive_expected.png"))
