# Run: /usr/bin/python3 -m unittest tests/tools/test_emoji_data.py   (from the repository root; no network needed)
"""Tests for tools/emoji_data.py on small fake npm tarballs made here in a temporary folder."""
import base64
import hashlib
import importlib.util
import io
import json
import os
import shutil
import stat
import sys
import tarfile
import tempfile
import unittest

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_spec = importlib.util.spec_from_file_location("emoji_data", os.path.join(ROOT, "tools", "emoji_data.py"))
ed = importlib.util.module_from_spec(_spec)
sys.modules["emoji_data"] = ed
_spec.loader.exec_module(ed)

HAVE_RSVG = shutil.which("rsvg-convert") is not None
QUIET = lambda msg: None  # noqa: E731

# Three emoji: one with two skin tones, one whose codepoints carry FE0F, and one Fluent lacks.
EMOJI_JSON = [
    {"unified": "1F44B", "image": "1f44b.png", "name": "WAVING HAND SIGN", "category": "People & Body",
     "subcategory": "hand-fingers-open", "sort_order": 2, "has_img_google": True, "has_img_twitter": True,
     "skin_variations": {
         "1F3FC": {"unified": "1F44B-1F3FC", "image": "1f44b-1f3fc.png", "has_img_google": True, "has_img_twitter": True},
         "1F3FB": {"unified": "1F44B-1F3FB", "image": "1f44b-1f3fb.png", "has_img_google": True, "has_img_twitter": True},
     }},
    {"unified": "2764-FE0F", "image": "2764-fe0f.png", "name": "HEAVY BLACK HEART", "category": "Smileys & Emotion",
     "subcategory": "heart", "sort_order": 1, "has_img_google": True, "has_img_twitter": True},
    {"unified": "1F408", "image": "1f408.png", "name": "CAT", "category": "Animals & Nature",
     "subcategory": "animal-mammal", "sort_order": 3, "has_img_google": True, "has_img_twitter": True},
]
EMOJIBASE = [
    {"label": "red heart", "hexcode": "2764", "tags": ["Heart", "love"]},
    {"label": "waving hand", "hexcode": "1F44B", "tags": ["hello", "wave"], "skins": [
        {"label": "waving hand: light skin tone", "hexcode": "1F44B-1F3FB"},
        {"label": "waving hand: medium-light skin tone", "hexcode": "1F44B-1F3FC"}]},
    {"label": "cat", "hexcode": "1F408", "tags": ["pet"]},
]
EMOJILIB = {"\u2764\ufe0f": ["red_heart", "LOVE", "like"], "\U0001F44B": ["waving_hand", "Wave", "goodbye"],
            "\U0001F408": ["cat", "animal"]}
# Fluent's chars.json drops FE0F; skin-tone icons and icons outside the emoji list are not used.
CHARS = {"2764": "red-heart", "1f44b": "waving-hand", "1f44b-1f3fb": "waving-hand-light", "1f408": "cat",
         "1f999": "not-an-emoji"}


def square_svg_body(colour):
    return f'<rect x="4" y="4" width="24" height="24" fill="{colour}"/>'


FLUENT_ICONS = {"prefix": "fluent-emoji-flat", "width": 32, "height": 32, "icons": {
    "red-heart": {"body": square_svg_body("#ff0000")},
    "waving-hand": {"body": square_svg_body("#ffcc00")},
    "waving-hand-light": {"body": square_svg_body("#ffeeaa")},
    "cat": {"body": square_svg_body("#808080")},
    "not-an-emoji": {"body": square_svg_body("#000000")},
}}

