#include "qlip/tokenizer.h"

#include "fileio.h"
#include "qlip/error.h"
#include "qlip/json.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <iterator>
#include <mutex>
#include <queue>
#include <unordered_map>

// What this tokenizer does and deliberately does not do (compared with OpenAI's simple_tokenizer
// and Hugging Face's slow CLIPTokenizer):
//  * no ftfy repair and no HTML unescaping: the text is used as typed, so "&amp;" stays 5 chars;
//  * whitespace is Unicode White_Space (the `regex` module's \s), lower-casing is Python's
//    str.lower() (full mappings, e.g. U+0130 -> "i" + U+0307, and the Greek final-sigma rule);
//    both come from generated tables;
//  * "\p{L}" and "\p{N}" are the Unicode general categories L* and N* (Unicode of the generator);
//  * an invalid UTF-8 byte is one character of its own that is neither space, letter nor digit,
//    and is turned back into the same byte before BPE (like Python's "surrogateescape").

namespace qlip {
namespace {

// ---- Unicode tables (tools/gen_unicode_tables.py) ----------------------------------------------

constexpr uint8_t kLetter = 1, kNumber = 2, kSpace = 4, kCased = 8, kCaseIgnorable = 16, kStripped = 32;
struct CharClassRange {
    char32_t first, last;
    uint8_t flags;
};
struct LowerRun {
    char32_t first, last;
    uint8_t step;
    int32_t delta;
};
struct LowerSpecial {
    char32_t cp;
    char32_t out[3];
};
#include "unicode_tables.inc"

// Invalid UTF-8 bytes are carried as U+DC80..U+DCFF, code points valid UTF-8 can never produce.
constexpr char32_t kEscapeBase = 0xDC00;

// The last table entry whose `first` is <= c, or nullptr.
template <class T, size_t N>
const T* rangeFor(const T (&table)[N], char32_t c) {
    auto it = std::upper_bound(std::begin(table), std::end(table), c, [](char32_t v, const T& r) { return v < r.first; });
    return it == std::begin(table) ? nullptr : &*std::prev(it);
}

uint8_t charFlags(char32_t c) {
    const CharClassRange* r = rangeFor(kCharClasses, c);
    return r && c <= r->last ? r->flags : 0;
}

// Python's Final_Sigma condition: a cased letter before (skipping case-ignorable characters) and
// no cased letter after.
bool isFinalSigma(const std::u32string& s, size_t i) {
    auto cased = [](char32_t c) { return (charFlags(c) & kCased) != 0; };
    auto ignorable = [](char32_t c) { return (charFlags(c) & kCaseIgnorable) != 0; };
    size_t j = i;
    while (j > 0 && ignorable(s[j - 1])) --j;
    if (j == 0 || !cased(s[j - 1])) return false;
    j = i + 1;
    while (j < s.size() && ignorable(s[j])) ++j;
    return j == s.size() || !cased(s[j]);
}

void appendLower(const std::u32string& s, size_t i, std::u32string& out) {
    char32_t c = s[i];
    if (c == 0x3A3) { // GREEK CAPITAL LETTER SIGMA
        out += isFinalSigma(s, i) ? U'\u03C2' : U'\u03C3';
        return;
    }
    for (const LowerSpecial& sp : kLowerSpecial) {
        if (sp.cp == c) {
            for (char32_t o : sp.out)
                if (o) out += o;
            return;
        }
    }
    const LowerRun* r = rangeFor(kLowerRuns, c);
    if (r && c <= r->last && (c - r->first) % r->step == 0) c = char32_t(int32_t(c) + r->delta);
    out += c;
}

// ---- UTF-8 ------------------------------------------------------------------------------------

// Well-formed sequences per the Unicode standard (no overlongs, surrogates or values past
// U+10FFFF); every byte that does not start one becomes kEscapeBase + byte.
std::u32string decodeUtf8(std::string_view s) {
    std::u32string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        const auto b = [&](size_t k) { return uint8_t(s[k]); };
        uint8_t b0 = b(i);
        int len = 0;
        uint8_t lo = 0x80, hi = 0xBF; // allowed range of the second byte
        if (b0 < 0x80) len = 1;
        else if (b0 >= 0xC2 && b0 <= 0xDF) len = 2;
        else if (b0 >= 0xE0 && b0 <= 0xEF) { len = 3; if (b0 == 0xE0) lo = 0xA0; if (b0 == 0xED) hi = 0x9F; }
        else if (b0 >= 0xF0 && b0 <= 0xF4) { len = 4; if (b0 == 0xF0) lo = 0x90; if (b0 == 0xF4) hi = 0x8F; }
        bool ok = len > 0 && i + len <= s.size();
        for (int k = 1; ok && k < len; ++k) ok = k == 1 ? (b(i + 1) >= lo && b(i + 1) <= hi) : (b(i + k) & 0xC0) == 0x80;
        if (!ok) {
            out += kEscapeBase + b0;
            ++i;
            continue;
        }
        char32_t c = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
        for (int k = 1; k < len; ++k) c = (c << 6) | (b(i + k) & 0x3F);
        out += c;
        i += len;
    }
    return out;
}

void appendUtf8(char32_t c, std::string& out) {
    if (c >= kEscapeBase + 0x80 && c <= kEscapeBase + 0xFF) out += char(c - kEscapeBase);
    else if (c < 0x80) out += char(c);
    else if (c < 0x800) { out += char(0xC0 | (c >> 6)); out += char(0x80 | (c & 0x3F)); }
    else if (c < 0x10000) {
        out += char(0xE0 | (c >> 12)); out += char(0x80 | ((c >> 6) & 0x3F)); out += char(0x80 | (c & 0x3F));
    }
    else {
        out += char(0xF0 | (c >> 18)); out += char(0x80 | ((c >> 12) & 0x3F));
        out += char(0x80 | ((c >> 6) & 0x3F)); out += char(0x80 | (c & 0x3F));
    }
}

// Step 1 of the spec: collapse whitespace runs to one space, strip, lower-case. CLIP matches
// whitespace with the Python `regex` module (\s = White_Space) but strips with str.strip(), which
// also removes U+001C..U+001F; inside the text those four stay and tokenize like punctuation.
std::u32string cleanText(std::string_view text) {
    std::u32string collapsed;
    for (char32_t c : decodeUtf8(text)) {
        if (!(charFlags(c) & kSpace)) collapsed += c;
        else if (collapsed.empty() || collapsed.back() != U' ') collapsed += U' ';
    }
    auto stripped = [](char32_t c) { return (charFlags(c) & kStripped) != 0; };
    const auto first = std::find_if_not(collapsed.begin(), collapsed.end(), stripped);
    const auto last = std::find_if_not(collapsed.rbegin(), std::make_reverse_iterator(first), stripped).base();
    const std::u32string trimmed(first, last);
    std::u32string lower;
    lower.reserve(trimmed.size());
    for (size_t i = 0; i < trimmed.size(); ++i) appendLower(trimmed, i, lower);
    return lower;
}

// The GPT-2 byte -> symbol table: bytes that print as Latin-1 stand for themselves, the 68 others
// (controls, space, DEL, NBSP, soft hyphen) take U+0100.. in byte order.
std::array<char32_t, 256> byteToSymbolChar() {
    std::array<char32_t, 256> t{};
    char32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
        bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        t[b] = printable ? char32_t(b) : next++;
    }
    return t;
}

