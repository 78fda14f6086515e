#!/usr/bin/python3
"""Independent reference for the CLIP BPE tokenizer of QLIP Explorer (core/src/tokenizer.cpp).

Written separately from the C++ code and on purpose in a different way:
  * character classes come from `unicodedata` and `str` methods at run time (the C++ uses
    generated range tables);
  * the pre-tokenisation rule runs through Python's own `re` engine, with \\p{L} and \\p{N}
    spelled out as explicit character classes (the C++ scans by hand);
  * BPE is the textbook loop: find the best-ranked adjacent pair, merge every occurrence, repeat
    (the C++ uses a priority queue).

Rule implemented (no ftfy, no HTML unescaping):
  1. collapse runs of whitespace (White_Space) to one space, str.strip(), str.lower();
  2. split with  <|startoftext|> | <|endoftext|> | 's|'t|'re|'ve|'m|'ll|'d | \\p{L}+ | \\p{N} |
     [^\\s\\p{L}\\p{N}]+  (whitespace dropped; the text is already lower-case, so no IGNORECASE);
  3. UTF-8 bytes -> GPT-2 byte symbols, last symbol + "</w>", BPE, vocabulary ids.
Invalid UTF-8 input is decoded with `surrogateescape`: each bad byte becomes one character of its
own (U+DC80..U+DCFF, category Cs, so it joins runs of "other" characters) and turns back into the
same byte before BPE.

Usage (run with /usr/bin/python3, no third-party modules):
  clip_tokenizer_reference.py --self-test
  clip_tokenizer_reference.py "some text" ...          print the content ids
  clip_tokenizer_reference.py --write-cases OUT.json   regenerate tests/data/tokenizer_cases.json
"""
import json
import os
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "data"))
SPECIALS = ("<|startoftext|>", "<|endoftext|>")
# CLIP matches whitespace with the `regex` module, whose \s is the Unicode White_Space property
# (PropList.txt). Python's `re` \s would add U+001C..U+001F; str.strip() does remove those.
WHITE_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


def byte_symbols():
    """byte value -> symbol: bytes that print as Latin-1 keep their character; the other 68 get
    U+0100, U+0101, ... in increasing byte order."""
    table, extra = {}, 0
    for b in range(256):
        if 0x21 <= b <= 0x7E or 0xA1 <= b <= 0xAC or 0xAE <= b <= 0xFF:
            table[b] = chr(b)
        else:
            table[b] = chr(0x100 + extra)
            extra += 1
    return table


def category_class(prefix):
    """A regex character class body listing every code point whose category starts with prefix."""
    parts, start, prev = [], None, None
    for cp in range(0x110000):
        if unicodedata.category(chr(cp)).startswith(prefix):
            if start is None:
                start = cp
            prev = cp
        elif start is not None:
            parts.append((start, prev))
            start = None
    if start is not None:
        parts.append((start, prev))
    esc = lambda cp: "\\U%08x" % cp
    return "".join(esc(a) if a == b else esc(a) + "-" + esc(b) for a, b in parts)


def split_pattern():
    letters, numbers = category_class("L"), category_class("N")
    specials = "|".join(re.escape(s) for s in SPECIALS)
    contractions = "'s|'t|'re|'ve|'m|'ll|'d"
    return re.compile(f"{specials}|{contractions}|[{letters}]+|[{numbers}]|[^{WHITE_SPACE}{letters}{numbers}]+")


class Reference:
    def __init__(self, folder=os.path.join(DATA, "clip-bpe"), max_merges=None):
        with open(os.path.join(folder, "vocab.json"), encoding="utf-8") as f:
            self.vocab = json.load(f)
        with open(os.path.join(folder, "merges.txt"), encoding="utf-8") as f:
            lines = f.read().split("\n")
        if lines and "#version" in lines[0]:
            lines = lines[1:]
        pairs = [tuple(l.split()) for l in lines if l.strip()]
        if max_merges is not None:
            pairs = pairs[:max_merges]
        self.rank = {p: i for i, p in enumerate(pairs)}
        self.sym = byte_symbols()
        self.pattern = split_pattern()

    def bpe(self, piece_bytes):
        word = [self.sym[b] for b in piece_bytes]
        word[-1] += "</w>"
        while len(word) > 1:
            ranked = [(self.rank[p], p) for p in zip(word, word[1:]) if p in self.rank]
            if not ranked:
                break
            _, (a, b) = min(ranked)
            merged, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and word[i] == a and word[i + 1] == b:
                    merged.append(a + b)
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            word = merged
        return word

    def token_id(self, token):
        # Merge results are always in the vocabulary; a missing single-byte "x</w>" falls back to
        # "x", and a byte with neither symbol is dropped (only possible with a reduced vocabulary).
        if token in self.vocab:
            return self.vocab[token]
        if token.endswith("</w>") and token[:-4] in self.vocab:
            return self.vocab[token[:-4]]
        return None

    def encode(self, text):
        """text: str, possibly holding surrogateescape characters for invalid bytes."""
        text = re.sub(f"[{WHITE_SPACE}]+", " ", text).strip().lower()
        ids = []
        for piece in self.pattern.findall(text):
            if piece in SPECIALS:
                ids.append(self.vocab[piece])
                continue
            for token in self.bpe(piece.encode("utf-8", "surrogateescape")):
                i = self.token_id(token)
                if i is not None:
                    ids.append(i)
        return ids

    def encode_bytes(self, raw):
        return self.encode(raw.decode("utf-8", "surrogateescape"))