# The Iconify training styles have no chars.json: icons are matched by name. EmojiOne uses the
# label's slug (skin tones included), Firefox OS the Unicode name without separators. "cat" in
# EmojiOne has no icon; "blackheart" matches nothing; "red-heart" is one icon used once.
EMOJIONE_ICONS = {"prefix": "emojione", "width": 64, "height": 64, "icons": {
    "red-heart": {"body": '<rect x="16" y="16" width="32" height="32" fill="#ee0000"/>'},
    "waving-hand-medium-light-skin-tone": {"body": square_svg_body("#ddbb88")},
    "not-an-emoji": {"body": square_svg_body("#000000")},
}}
FXEMOJI_ICONS = {"prefix": "fxemoji", "width": 512, "height": 512, "icons": {
    "wavinghandsign": {"body": '<rect x="0" y="0" width="512" height="512" fill="#00ff00"/>'},
    "cat": {"body": square_svg_body("#0000ff")},
    "blackheart": {"body": square_svg_body("#000000")},
}}


def png_bytes(rgba):
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG")
    return buf.getvalue()


def fake_png(seed):
    """64x64 RGBA: opaque colour in the centre, half-transparent black ring, transparent corners."""
    rgba = np.zeros((64, 64, 4), np.uint8)
    rgba[8:56, 8:56] = (0, 0, 0, 128)
    rgba[16:48, 16:48] = ((seed * 53) % 256, (seed * 97) % 256, (seed * 151) % 256, 255)
    return png_bytes(rgba)


def write_tgz(path, files):
    with tarfile.open(path, "w:gz") as tar:
        for name in sorted(files):
            data = files[name]
            info = tarfile.TarInfo("package/" + name)
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))


def read_folder(folder):
    out = {}
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as f:
            out[name] = f.read()
    return out


def integrity(path):
    with open(path, "rb") as f:
        return "sha512-" + base64.b64encode(hashlib.sha512(f.read()).digest()).decode()


def vendor_files(vendor, overrides=None):
    files = {"emoji.json": json.dumps(EMOJI_JSON).encode()}
    n = 0 if vendor == "google" else 100
    for e in EMOJI_JSON:
        for v in [e] + list((e.get("skin_variations") or {}).values()):
            n += 1
            files[f"img/{vendor}/64/{v['image']}"] = fake_png(n)
    files.update(overrides or {})
    return files


def make_cache(cache, google=None, twitter=None, icons=None, emojione=None):
    """Write the seven fake tarballs and return a matching package list (with their real hashes)."""
    contents = {
        "google": vendor_files("google", google),
        "twitter": vendor_files("twitter", twitter),
        "fluent": {"icons.json": json.dumps(icons or FLUENT_ICONS).encode(), "chars.json": json.dumps(CHARS).encode(),
                   "info.json": b"{}"},
        "emojibase": {"en/data.json": json.dumps(EMOJIBASE).encode()},
        "emojilib": {"dist/emoji-en-US.json": json.dumps(EMOJILIB, ensure_ascii=False).encode()},
        "emojione": {"icons.json": json.dumps(emojione or EMOJIONE_ICONS).encode(), "chars.json": b"{}"},
        "fxemoji": {"icons.json": json.dumps(FXEMOJI_ICONS).encode(), "chars.json": b"{}"},
    }
    packages = []
    for pkg in ed.PACKAGES:
        path = os.path.join(cache, pkg.tarball)
        write_tgz(path, contents[pkg.role])
        packages.append(ed.Package(pkg.name, pkg.version, integrity(path), pkg.role))
    return tuple(packages)


class TempDirTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = self._tmp.name
        self.cache = os.path.join(self.tmp, "cache")
        self.out = os.path.join(self.tmp, "out")
        os.makedirs(self.cache)

    def tearDown(self):
        self._tmp.cleanup()


