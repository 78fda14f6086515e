// CLIP BPE tokenizer. First byte even: arbitrary text (the rest of the input) through the real
// CLIP vocabulary (tests/data/clip-bpe), encoded, batch-encoded and decoded. First byte odd: the
// rest is "vocab.json NUL merges.txt NUL text": hostile vocabularies and merge lists, then text.
#include "fuzz_common.h"

#include "qlip/tokenizer.h"

#include <memory>

namespace {

void exercise(const qlip::ClipTokenizer& tok, std::string_view text) {
    const auto ids = tok.encode(text);
    (void)tok.decode(ids);
    const auto batch = tok.encodeBatch({std::string(text), "a photo of a cat"}, 77, qlip::ClipTokenizer::Padding::MaxLength);
    if (batch.ids.size() != size_t(batch.rows) * size_t(batch.length))
        fuzz::fail("batch size disagrees with rows x length");
}

std::unique_ptr<qlip::ClipTokenizer> clip;

} // namespace

// Loading the 49,408-entry CLIP vocabulary takes seconds under the sanitizers: done once here,
// outside libFuzzer's per-input timeout (the first campaign reported it as a 12 s "timeout").
extern "C" int LLVMFuzzerInitialize(int*, char***) {
    clip = std::make_unique<qlip::ClipTokenizer>(
        qlip::ClipTokenizer::fromFiles(QLIP_FUZZ_DATA "/clip-bpe/vocab.json", QLIP_FUZZ_DATA "/clip-bpe/merges.txt"));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    try {
        if (data[0] % 2 == 0) {
            exercise(*clip, std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
            return 0;
        }
        auto [vocab, rest] = fuzz::splitAtNul(data + 1, size - 1);
        auto [merges, text] = fuzz::splitAtNul(reinterpret_cast<const uint8_t*>(rest.data()), rest.size());
        const std::string vocabPath = fuzz::writeTemp(reinterpret_cast<const uint8_t*>(vocab.data()), vocab.size(), "-vocab.json");
        const std::string mergesPath = fuzz::writeTemp(reinterpret_cast<const uint8_t*>(merges.data()), merges.size(), "-merges.txt");
        const auto tok = qlip::ClipTokenizer::fromFiles(vocabPath, mergesPath);
        exercise(tok, text);
    } catch (const qlip::Error&) {
    }
    return 0;
}