constexpr std::string_view kEndOfWord = "</w>";
constexpr std::u32string_view kSpecials[] = {U"<|startoftext|>", U"<|endoftext|>"};
constexpr size_t kCacheEntries = 8192;  // the cache is emptied when it reaches this size
constexpr size_t kCacheMaxWordBytes = 64; // longer pieces are rare and not worth keeping
constexpr double kMaxId = 1 << 24;         // bounds the id -> token table

} // namespace

struct ClipTokenizer::Impl {
    // BPE works on interned symbols (every string seen in merges.txt plus the 512 byte symbols);
    // each has the vocabulary id it is emitted as, or -1 when it must be dropped.
    std::vector<int32_t> symbolId;
    std::array<int32_t, 256> byteSymbol{}, byteSymbolEnd{}; // "x" and "x</w>" for every byte
    struct Merge {
        int32_t rank, result;
    };
    std::unordered_map<uint64_t, Merge> merges; // (left << 32 | right) -> merge
    std::vector<std::string> idToken;           // for decode; "" where the id is unused
    std::unordered_map<char32_t, uint8_t> symbolCharToByte;
    int32_t bos = -1, eos = -1;
    size_t vocabEntries = 0, mergeLines = 0;

    mutable std::mutex cacheMutex;
    mutable std::unordered_map<std::string, std::vector<int32_t>> cache;

    void bpe(std::string_view piece, std::vector<int32_t>& ids) const;
    void bpeCached(std::string_view piece, std::vector<int32_t>& ids) const;
};