class PixelTests(unittest.TestCase):
    def test_composite_rounds_to_nearest(self):
        c, a = np.meshgrid(np.arange(256), np.arange(256), indexing="ij")
        rgba = np.stack([c, c, c, a], axis=-1).astype(np.uint8)
        got = ed.composite_on_white(rgba)
        want = np.floor((c * a + 255.0 * (255 - a)) / 255.0 + 0.5).astype(np.uint8)
        self.assertEqual(got.dtype, np.uint8)
        np.testing.assert_array_equal(got[..., 0], want)
        np.testing.assert_array_equal(got[:, 0, :], 255)  # alpha 0 -> white

    def test_corrupt_png_is_named(self):
        good = fake_png(1)
        for bad in (b"not a png at all", good[:200], good[:40] + bytes([good[40] ^ 0xFF]) + good[41:]):
            with self.assertRaisesRegex(ed.DataError, "somepkg: img/x.png: corrupt PNG"):
                ed.decode_png(bad, "somepkg: img/x.png")

    def test_wrong_size_png_is_named(self):
        small = png_bytes(np.zeros((32, 32, 4), np.uint8))
        with self.assertRaisesRegex(ed.DataError, "x.png: expected a 64x64 image, got 32x32"):
            ed.decode_png(small, "x.png")

    def test_keywords_are_merged_and_cleaned(self):
        got = ed.merge_keywords("red heart", ["Heart", "love"], ["red_heart", "LOVE", "like", "\u201cfree"])
        self.assertEqual(got, ["heart", "love", "like", "free"])

    def test_codepoint_normalisation(self):
        self.assertEqual(ed.norm_cp("2764-FE0F"), "2764")
        self.assertEqual(ed.norm_cp("1f441-fe0f-200d-1f5e8-fe0f"), "1F441-200D-1F5E8")
        self.assertEqual(ed.PACKAGES[2].tarball, "iconify-json-fluent-emoji-flat-1.2.6.tgz")


@unittest.skipUnless(HAVE_RSVG, "rsvg-convert (librsvg2-bin) is not installed")
class SvgTests(unittest.TestCase):
    def test_render_square(self):
        svg = ed.iconify_svg(FLUENT_ICONS, "red-heart", "test")
        rgba = ed.render_svg(svg, "test")
        self.assertEqual(rgba.shape, (64, 64, 4))
        self.assertEqual(tuple(rgba[32, 32]), (255, 0, 0, 255))
        self.assertEqual(rgba[2, 2, 3], 0)

    def test_corrupt_svgs_are_named(self):
        with self.assertRaisesRegex(ed.DataError, "icon 'x': corrupt SVG: not well-formed XML"):
            ed.render_svg('<svg xmlns="http://www.w3.org/2000/svg"><rect', "icon 'x'")
        with self.assertRaisesRegex(ed.DataError, "icon 'y': corrupt SVG"):
            ed.render_svg("<html><body/></html>", "icon 'y'")
        with self.assertRaisesRegex(ed.DataError, "icon 'z': corrupt SVG: it renders fully transparent"):
            ed.render_svg('<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"/>', "icon 'z'")

    def test_missing_rsvg_is_named(self):
        svg = ed.iconify_svg(FLUENT_ICONS, "red-heart", "test")
        with self.assertRaisesRegex(ed.DataError, "librsvg2-bin"):
            ed.render_svg(svg, "test", rsvg="/nonexistent/rsvg-convert")

    def test_alias_flip_and_tall_icon(self):
        icons = {"width": 32, "height": 32,
                 "icons": {"left": {"body": '<rect x="0" y="0" width="16" height="32" fill="#00f"/>'},
                           "tall": {"body": '<rect x="0" y="0" width="32" height="33" fill="#0f0"/>', "height": 33}},
                 "aliases": {"right": {"parent": "left", "hFlip": True}}}
        right = ed.render_svg(ed.iconify_svg(icons, "right", "t"), "t")
        self.assertEqual(right[32, 60, 3], 255)
        self.assertEqual(right[32, 4, 3], 0)
        tall = ed.render_svg(ed.iconify_svg(icons, "tall", "t"), "t")  # padded to a square, not stretched
        self.assertEqual(tall[32, 32, 3], 255)
        self.assertEqual(tall[0, 32, 3], 255)  # full height
        self.assertLess(tall[32, 0, 3], 128)   # about one pixel of padding on each side
        self.assertLess(tall[32, 63, 3], 128)
        self.assertEqual(int((tall[32, :, 3] > 127).sum()), 62)


