#!/usr/bin/python3
"""Regenerate tests/data/preprocess/: inputs cut from scikit-image's public-domain/CC0 sample
photos, and what Pillow (the reference used by HF CLIPImageProcessor) makes of them.

Run with Debian's interpreter, which has Pillow 9.4 and numpy:
    apt-get install -y python3-skimage      # only to regenerate; the tests use the committed files
    /usr/bin/python3 tests/tools/gen_preprocess_fixtures.py

Outputs, per pre-processing case <name> (listed in cases.json):
  <name>.png / .jpg      the input, as the test decodes it
  <name>_resized.png     PIL Image.resize((w, h), resample) of the RGB input (before the crop)
  <name>_tensor.f32      the final CHW float32 tensor (little-endian, crop_h x crop_w x 3 values)
and a few decode-only fixtures (decode_*): 16-bit PNGs, an animated GIF, an RGBA PNG, a JPEG,
each with the 8-bit RGB image the decoder must produce.
"""
import io
import json
import os
import struct
import zlib

import numpy as np
from PIL import Image

SKIMAGE = "/usr/lib/python3/dist-packages/skimage/data/"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "preprocess")

CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


def photo(name):
    return Image.open(SKIMAGE + name)


def save_png(img, path):
    img.save(path, "PNG", optimize=True)


def resized_size(w, h, shortest):
    # HF get_resize_output_image_size(default_to_square=False): short side -> size,
    # long side -> int(size * long / short).
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = shortest, int(shortest * long / short)
    return (new_short, new_long) if w <= h else (new_long, new_short)


def center_crop(arr, crop_h, crop_w):
    # HF center_crop: top = (H - h) // 2, left = (W - w) // 2, zero padding where the image is smaller.
    h, w = arr.shape[:2]
    out = np.zeros((crop_h, crop_w, arr.shape[2]), arr.dtype)
    top, left = (h - crop_h) // 2, (w - crop_w) // 2
    y0, y1 = max(0, -top), min(crop_h, h - top)  # output rows/columns that have a source pixel
    x0, x1 = max(0, -left), min(crop_w, w - left)
    out[y0:y1, x0:x1] = arr[y0 + top:y1 + top, x0 + left:x1 + left]
    return out


def reference(img, shortest, crop_h, crop_w, resample):
    """The CLIPImageProcessor chain written out with PIL + numpy (HF's order and dtypes)."""
    rgb = img.convert("RGB")
    size = resized_size(rgb.width, rgb.height, shortest)
    resized = rgb.resize(size, resample=resample, reducing_gap=None)
    arr = center_crop(np.asarray(resized), crop_h, crop_w)
    x = (arr.astype(np.float64) * (1 / 255)).astype(np.float32)  # HF rescale: float64 then down-cast
    x = (x - np.array(CLIP_MEAN, np.float32)) / np.array(CLIP_STD, np.float32)
    return resized, np.ascontiguousarray(x.transpose(2, 0, 1)).astype("<f4")


def png_chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png16(arr):
    """A 16-bit PNG (PIL cannot write 16-bit RGB), filter type 0 on every row."""
    h, w = arr.shape[:2]
    channels = 1 if arr.ndim == 2 else arr.shape[2]
    colour_type = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    raw = b"".join(b"\x00" + arr[y].astype(">u2").tobytes() for y in range(h))
    return (b"\x89PNG\r\n\x1a\n"
            + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, colour_type, 0, 0, 0))
            + png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b""))


