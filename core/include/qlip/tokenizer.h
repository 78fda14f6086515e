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
    // `maxMerges` < 0 uses every merge line (the stock file has 48,894 after its header).
    static ClipTokenizer fromFiles(const std::string& vocabJson, const std::string& mergesTxt, int maxMerges = -1);

    ClipTokenizer(ClipTokenizer&&) noexcept;
    ClipTokenizer& operator=(ClipTokenizer&&) noexcept;
    ~ClipTokenizer();

    // Content ids of one text (no start/end tokens): whitespace collapsed, lower-cased, split with
    // the CLIP pre-tokenisation rule, bytes mapped to unicode, BPE merged. Invalid UTF-8 bytes are
    // kept as bytes (byte-level fallback), never dropped and never an error.
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
    Batch encodeBatch(const std::vector<std::string>& texts, int contextLength, Padding padding = Padding::Longest) const;

    std::string decode(const std::vector<int32_t>& ids) const; // for display; "</w>" becomes a space

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