class IntegrityAndFetchTests(TempDirTest):
    def test_missing_tarball_names_package(self):
        with self.assertRaisesRegex(ed.DataError, r"emoji-datasource-google@16\.0\.0: tarball not found"):
            ed.build(self.cache, self.out, log=QUIET)

    def test_wrong_hash_names_package(self):
        packages = make_cache(self.cache)
        # Official hashes against fake tarballs: the first package checked must be named.
        with self.assertRaisesRegex(ed.DataError, r"emoji-datasource-google@16\.0\.0: integrity mismatch"):
            ed.build(self.cache, self.out, log=QUIET)
        bad = tuple(ed.Package(p.name, p.version, p.integrity if p.role != "emojilib" else "sha512-AAAA", p.role)
                    for p in packages)
        with self.assertRaisesRegex(ed.DataError, r"emojilib@4\.0\.3: integrity mismatch .*expected sha512-AAAA"):
            ed.locate_tarballs(self.cache, bad)

    def test_unreadable_tarball_names_package(self):
        packages = make_cache(self.cache)
        path = os.path.join(self.cache, "emojibase-data-17.0.0.tgz")
        with open(path, "wb") as f:
            f.write(b"\x1f\x8b garbage, not a gzip stream")
        packages = tuple(ed.Package(p.name, p.version, integrity(path) if p.role == "emojibase" else p.integrity,
                                    p.role) for p in packages)
        pkg = [p for p in packages if p.role == "emojibase"][0]
        ed.locate_tarballs(self.cache, packages)  # the hash matches: the garbage is what the registry "sent"
        with self.assertRaisesRegex(ed.DataError, r"emojibase-data@17\.0\.0: cannot read tarball"):
            ed.load_emojibase(pkg, path)

    def _fake_npm(self, script_body):
        path = os.path.join(self.tmp, "fake-npm")
        with open(path, "w") as f:
            f.write("#!/bin/sh\n" + script_body + "\n")
        os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)
        return path

    def test_fetch_errors_name_package(self):
        pkg = (ed.PACKAGES[4],)  # emojilib
        with self.assertRaisesRegex(ed.DataError, r"emojilib@4\.0\.3: cannot fetch, .* was not found"):
            ed.fetch(self.cache, pkg, npm=os.path.join(self.tmp, "no-such-npm"), log=QUIET)
        failing = self._fake_npm('echo "npm ERR! 404 Not Found" >&2; exit 1')
        with self.assertRaisesRegex(ed.DataError, r"emojilib@4\.0\.3: `npm pack` failed with exit code 1: npm ERR! 404"):
            ed.fetch(self.cache, pkg, npm=failing, log=QUIET)
        wrong = self._fake_npm('echo junk > "$4/emojilib-4.0.3.tgz"')
        with self.assertRaisesRegex(ed.DataError, r"emojilib@4\.0\.3: integrity mismatch"):
            ed.fetch(self.cache, pkg, npm=wrong, log=QUIET)
        self.assertFalse(os.path.exists(os.path.join(self.cache, "emojilib-4.0.3.tgz")))
        self.assertEqual([f for f in os.listdir(self.cache)], [])  # temp folders cleaned up

    def test_fetch_then_skip(self):
        src = os.path.join(self.tmp, "src.tgz")
        write_tgz(src, {"dist/emoji-en-US.json": b"{}"})
        pkg = (ed.Package("emojilib", "4.0.3", integrity(src), "emojilib"),)
        npm = self._fake_npm(f'[ "$1" = pack ] && [ "$2" = emojilib@4.0.3 ] && cp "{src}" "$4/" '
                             f'&& mv "$4/src.tgz" "$4/emojilib-4.0.3.tgz"')
        logs = []
        ed.fetch(self.cache, pkg, npm=npm, log=logs.append)
        self.assertIn("fetched and verified", logs[-1])
        ed.fetch(self.cache, pkg, npm=os.path.join(self.tmp, "no-such-npm"), log=logs.append)
        self.assertIn("present and verified", logs[-1])