# The corpus of tricky inputs written to tokenizer_cases.json: (name, str or bytes).
CASES = [
    ("clip example", "a photo of a cat"),
    ("empty", ""),
    ("only spaces", "     "),
    ("upper case", "A Photo Of A CAT"),
    ("leading and trailing space", "   two   spaces  between  "),
    ("tabs newlines nbsp", "tabs\tand\nnewlines\r\nand\u00a0nbsp\u00a0\u00a0here"),
    ("unicode spaces", "\u2003em\u3000ideographic\u2028line\u2029para\u0085nel\u205fmath"),
    ("information separators are not whitespace", "a\x1cb\x1dc\x1ed\x1fe a \x1c b"),
    ("information separators are stripped", "\x1c\x1d edges \x1e\x1f"),
    ("zero width and bom are not spaces", "zero\u200bwidth\u200djoiner\ufeffbom\u00adshy"),
    ("control characters", "nul\x00bell\x07del\x7fesc\x1b[0m"),
    ("contractions", "it's they're we've i'm you'll he'd don't"),
    ("contractions upper case", "IT'S THEY'RE WE'VE I'M YOU'LL HE'D DON'T"),
    ("apostrophe edge cases", "'s 'S ''s '?'s 'x 'll' rock 'n' roll o'clock"),
    ("curly apostrophe", "it\u2019s don\u2019t"),
    ("digits are single tokens", "2026"),
    ("decimal number", "3.14 and -0.5e10"),
    ("price sentence", "The year 2026 costs $3.14!"),
    ("full-width digits", "\uff11\uff12\uff13 \uff41\uff42\uff43"),
    ("other numbers", "\u00bd \u00b2 \u2167 \u216b \u2460 \u0663\u0664\u0665"),
    ("superscripts", "x\u00b2 + y\u00b2 = z\u00b2"),
    ("punctuation runs", "hello!!! ??? ... --- ~~ ***"),
    ("mixed symbols", "a-b_c/d\\e|f{g}[h](i)<j>@k#l%m^n&o*p+q=r"),
    ("url", "https://example.com/a?b=c&d=1#frag"),
    ("email and tags", "user@example.com #hashtag @mention"),
    ("html entities are not unescaped", "fish &amp; chips &lt;b&gt;"),
    ("special tokens", "<|startoftext|>a photo<|endoftext|>"),
    ("special tokens upper case", "<|STARTOFTEXT|> Upper <|EndOfText|>"),
    ("special token between letters", "x<|endoftext|>y"),
    ("special token inside punctuation run", "!<|endoftext|> ?<|startoftext|>"),
    ("partial special tokens", "<|endoftext <|startof|> <||>"),
    ("accents precomposed", "caf\u00e9 cr\u00e8me br\u00fbl\u00e9e"),
    ("accents decomposed", "cafe\u0301 cre\u0300me"),
    ("accents upper", "NA\u00cfVE FA\u00c7ADE \u00c5NGSTR\u00d6M"),
    ("german sharp s", "Stra\u00dfe STRASSE \u00df \u1e9e"),
    ("turkish dotted i", "\u0130stanbul ISTANBUL \u0131i \u0130"),
    ("greek final sigma", "\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3 \u03a3 \u0391\u03a3. \u0391\u03a3'\u0392 \u0391\u03a3\u0301"),
    ("greek lower", "\u03c3\u03bf\u03c6\u03af\u03b1 \u03c2 \u03ac\u03bb\u03c6\u03b1"),
    ("titlecase letters", "\u01c5 \u01c4 \u01c6 \u1fbc \u1f88"),
    ("cyrillic", "\u041c\u043e\u0441\u043a\u0432\u0430 \u043f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440"),
    ("hebrew", "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd"),
    ("arabic", "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645"),
    ("devanagari with marks", "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e"),
    ("thai", "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35\u0e04\u0e23\u0e31\u0e1a"),
    ("japanese", "\u3053\u3093\u306b\u3061\u306f\u4e16\u754c \u6771\u4eac\u30bf\u30ef\u30fc"),
    ("chinese", "\u4e2d\u6587\u5206\u8bcd\u6d4b\u8bd5"),
    ("korean", "\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8"),
    ("ligatures", "\ufb01sh \ufb00 of\ufb03ce"),
    ("math alphanumerics", "\U0001d58d\U0001d522\U0001d529\U0001d529\U0001d52c \U0001d41b\U0001d428\U0001d425\U0001d41d"),
    ("emoji", "I \u2764\ufe0f \U0001f355 and \U0001f431"),
    ("emoji skin tone", "\U0001f44d\U0001f3fd thumbs \U0001f44b\U0001f3ff"),
    ("emoji zwj family", "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 family"),
    ("emoji rainbow flag", "\U0001f3f3\ufe0f\u200d\U0001f308 flag"),
    ("regional indicators", "\U0001f1e9\U0001f1ea\U0001f1eb\U0001f1f7"),
    ("emoji run", "\U0001f600\U0001f603\U0001f604!"),
    ("long word", "supercalifragilisticexpialidocious" * 10),
    ("repeated letter", "a" * 81),
    ("repeated pair", "ab" * 40),
    ("long real word", "pneumonoultramicroscopicsilicovolcanoconiosis"),
    ("many digits", "31415926535897932384626433832795"),
    ("invalid bytes between letters", b"abc\xff\xfedef"),
    ("truncated sequence at end", b"caf\xc3"),
    ("truncated three-byte sequence", b"\xe2\x82 euro"),
    ("encoded surrogate", b"x\xed\xa0\x80y"),
    ("overlong encoding", b"\xc0\xaf slash \xe0\x80\xaf"),
    ("above U+10FFFF", b"\xf4\x90\x80\x80 max \xf5\x80"),
    ("lone continuation bytes", b"\x80\x80 caf\xc3\xa9 \xbf"),
    ("invalid byte in upper-case word", b"GR\xdcN \xdcBER"),
]