def make_inputs():
    """(name, PIL image, format, shortest_edge, crop_h, crop_w, resample)"""
    astronaut = photo("astronaut.png").convert("RGB")           # 512x512, public domain (NASA)
    chelsea = photo("chelsea.png").convert("RGB")               # 451x300, CC0
    coffee = photo("coffee.png").convert("RGB")                 # 600x400, CC0
    rocket = photo("rocket.jpg").convert("RGB")                 # 640x427, public domain (SpaceX)
    camera = photo("camera.png")                                # 512x512 grey, CC0
    hubble = photo("hubble_deep_field.jpg").convert("RGB")      # 1000x872, public domain (NASA)

    rgba = coffee.crop((150, 60, 150 + 203, 60 + 152)).convert("RGBA")
    yy, xx = np.mgrid[0:rgba.height, 0:rgba.width]
    alpha = np.clip(255 - np.hypot(xx - rgba.width / 2, yy - rgba.height / 2) * 2.4, 0, 255).astype(np.uint8)
    rgba.putalpha(Image.fromarray(alpha))

    bicubic, bilinear = Image.BICUBIC, Image.BILINEAR
    return [
        ("astronaut_512", astronaut, "PNG", 256, 112, 112, bicubic),                      # exact /2
        ("chelsea_451x300", chelsea, "PNG", 200, 96, 96, bicubic),                       # landscape
        ("rocket_200x301", rocket.crop((220, 40, 420, 341)), "PNG", 96, 96, 80, bicubic),  # portrait
        ("coffee_97x61", coffee.resize((97, 61), Image.LANCZOS), "PNG", 128, 96, 96, bicubic),  # upscale
        ("hubble_1000x40", hubble.crop((0, 400, 1000, 440)), "PNG", 24, 24, 24, bicubic),  # extreme
        ("camera_grey_300x200", camera.crop((100, 60, 400, 260)), "PNG", 80, 64, 64, bicubic),
        ("coffee_rgba_203x152", rgba, "PNG", 64, 64, 64, bicubic),
        ("chelsea_bilinear", chelsea.resize((166, 110), Image.LANCZOS), "PNG", 70, 64, 64, bilinear),
        ("rocket_pad_64x48", rocket.resize((64, 43), Image.LANCZOS), "PNG", 40, 48, 72, bicubic),  # crop > image
    ]


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = []
    for name, img, fmt, shortest, crop_h, crop_w, resample in make_inputs():
        path = os.path.join(OUT, name + ".png")
        save_png(img, path)
        img = Image.open(path)  # exactly what the C++ side will decode
        resized, tensor = reference(img, shortest, crop_h, crop_w, resample)
        save_png(resized, os.path.join(OUT, name + "_resized.png"))
        tensor.tofile(os.path.join(OUT, name + "_tensor.f32"))
        cases.append({"name": name, "input": name + ".png", "shortest_edge": shortest,
                      "crop_height": crop_h, "crop_width": crop_w, "resample": int(resample),
                      "resized_width": resized.width, "resized_height": resized.height})

    # Decode-only fixtures: input bytes + the 8-bit RGB the decoder must return.
    decode = []
    rng = np.random.default_rng(1234)
    rgb16 = rng.integers(0, 65536, (23, 31, 3), dtype=np.uint32)
    with open(os.path.join(OUT, "decode_rgb16.png"), "wb") as f:
        f.write(png16(rgb16))
    save_png(Image.fromarray((rgb16 >> 8).astype(np.uint8)), os.path.join(OUT, "decode_rgb16_expected.png"))
    decode.append({"input": "decode_rgb16.png", "expected": "decode_rgb16_expected.png"})

    grey16 = rng.integers(0, 65536, (17, 29), dtype=np.uint32)
    with open(os.path.join(OUT, "decode_grey16.png"), "wb") as f:
        f.write(png16(grey16))
    g8 = (grey16 >> 8).astype(np.uint8)
    save_png(Image.fromarray(np.stack([g8] * 3, axis=2)), os.path.join(OUT, "decode_grey16_expected.png"))
    decode.append({"input": "decode_grey16.png", "expected": "decode_grey16_expected.png"})

    # Animated GIF: three frames of different colours; the decoder returns the first one.
    frames = []
    for i in range(3):
        a = np.zeros((20, 30, 3), np.uint8)
        a[..., i] = 200
        a[5:15, 5 + i * 5:15 + i * 5] = [255, 255, 0]
        frames.append(Image.fromarray(a).convert("P", palette=Image.ADAPTIVE, colors=4))
    gif = os.path.join(OUT, "decode_anim.gif")
    frames[0].save(gif, save_all=True, append_images=frames[1:], duration=100, loop=0)
    save_png(Image.open(gif).convert("RGB"), os.path.join(OUT, "decode_anim_expected.png"))
    decode.append({"input": "decode_anim.gif", "expected": "decode_anim_expected.png"})

    # RGBA: Drop is checked by the coffee_rgba case (PIL convert("RGB")); CompositeOnWhite blends on white
    # with rounding: round((c * a + 255 * (255 - a)) / 255).
    rgba = np.asarray(Image.open(os.path.join(OUT, "coffee_rgba_203x152.png")).convert("RGBA")).astype(np.int32)
    c, a = rgba[..., :3], rgba[..., 3:4]
    white = ((c * a + 255 * (255 - a) + 127) // 255).astype(np.uint8)
    save_png(Image.fromarray(white), os.path.join(OUT, "decode_rgba_white.png"))

    # A JPEG: stb_image and libjpeg-turbo use different IDCT/upsampling, so this is compared
    # with a tolerance, and used to make a corrupt JPEG in the test.
    jpeg = os.path.join(OUT, "decode_rocket.jpg")
    photo("rocket.jpg").convert("RGB").resize((96, 64), Image.LANCZOS).save(jpeg, "JPEG", quality=90)
    save_png(Image.open(jpeg).convert("RGB"), os.path.join(OUT, "decode_rocket_expected.png"))
    decode.append({"input": "decode_rocket.jpg", "expected": "decode_rocket_expected.png", "tolerance": 6})
    add_cmyk_jpeg(decode)

    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump({"mean": CLIP_MEAN, "std": CLIP_STD, "preprocess": cases, "decode": decode}, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"{len(cases)} cases, {len(os.listdir(OUT))} files, {total / 1024:.0f} KiB in {os.path.normpath(OUT)}")


def add_cmyk_jpeg(decode):
    # A CMYK JPEG (PIL writes Adobe-inverted CMYK, as Photoshop does): must come out as the RGB
    # that PIL's convert("RGB") gives, within the JPEG tolerance.
    jpeg = os.path.join(OUT, "decode_cmyk.jpg")
    Image.open(os.path.join(OUT, "decode_rocket_expected.png")).convert("CMYK").save(jpeg, "JPEG", quality=92)
    save_png(Image.open(jpeg).convert("RGB"), os.path.join(OUT, "decode_cmyk_expected.png"))
    decode.append({"input": "decode_cmyk.jpg", "expected": "decode_cmyk_expected.png", "tolerance": 3})


if __name__ == "__main__":
    main()
