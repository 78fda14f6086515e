#pragma once
// CLIP byte-level BPE tokenizer (the "slow" CLIPTokenizer / OpenAI simple_tokenizer without ftfy),
// read from a Hugging Face `vocab.json` + `merges.txt` pair. Qt-free and torch-free.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace qlip {

class ClipTokenizer {
public:
    // Throws qlip::Error naming the file and the problem (missing, malformed JSON, bad merge line,
    // merge producing a token absent from the vocabulary, missing special tokens).
    // `maxMerges` < 0 uses every merge line (the stock file has 48,894 after its header); the
    // first line is skipped when it holds "#version", blank lines are ignored.
    // A reduced vocabulary (e.g. the byte symbols, the first K merges and the two special tokens,
    // with their original ids) works with maxMerges = K: merge results must be in it; a final
    // single-byte symbol "x</w>" missing from it is emitted as "x", and dropped if "x" is missing
    // too (never mapped to <|endoftext|>, which would move the text tower's argmax pooling).
    static ClipTokenizer fromFiles(const std::string& vocabJson, const std::string& mergesTxt, int maxMerges = -1);

    ClipTokenizer(ClipTokenizer&&) noexcept;
    ClipTokenizer& operator=(ClipTokenizer&&) noexcept;
    ~ClipTokenizer();

    // Content ids of one text (no start/end tokens): whitespace collapsed, lower-cased, split with
    // the CLIP pre-tokenisation rule, bytes mapped to unicode, BPE merged. Invalid UTF-8 bytes are
    // kept as bytes (byte-level fallback), never dropped and never an error. No ftfy and no HTML
    // unescaping. The special-token strings typed in the text give their ids.
    // encode, encodeBatch and decode may be called from several threads at once.
    std::vector<int32_t> encode(std::string_view text) const;

    struct Batch {
        int rows = 0;
        int length = 0;                 // columns of `ids`
        std::vector<int64_t> ids;       // [rows, length], row-major
        std::vector<bool> truncated;    // per row: content was cut to fit the context
    };
    enum class Padding { Longest, MaxLength };
    // [BOS] + ids + [EOS], content truncated so that the total is <= contextLength (EOS kept),
    // padded with padId() to the longest row or to contextLength. An empty text gives [BOS, EOS].
    // Throws when contextLength < 2.
    Batch encodeBatch(const std::vector<std::string>& texts, int contextLength, Padding padding = Padding::Longest) const;

    // For display: "</w>" becomes a space (trailing spaces trimmed), bytes that do not form UTF-8
    // become U+FFFD, special tokens appear as their text. Throws for an id not in the vocabulary.
    std::string decode(const std::vector<int32_t>& ids) const;

    int32_t bosId() const;
    int32_t eosId() const;
    int32_t padId() const; // = eosId() for CLIP
    size_t vocabSize() const;
    size_t mergeCount() const;

private:
    struct Impl;
    explicit ClipTokenizer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace qlip
