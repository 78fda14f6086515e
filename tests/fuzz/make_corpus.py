#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz harnesses (tests/fuzz/corpus/<target>/) from tests/data and
resources/: small, valid examples of each input, plus a few near-misses. Run from the repository
root; the output is committed, so this only needs rerunning when a format changes."""
import json, os, struct

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def read(*path):
    with open(os.path.join(ROOT, *path), "rb") as f:
        return f.read()


def safetensors_header(path):
    raw = read(*path)
    n = struct.unpack("<Q", raw[:8])[0]
    return raw[8:8 + n], len(raw) - 8 - n


def safetensors(tensors, metadata=None):
    """tensors: [(name, dtype, shape, bytes)] -> file bytes."""
    header, data = {}, b""
    for name, dtype, shape, payload in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(payload)]}
        data += payload
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


golden = ("tests", "data", "golden", "tiny-b16")
emoji = ("resources", "models", "qlip-emoji-64")

# json
put("json", "config.json", read(*golden, "config.json"))
put("json", "preprocessor.json", read("tests", "data", "hub", "preprocessor_config.json"))
put("json", "numbers.json", '[0,-0,1e300,-1.5e-300,9007199254740993,18446744073709551615,-9223372036854775808,0.1]')
put("json", "strings.json", '{"a":"\\u00e9\\ud83d\\ude00\\n\\"","b":[true,false,null,{}],"c":[[[]]]}')

# safetensors: 4-byte data size + header text
for name, path in (("tiny-inputs", golden + ("inputs.safetensors",)), ("emoji-model", emoji + ("model.safetensors",))):
    header, size = safetensors_header(path)
    if len(header) < 64 * 1024:
        put("safetensors", name, struct.pack("<I", min(size, 0xFFFFFFFF)) + header)
put("safetensors", "small", struct.pack("<I", 16) + b'{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}')
put("safetensors", "zero", struct.pack("<I", 0) + b'{"a":{"dtype":"I64","shape":[0,4],"data_offsets":[0,0]}}')

# config: config.json NUL preprocessor_config.json
put("config", "tiny", read(*golden, "config.json") + b"\0" + read("tests", "data", "hub", "preprocessor_config.json"))
put("config", "emoji", read(*emoji, "config.json") + b"\0" + read(*emoji, "preprocessor_config.json"))

# tokenizer: even first byte: text for the CLIP vocabulary; odd: vocab NUL merges NUL text
put("tokenizer", "prompt", b"\0a photo of a cat, 3.14 don't <|endoftext|>")
put("tokenizer", "unicode", "\0caf\u00e9 \U0001F600 \u4e2d\u6587 \t\n  x".encode())
vocab = {"a": 0, "b": 1, "c": 2, "ab": 3, "a</w>": 4, "b</w>": 5, "ab</w>": 6, "<|startoftext|>": 7, "<|endoftext|>": 8}
put("tokenizer", "small-vocab", b"\1" + json.dumps(vocab).encode() + b"\0#version: 0.2\na b\na b</w>\n\0ab abc ba")

# npy
def npy(descr, shape, payload):
    dims = ",".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (descr, dims)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload
put("npy", "tokens-4x4", npy("<i8", [4, 4], struct.pack("<16q", *range(16))))
put("npy", "tokens-i4", npy("<i4", [2, 3], struct.pack("<6i", *range(6))))
put("npy", "floats", npy("<f4", [3], struct.pack("<3f", 1, 2, 3)))
put("npy", "empty", npy("<i8", [0, 5], b""))

# folder index: the harness expects model "fuzz" and 2x2 grids of 28-bit tokens
meta = {"format": "qlipx-folder-index", "version": 1, "model": "fuzz", "rows": 2, "cols": 2, "bits": 28, "dim": 3,
        "files": [{"path": "a.png", "size": "123", "mtime": "456"}, {"path": "sub/b.png", "size": "7", "mtime": "-8"}]}
put("folderindex", "two-files", safetensors([("embeddings", "F32", [2, 3], struct.pack("<6f", 1, 0, 0, 0, 1, 0)),
                                             ("tokens", "I64", [2, 4], struct.pack("<8q", 0, 1, 2, 3, 268435455, 5, 6, 7))],
                                            {"qlipx_index": json.dumps(meta, separators=(",", ":"))}))
put("folderindex", "empty", safetensors([], {"qlipx_index": json.dumps(dict(meta, files=[]))}))

# prior config
put("prior", "config.json", read("resources", "models", "qlip-emoji-64-prior", "config.json"))

# labels
put("labels", "everyday.txt", read("resources", "labels", "everyday.txt")[:2000])
put("labels", "bom-comments.txt", "\ufeff# comment\n  cat \r\ndog\n\ncat\n\xe9t\xe9\n".encode())

# session
session = {"format": "qlip-explorer-session", "version": 1, "image": "/tmp/a.png", "model": "/m", "modelName": "m",
           "grid": {"rows": 2, "cols": 2, "bits": 28, "groupSize": 1}, "tokens": [1, 2, 3, 268435455],
           "history": [{"text": "edit", "changes": [[0, 1, 5], [3, 268435455, 0]]}], "historyIndex": 1, "view": {"layer": 0}}
put("session", "two-edits.qlipxsession", json.dumps(session, indent=1))
