"""Writes tests/data/emoji-heldout/: the first 12 images of the fixed 100-way Fluent subset (held out
from training) as PNGs, the 100 labels they compete against, and two training-set emoji (one Noto,
one Twemoji) used as in-distribution samples.

Run with Debian's python: /usr/bin/python3 tests/tools/gen_heldout_fixtures.py DATA_DIR
where DATA_DIR was built by tools/emoji_data.py.
"""
import json
import os
import sys

import numpy as np
from PIL import Image

data = sys.argv[1]
out = os.path.join(os.path.dirname(__file__), "..", "data", "emoji-heldout")
os.makedirs(out, exist_ok=True)
fluent = json.load(open(os.path.join(data, "fluent.json"), encoding="utf-8"))
images = np.load(os.path.join(data, "fluent_images.npy"))
subset = fluent["subset100"]
labels = [fluent["items"][i]["label"] for i in subset]
cases = []
for k, i in enumerate(subset[:12]):
    name = f"fluent_{k:02d}.png"
    Image.fromarray(images[i]).save(os.path.join(out, name), optimize=True)
    cases.append({"file": name, "label": fluent["items"][i]["label"], "category": fluent["items"][i]["category"]})
train = json.load(open(os.path.join(data, "train.json"), encoding="utf-8"))
timages = np.load(os.path.join(data, "train_images.npy"), mmap_mode="r")
samples = []
for vendor in ("google", "twitter"):
    i = next(j for j, e in enumerate(train["items"]) if e["vendor"] == vendor and e["label"] == "red apple")
    name = f"{vendor}_red_apple.png"
    Image.fromarray(np.asarray(timages[i])).save(os.path.join(out, name), optimize=True)
    samples.append({"file": name, "label": "red apple", "vendor": vendor})
json.dump({"about": "held-out Fluent Emoji Flat (MIT, Microsoft) images of the 100-way subset, rendered at 64 px "
                    "on white by tools/emoji_data.py; in-distribution samples from Noto Emoji (Apache-2.0) and "
                    "Twemoji (CC-BY-4.0, Twitter, Inc and other contributors), composited on white",
           "labels100": labels, "heldout": cases, "training_samples": samples},
          open(os.path.join(out, "cases.json"), "w", encoding="utf-8"), ensure_ascii=False, indent=1)
print(len(cases), "held-out images,", len(samples), "training samples ->", out)