# A reduced vocabulary: the byte symbols, the first COMPACT_MERGES merges and the special tokens.
COMPACT_MERGES = 1000
COMPACT_TEXTS = [
    "a photo of a cat",
    "A Diagram of the QLIP Tokenizer, version 2.0!",
    "the quick brown fox jumps over the lazy dog",
    "caf\u00e9 \u6771\u4eac \U0001f431 <|endoftext|>",
]


def self_test(ref):
    assert ref.encode("a photo of a cat") == [320, 1125, 539, 320, 2368], ref.encode("a photo of a cat")
    assert ref.encode("") == []
    print("self-test passed")


def readable_json(value):
    """One-line JSON that keeps visible characters as they are but escapes the invisible or
    confusable ones (controls, format characters, spaces other than U+0020, combining marks)."""
    out = []
    for ch in json.dumps(value, ensure_ascii=False):
        cat = unicodedata.category(ch)
        if ch != " " and cat[0] in "CZM":
            out.append(json.dumps(ch))  # "\uXXXX" (a surrogate pair above U+FFFF), quotes stripped below
            out[-1] = out[-1][1:-1]
        else:
            out.append(ch)
    return "".join(out)


def write_cases(ref, out):
    cases = []
    for name, text in CASES:
        if isinstance(text, bytes):
            cases.append({"name": name, "hex": text.hex(), "ids": ref.encode_bytes(text)})
        else:
            cases.append({"name": name, "text": text, "ids": ref.encode(text)})
    small = Reference(max_merges=COMPACT_MERGES)
    compact = [{"text": t, "ids": small.encode(t)} for t in COMPACT_TEXTS]
    about = ("Expected CLIP BPE content ids (no start/end tokens) for tests/test_tokenizer.cpp. "
             "Generated by tests/tools/clip_tokenizer_reference.py --write-cases, an independent "
             "Python implementation of the rule in core/include/qlip/tokenizer.h (no ftfy, no HTML "
             "unescaping), run with Python %s (unicodedata %s) on tests/data/clip-bpe. "
             "A case has either 'text' (UTF-8) or 'hex' (raw bytes, possibly invalid UTF-8). "
             "'compact' holds ids computed with only the first max_merges merges."
             % (sys.version.split()[0], unicodedata.unidata_version))
    lines = ["{", f' "about": {readable_json(about)},',
             ' "vocab": "clip-bpe/vocab.json",', ' "merges": "clip-bpe/merges.txt",',
             ' "cases": [', ",\n".join("  " + readable_json(c) for c in cases), " ],",
             ' "compact": {"max_merges": %d, "cases": [' % COMPACT_MERGES,
             ",\n".join("  " + readable_json(c) for c in compact), " ]}", "}", ""]
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines))
    print(f"wrote {len(cases)} cases to {out}")


def main():
    args = sys.argv[1:]
    ref = Reference()
    if args == ["--self-test"]:
        self_test(ref)
    elif len(args) == 2 and args[0] == "--write-cases":
        self_test(ref)
        write_cases(ref, args[1])
    elif args and not args[0].startswith("--"):
        for text in args:
            print(ref.encode(text))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