// Textbook BPE repeatedly merges every occurrence of the best-ranked adjacent pair, left to right.
// This does the same in O(n log n) with a doubly linked list of symbols and a heap of candidate
// pairs ordered by (rank, position): all candidates of one rank are merged in one sweep, and the
// pairs that sweep creates enter the heap only afterwards (they may rank better, but textbook BPE
// would not see them before finishing the sweep either).
void ClipTokenizer::Impl::bpe(std::string_view piece, std::vector<int32_t>& ids) const {
    const int32_t n = int32_t(piece.size());
    struct Node {
        int32_t symbol, prev, next; // symbol -1: merged into its left neighbour
    };
    std::vector<Node> nodes(static_cast<size_t>(n));
    for (int32_t i = 0; i < n; ++i) {
        uint8_t b = uint8_t(piece[size_t(i)]);
        nodes[size_t(i)] = {i + 1 == n ? byteSymbolEnd[b] : byteSymbol[b], i - 1, i + 1 == n ? -1 : i + 1};
    }
    struct Candidate {
        int32_t rank, pos, left, right;
        bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
    };
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
    auto consider = [&](int32_t pos) {
        const Node& l = nodes[size_t(pos)];
        if (l.symbol < 0 || l.next < 0) return;
        int32_t r = nodes[size_t(l.next)].symbol;
        auto it = merges.find(uint64_t(uint32_t(l.symbol)) << 32 | uint32_t(r));
        if (it != merges.end()) heap.push({it->second.rank, pos, l.symbol, r});
    };
    for (int32_t i = 0; i + 1 < n; ++i) consider(i);

    std::vector<int32_t> touched;
    while (!heap.empty()) {
        const int32_t rank = heap.top().rank;
        while (!heap.empty() && heap.top().rank == rank) {
            Candidate c = heap.top();
            heap.pop();
            Node& l = nodes[size_t(c.pos)];
            // Stale when either side has changed since the candidate was pushed (symbols only grow,
            // so equal symbols mean the same pair).
            if (l.symbol != c.left || l.next < 0 || nodes[size_t(l.next)].symbol != c.right) continue;
            Node& r = nodes[size_t(l.next)];
            l.symbol = merges.at(uint64_t(uint32_t(c.left)) << 32 | uint32_t(c.right)).result;
            l.next = r.next;
            if (r.next >= 0) nodes[size_t(r.next)].prev = c.pos;
            r.symbol = -1;
            touched.push_back(c.pos);
            if (l.prev >= 0) touched.push_back(l.prev);
        }
        for (int32_t pos : touched) consider(pos);
        touched.clear();
    }
    for (int32_t i = n > 0 ? 0 : -1; i >= 0; i = nodes[size_t(i)].next)
        if (int32_t id = symbolId[size_t(nodes[size_t(i)].symbol)]; id >= 0) ids.push_back(id);
}