@unittest.skipUnless(HAVE_RSVG, "rsvg-convert (librsvg2-bin) is not installed")
class BuildTests(TempDirTest):
    def test_end_to_end(self):
        packages = make_cache(self.cache)
        summary = ed.build(self.cache, self.out, packages=packages, subset_size=1, log=QUIET)
        self.assertEqual(summary["train"], 14)
        self.assertEqual(summary["vendors"], {"google": 5, "twitter": 5, "emojione": 2, "fxemoji": 2})
        imgs = np.load(os.path.join(self.out, "train_images.npy"))
        self.assertEqual((imgs.dtype, imgs.shape), (np.uint8, (14, 64, 64, 3)))
        self.assertTrue(imgs.flags["C_CONTIGUOUS"])
        with open(os.path.join(self.out, "train.json"), encoding="utf-8") as f:
            train = json.load(f)
        items = train["items"]
        # Order: vendor, then emoji-datasource sort_order, base before its skin tones (sorted).
        self.assertEqual([(i["vendor"], i["unified"]) for i in items[:5]],
                         [("google", "2764-FE0F"), ("google", "1F44B"), ("google", "1F44B-1F3FB"),
                          ("google", "1F44B-1F3FC"), ("google", "1F408")])
        self.assertEqual([i["label"] for i in items[:5]],
                         ["red heart", "waving hand", "waving hand: light skin tone",
                          "waving hand: medium-light skin tone", "cat"])
        self.assertEqual(items[0]["keywords"], ["heart", "love", "like"])
        self.assertEqual(items[2]["keywords"], ["hello", "wave", "goodbye"])
        self.assertEqual(items[2]["skin_tone"], "1F3FB")
        self.assertEqual(items[0]["char"], "\u2764\ufe0f")
        self.assertEqual(items[5]["vendor"], "twitter")
        self.assertEqual(items[4]["category"], "Animals & Nature")
        self.assertEqual(train["noto_eval"], [0, 1, 4])
        self.assertEqual(train["image_shape"], [14, 64, 64, 3])
        # Iconify styles after the vendors, in emoji order, labelled like the vendors' images.
        self.assertEqual([(i["vendor"], i["unified"], i["label"], i["file"]) for i in items[10:]],
                         [("emojione", "2764-FE0F", "red heart", "icons.json#red-heart"),
                          ("emojione", "1F44B-1F3FC", "waving hand: medium-light skin tone",
                           "icons.json#waving-hand-medium-light-skin-tone"),
                          ("fxemoji", "1F44B", "waving hand", "icons.json#wavinghandsign"),
                          ("fxemoji", "1F408", "cat", "icons.json#cat")])
        self.assertEqual(items[11]["skin_tone"], "1F3FC")
        self.assertEqual(items[12]["keywords"], items[1]["keywords"])
        self.assertEqual(tuple(imgs[10, 32, 32]), (238, 0, 0))     # the EmojiOne heart, rendered
        self.assertEqual(tuple(imgs[12, 0, 0]), (0, 255, 0))       # a 512-unit icon fills the square
        # The cat's square spans units 4..28 of 512: pixels 0.5..3.5 of 64, white beyond.
        self.assertEqual((tuple(imgs[13, 2, 2]), tuple(imgs[13, 8, 8])), ((0, 0, 255), (255, 255, 255)))
        self.assertIn("EmojiOne", json.dumps(train["about"]))
        self.assertIn("Twemoji", json.dumps(train["about"]))
        # Pixels: corners white, the half-transparent black ring rounds to 127, the centre keeps its colour.
        self.assertEqual(tuple(imgs[0, 0, 0]), (255, 255, 255))
        self.assertEqual(tuple(imgs[0, 10, 10]), (127, 127, 127))
        n = 4  # fake_png seed of the Google heart: vendor_files numbers images in EMOJI_JSON order
        self.assertEqual(tuple(imgs[0, 32, 32]), ((n * 53) % 256, (n * 97) % 256, (n * 151) % 256))

        fimgs = np.load(os.path.join(self.out, "fluent_images.npy"))
        with open(os.path.join(self.out, "fluent.json"), encoding="utf-8") as f:
            fluent = json.load(f)
        # Base emoji only (no skin tone, nothing outside the emoji list), matched without FE0F.
        self.assertEqual(fimgs.shape, (3, 64, 64, 3))
        self.assertEqual([(i["unified"], i["label"], i["icon"], i["noto_index"]) for i in fluent["items"]],
                         [("2764-FE0F", "red heart", "red-heart", 0), ("1F44B", "waving hand", "waving-hand", 1),
                          ("1F408", "cat", "cat", 4)])
        self.assertEqual(tuple(fimgs[0, 32, 32]), (255, 0, 0))
        self.assertEqual(tuple(fimgs[0, 1, 1]), (255, 255, 255))
        self.assertEqual(fluent["subset100"], [2])  # the cat is the only candidate (Animals & Nature)
        self.assertEqual(fluent["categories"], ["Smileys & Emotion", "People & Body", "Animals & Nature"])
        self.assertTrue(os.path.isfile(os.path.join(self.out, "ATTRIBUTION.md")))
        ed.verify(self.out, log=QUIET)

        # Deterministic: a rebuild gives the same bytes.
        before = read_folder(self.out)
        ed.build(self.cache, self.out, packages=packages, subset_size=1, jobs=1, log=QUIET)
        self.assertEqual(before, read_folder(self.out))

    def test_verify_catches_mismatch(self):
        packages = make_cache(self.cache)
        ed.build(self.cache, self.out, packages=packages, subset_size=0, log=QUIET)
        path = os.path.join(self.out, "train.json")
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        doc["items"].pop()
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        with self.assertRaisesRegex(ed.DataError, "train: 13 items, count 14, 14 images"):
            ed.verify(self.out, log=QUIET)

    def test_corrupt_png_fails_or_is_skipped(self):
        packages = make_cache(self.cache, twitter={"img/twitter/64/1f408.png": b"\x89PNG\r\n\x1a\n broken"})
        with self.assertRaisesRegex(ed.DataError,
                                    r"emoji-datasource-twitter@16\.0\.0: package/img/twitter/64/1f408\.png: corrupt PNG"):
            ed.build(self.cache, self.out, packages=packages, subset_size=0, log=QUIET)
        self.assertFalse(os.path.exists(os.path.join(self.out, "train.json")))
        summary = ed.build(self.cache, self.out, packages=packages, subset_size=0, skip_bad=True, log=QUIET)
        self.assertEqual(summary["train"], 13)
        self.assertEqual(len(summary["skipped"]), 1)
        self.assertIn("img/twitter/64/1f408.png", summary["skipped"][0])
        with open(os.path.join(self.out, "train.json"), encoding="utf-8") as f:
            self.assertEqual(len(json.load(f)["skipped"]), 1)

    def test_missing_png_is_named(self):
        files = vendor_files("google")
        del files["img/google/64/1f44b-1f3fc.png"]
        packages = make_cache(self.cache)
        path = os.path.join(self.cache, "emoji-datasource-google-16.0.0.tgz")
        write_tgz(path, files)
        packages = tuple(ed.Package(p.name, p.version, integrity(path) if p.role == "google" else p.integrity, p.role)
                         for p in packages)
        with self.assertRaisesRegex(ed.DataError, r"img/google/64/1f44b-1f3fc\.png: emoji\.json names this image"):
            ed.build(self.cache, self.out, packages=packages, subset_size=0, log=QUIET)

    def test_corrupt_svg_fails_or_is_skipped(self):
        icons = json.loads(json.dumps(FLUENT_ICONS))
        icons["icons"]["waving-hand"]["body"] = '<rect x="4" y="4" width="24"'
        packages = make_cache(self.cache, icons=icons)
        with self.assertRaisesRegex(ed.DataError, r"fluent-emoji-flat@1\.2\.6: icons\.json icon 'waving-hand' "
                                                  r"\(1F44B\): corrupt SVG"):
            ed.build(self.cache, self.out, packages=packages, subset_size=0, log=QUIET)
        summary = ed.build(self.cache, self.out, packages=packages, subset_size=0, skip_bad=True, log=QUIET)
        self.assertEqual(summary["fluent"], 2)
        self.assertEqual(summary["train"], 14)
        self.assertIn("waving-hand", summary["skipped"][0])

    def test_corrupt_style_svg_fails_or_is_skipped(self):
        icons = json.loads(json.dumps(EMOJIONE_ICONS))
        icons["icons"]["red-heart"]["body"] = "<g><rect/>"
        packages = make_cache(self.cache, emojione=icons)
        with self.assertRaisesRegex(ed.DataError, r"emojione@1\.2\.3: icons\.json icon 'red-heart' \(2764-FE0F\)"):
            ed.build(self.cache, self.out, packages=packages, subset_size=0, log=QUIET)
        summary = ed.build(self.cache, self.out, packages=packages, subset_size=0, skip_bad=True, log=QUIET)
        self.assertEqual(summary["vendors"]["emojione"], 1)
        self.assertIn("red-heart", summary["skipped"][0])

    def test_styles_are_optional(self):
        # A package list without the Iconify styles builds the two-vendor set of earlier releases.
        packages = tuple(p for p in make_cache(self.cache) if p.role not in ed.ICONIFY_STYLES)
        summary = ed.build(self.cache, self.out, packages=packages, subset_size=0, log=QUIET)
        self.assertEqual(summary["vendors"], {"google": 5, "twitter": 5})

    def test_icon_names_match_labels_and_unicode_names(self):
        names = ed.IconNames({"icons": {"flag-for-cote-divoire": {}, "flag-for-sao-tome-and-principe": {},
                                        "grinningface": {}, "thumbs-up-dark-skin-tone": {}}})
        flag = {"name": "", "short_names": []}
        self.assertEqual(names.match("flag: Côte d’Ivoire", flag, None), "flag-for-cote-divoire")
        self.assertEqual(names.match("flag: São Tomé & Príncipe", flag, None), "flag-for-sao-tome-and-principe")
        self.assertEqual(names.match("grinning face", {"name": "GRINNING FACE"}, None), "grinningface")
        self.assertIsNone(names.match("grinning face", {"name": "GRINNING FACE"}, None))  # used once
        self.assertEqual(names.match("thumbs up: dark skin tone", {"name": "THUMBS UP SIGN"}, "1F3FF"),
                         "thumbs-up-dark-skin-tone")

    def test_subset_draw_rule(self):
        items = [{"category": c} for c in ["Objects", "Symbols", "Food & Drink", "Flags", "Activities"] * 50]
        got = ed.draw_subset(items, 100)
        candidates = [i for i, it in enumerate(items) if it["category"] in ed.SUBSET_CATEGORIES]
        want = sorted(np.random.RandomState(0).choice(np.array(candidates), 100, replace=False).tolist())
        self.assertEqual(got, want)
        self.assertEqual(len(set(got)), 100)
        with self.assertRaisesRegex(ed.DataError, "need 200"):
            ed.draw_subset(items, 200)


if __name__ == "__main__":
    unittest.main()
