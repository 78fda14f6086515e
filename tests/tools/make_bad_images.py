#!/usr/bin/python3
"""Writes tests/data/bad-images/: image files the explorer must survive (issue #4).

Run with /usr/bin/python3 (Debian's, which has PIL). Every file is small; the 30000x30000 PNG is a
valid header with a tiny compressed body, so that the size check, not memory, is what stops it.
"""
import os
import struct
import sys
import zlib

from PIL import Image


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png_with_header(width, height, payload=b""):
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(payload)) + chunk(b"IEND", b"")


def main(out):
    os.makedirs(out, exist_ok=True)
    w, h = 48, 40
    rgb = Image.new("RGB", (w, h))
    rgb.putdata([(x * 5, y * 6, (x * y) % 256) for y in range(h) for x in range(w)])

    with open(os.path.join(out, "not-an-image.png"), "wb") as f:
        f.write(b"this is plain text, not a PNG\n" * 4)
    rgb.save(os.path.join(out, "full.png"))
    with open(os.path.join(out, "full.png"), "rb") as f:
        data = f.read()
    with open(os.path.join(out, "truncated.png"), "wb") as f:
        f.write(data[: len(data) // 2])
    os.remove(os.path.join(out, "full.png"))
    with open(os.path.join(out, "zero-size.png"), "wb") as f:
        f.write(png_with_header(0, 0))
    with open(os.path.join(out, "huge-30000.png"), "wb") as f:
        f.write(png_with_header(30000, 30000, b"\x00" * 64))
    with open(os.path.join(out, "empty.png"), "wb"):
        pass

    rgb.convert("L").save(os.path.join(out, "grey.png"))
    grey16 = Image.new("I;16", (w, h))
    grey16.putdata([(x * 1300 + y * 300) % 65536 for y in range(h) for x in range(w)])
    grey16.save(os.path.join(out, "grey-16bit.png"))
    rgb.convert("CMYK").save(os.path.join(out, "cmyk.jpg"), quality=90)
    frames = [rgb.convert("P"), rgb.transpose(Image.FLIP_LEFT_RIGHT).convert("P")]
    frames[0].save(os.path.join(out, "animated.gif"), save_all=True, append_images=frames[1:], duration=100, loop=0)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "data", "bad-images"))