void ClipTokenizer::Impl::bpeCached(std::string_view piece, std::vector<int32_t>& ids) const {
    if (piece.size() > kCacheMaxWordBytes) return bpe(piece, ids);
    std::string key(piece);
    {
        std::lock_guard lock(cacheMutex);
        if (auto it = cache.find(key); it != cache.end()) {
            ids.insert(ids.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    std::vector<int32_t> word;
    bpe(piece, word);
    ids.insert(ids.end(), word.begin(), word.end());
    std::lock_guard lock(cacheMutex);
    if (cache.size() >= kCacheEntries) cache.clear();
    cache.emplace(std::move(key), std::move(word));
}

ClipTokenizer::ClipTokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClipTokenizer::ClipTokenizer(ClipTokenizer&&) noexcept = default;
ClipTokenizer& ClipTokenizer::operator=(ClipTokenizer&&) noexcept = default;
ClipTokenizer::~ClipTokenizer() = default;

ClipTokenizer ClipTokenizer::fromFiles(const std::string& vocabJson, const std::string& mergesTxt, int maxMerges) {
    auto impl = std::make_unique<Impl>();
    const std::string vocabWhat = "vocabulary '" + vocabJson + "'";
    const std::string mergesWhat = "merges file '" + mergesTxt + "'";

    std::unordered_map<std::string, int32_t> vocab;
    {
        const Json doc = Json::parse(readTextFile(vocabJson, "vocabulary"), vocabWhat);
        const Json::Object& entries = doc.asObject(vocabWhat);
        vocab.reserve(entries.size());
        // Ids index a table of tokens, so they are bounded by the number of entries (with room for
        // the gaps of a reduced vocabulary), not only by kMaxId: one entry with id 16,777,215 must
        // not cost half a gigabyte.
        const double idLimit = std::min<double>(kMaxId, std::max<double>(2.0 * double(entries.size()), 1 << 17));
        for (const auto& [token, value] : entries) {
            // The message is built only on failure: this loop runs ~50,000 times.
            const double number = value.isNumber() ? value.asNumber() : -1.0;
            if (!(number >= 0 && number < idLimit && number == std::floor(number)))
                throw Error(vocabWhat + ": the id of '" + token + "' is not an integer in 0.." + std::to_string(int64_t(idLimit) - 1) +
                            " (ids are bounded by the number of entries, " + std::to_string(entries.size()) + ")");
            const auto id = int32_t(number);
            if (size_t(id) >= impl->idToken.size()) impl->idToken.resize(size_t(id) + 1);
            if (!impl->idToken[size_t(id)].empty() || token.empty())
                throw Error(vocabWhat + ": id " + std::to_string(id) + " is used twice or has an empty token");
            impl->idToken[size_t(id)] = token;
            vocab.emplace(token, id);
        }
    }
    impl->vocabEntries = vocab.size();
    auto special = [&](const char* token) {
        auto it = vocab.find(token);
        if (it == vocab.end()) throw Error(vocabWhat + " has no '" + token + "' token");
        return it->second;
    };
    impl->bos = special("<|startoftext|>");
    impl->eos = special("<|endoftext|>");

    std::unordered_map<std::string, int32_t> symbols;
    symbols.reserve(vocab.size());
    impl->merges.reserve(vocab.size());
    auto intern = [&](const std::string& s) {
        auto [it, added] = symbols.emplace(s, int32_t(impl->symbolId.size()));
        if (added) {
            auto v = vocab.find(s);
            impl->symbolId.push_back(v == vocab.end() ? -1 : v->second);
        }
        return it->second;
    };
    const auto symbolChars = byteToSymbolChar();
    for (int b = 0; b < 256; ++b) {
        std::string s;
        appendUtf8(symbolChars[size_t(b)], s);
        impl->symbolCharToByte[symbolChars[size_t(b)]] = uint8_t(b);
        impl->byteSymbol[size_t(b)] = intern(s);
        impl->byteSymbolEnd[size_t(b)] = intern(s + std::string(kEndOfWord));
        // A reduced vocabulary may lack "x</w>": emit "x" instead; with neither, the byte is dropped.
        int32_t& endId = impl->symbolId[size_t(impl->byteSymbolEnd[size_t(b)])];
        if (endId < 0) endId = impl->symbolId[size_t(impl->byteSymbol[size_t(b)])];
    }

    // One merge "left right" per line. The first line is skipped when it is the "#version" header
    // (also OpenAI's bpe_simple_vocab_16e6.txt, whose header line carries a file-name prefix).
    const std::string text = readTextFile(mergesTxt, "merges file");
    size_t pos = 0;
    for (int lineNo = 1; pos < text.size() && (maxMerges < 0 || impl->mergeLines < size_t(maxMerges)); ++lineNo) {
        size_t end = std::min(text.find('\n', pos), text.size());
        std::string_view line(text.data() + pos, end - pos);
        pos = end + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (lineNo == 1 && line.find("#version") != std::string_view::npos) continue;
        if (line.find_first_not_of(" \t") == std::string_view::npos) continue; // blank line
        std::vector<std::string> fields;
        for (size_t a = line.find_first_not_of(" \t"); a != std::string_view::npos; a = line.find_first_not_of(" \t", a)) {
            size_t b = std::min(line.find_first_of(" \t", a), line.size());
            fields.emplace_back(line.substr(a, b - a));
            a = b;
        }
        auto fail = [&](const std::string& why) {
            throw Error(mergesWhat + " line " + std::to_string(lineNo) + ": " + why);
        };
        if (fields.size() != 2) fail("expected two symbols separated by a space, found '" + std::string(line) + "'");
        const std::string joined = fields[0] + fields[1];
        if (!vocab.count(joined))
            fail("the merge '" + std::string(line) + "' gives '" + joined + "', which is not in " + vocabWhat);
        int32_t left = intern(fields[0]), right = intern(fields[1]), result = intern(joined);
        // Like a Python dict built from the lines, a repeated pair keeps its last rank.
        impl->merges[uint64_t(uint32_t(left)) << 32 | uint32_t(right)] = {int32_t(impl->mergeLines), result};
        ++impl->mergeLines;
    }
    return ClipTokenizer(std::move(impl));
}

std::vector<int32_t> ClipTokenizer::encode(std::string_view text) const {
    const std::u32string s = cleanText(text);
    std::vector<int32_t> ids;
    std::string piece;
    auto flagsAt = [&](size_t i) { return charFlags(s[i]); };
    size_t i = 0;
    while (i < s.size()) {
        const uint8_t f = flagsAt(i);
        if (f & kSpace) {
            ++i;
            continue;
        }
        // Alternatives in the order of the CLIP pattern; the first that matches at i wins.
        const std::u32string_view rest = std::u32string_view(s).substr(i);
        if (rest.starts_with(kSpecials[0]) || rest.starts_with(kSpecials[1])) {
            bool start = rest.starts_with(kSpecials[0]);
            ids.push_back(start ? impl_->bos : impl_->eos);
            i += kSpecials[start ? 0 : 1].size();
            continue;
        }
        size_t end = i + 1;
        if (rest[0] == U'\'' && rest.size() >= 2 && std::u32string_view(U"stmd").find(rest[1]) != std::u32string_view::npos) {
            end = i + 2;
        } else if (rest[0] == U'\'' && (rest.starts_with(U"'re") || rest.starts_with(U"'ve") || rest.starts_with(U"'ll"))) {
            end = i + 3;
        } else if (f & kLetter) {
            while (end < s.size() && (flagsAt(end) & kLetter)) ++end;
        } else if (!(f & kNumber)) { // a digit is a piece of its own
            while (end < s.size() && !(flagsAt(end) & (kSpace | kLetter | kNumber))) ++end;
        }
        piece.clear();
        for (size_t k = i; k < end; ++k) appendUtf8(s[k], piece);
        impl_->bpeCached(piece, ids);
        i = end;
    }
    return ids;
}

ClipTokenizer::Batch ClipTokenizer::encodeBatch(const std::vector<std::string>& texts, int contextLength, Padding padding) const {
    if (contextLength < 2)
        throw Error("context length " + std::to_string(contextLength) + " leaves no room for the start and end tokens");
    Batch batch;
    batch.rows = int(texts.size());
    std::vector<std::vector<int32_t>> rows;
    rows.reserve(texts.size());
    batch.length = padding == Padding::MaxLength ? contextLength : 0;
    for (const std::string& text : texts) {
        std::vector<int32_t> ids = encode(text);
        const bool cut = ids.size() > size_t(contextLength - 2);
        if (cut) ids.resize(size_t(contextLength - 2));
        batch.truncated.push_back(cut);
        batch.length = std::max(batch.length, int(ids.size()) + 2);
        rows.push_back(std::move(ids));
    }
    batch.ids.assign(size_t(batch.rows) * size_t(batch.length), padId());
    for (size_t r = 0; r < rows.size(); ++r) {
        int64_t* row = batch.ids.data() + r * size_t(batch.length);
        row[0] = impl_->bos;
        std::copy(rows[r].begin(), rows[r].end(), row + 1);
        row[rows[r].size() + 1] = impl_->eos;
    }
    return batch;
}

std::string ClipTokenizer::decode(const std::vector<int32_t>& ids) const {
    std::string bytes;
    for (int32_t id : ids) {
        if (id < 0 || size_t(id) >= impl_->idToken.size() || impl_->idToken[size_t(id)].empty())
            throw Error("token id " + std::to_string(id) + " is not in the vocabulary");
        std::string_view token = impl_->idToken[size_t(id)];
        const bool endOfWord = token.ends_with(kEndOfWord);
        if (endOfWord) token.remove_suffix(kEndOfWord.size());
        for (char32_t c : decodeUtf8(token)) {
            auto it = impl_->symbolCharToByte.find(c);
            if (it != impl_->symbolCharToByte.end()) bytes += char(it->second);
            else appendUtf8(c, bytes);
        }
        if (endOfWord) bytes += ' ';
    }
    // Tokens may split a character: show broken sequences as U+FFFD.
    std::string out;
    for (char32_t c : decodeUtf8(bytes)) appendUtf8(c >= kEscapeBase + 0x80 && c <= kEscapeBase + 0xFF ? U'\uFFFD' : c, out);
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

int32_t ClipTokenizer::bosId() const { return impl_->bos; }
int32_t ClipTokenizer::eosId() const { return impl_->eos; }
int32_t ClipTokenizer::padId() const { return impl_->eos; }
size_t ClipTokenizer::vocabSize() const { return impl_->vocabEntries; }
size_t ClipTokenizer::mergeCount() const { return impl_->mergeLines; }

} // namespace qlip
