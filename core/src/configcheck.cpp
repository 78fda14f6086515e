#include "configcheck.h"

#include "qlip/error.h"

#include <cstring>
#include <map>
#include <set>

namespace qlip {
namespace {

// Distinct N in "<prefix>N.<rest>" among the tensor names.
size_t layersIn(const std::vector<TensorInfo>& tensors, const std::string& prefix) {
    std::set<std::string> seen;
    for (const auto& t : tensors) {
        if (t.name.compare(0, prefix.size(), prefix) != 0) continue;
        size_t end = prefix.size();
        while (end < t.name.size() && t.name[end] >= '0' && t.name[end] <= '9') ++end;
        if (end > prefix.size() && end < t.name.size() && t.name[end] == '.') seen.insert(t.name.substr(prefix.size(), end - prefix.size()));
    }
    return seen.size();
}

std::string shapeText(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

double towerParameters(const TowerConfig& t) {
    const double h = t.hiddenSize, f = t.intermediateSize;
    return double(t.numLayers) * (4 * h * h + (t.swiglu ? 3 : 2) * h * f);
}

} // namespace

double estimatedParameters(const QlipConfig& c) {
    const double patches = double(c.vision.numPatches());
    double n = towerParameters(c.vision) + towerParameters(c.decoder) + towerParameters(c.text);
    n += double(c.text.vocabSize) * c.text.hiddenSize + double(c.text.maxPositions) * c.text.hiddenSize;
    n += (patches + 1) * c.vision.hiddenSize + 3.0 * c.vision.patchSize * c.vision.patchSize * c.vision.hiddenSize;
    n += patches * c.decoder.hiddenSize;
    n += double(c.projectionDim) * (c.vision.hiddenSize + c.text.hiddenSize);
    return n;
}

void checkConfigMatchesWeights(const QlipConfig& c, const std::vector<TensorInfo>& tensors, const std::string& weightsPath) {
    std::vector<std::string> problems;
    struct Tower { const char* prefix; const char* key; int layers; };
    for (const Tower& t : {Tower{"vision_model.encoder.layers.", "vision_config", c.vision.numLayers},
                           Tower{"vision_decoder.encoder.layers.", "decoder_config", c.decoder.numLayers},
                           Tower{"text_model.encoder.layers.", "text_config", c.text.numLayers}}) {
        const size_t found = layersIn(tensors, t.prefix);
        if (found != size_t(t.layers))
            problems.push_back(std::string(t.key) + ".num_hidden_layers is " + std::to_string(t.layers) + ", but the file holds " +
                               std::to_string(found) + " layers under " + t.prefix + "*");
    }
    const int64_t patches = c.vision.numPatches();
    const std::map<std::string, std::vector<int64_t>> sizeDefining = {
        {"text_model.embeddings.token_embedding.weight", {c.text.vocabSize, c.text.hiddenSize}},
        {"text_model.embeddings.position_embedding.weight", {c.text.maxPositions, c.text.hiddenSize}},
        {"vision_model.embeddings.patch_embedding.weight", {c.vision.hiddenSize, 3, c.vision.patchSize, c.vision.patchSize}},
        {"vision_model.embeddings.position_embedding.weight", {patches + 1, c.vision.hiddenSize}},
        {"vision_decoder.position_embeddings", {1, patches, c.decoder.hiddenSize}},
    };
    double fileElements = 0;
    for (const auto& t : tensors) {
        if (t.name.find(".rope.") == std::string::npos) fileElements += double(t.end - t.begin) / double(dtypeSize(t.dtype));
        auto it = sizeDefining.find(t.name);
        if (it != sizeDefining.end() && it->second != t.shape)
            problems.push_back(t.name + " is " + shapeText(t.shape) + " in the file, but config.json implies " + shapeText(it->second));
    }
    // The estimate counts only the large matrices, so a matching file always holds more; a
    // generous margin leaves room for a few missing tensors, which the loader reports by name.
    const double expected = estimatedParameters(c);
    if (problems.empty() && expected > fileElements * 1.25 + 65536)
        problems.push_back("config.json describes at least " + std::to_string(int64_t(expected)) + " parameters (" +
                           std::to_string(int64_t(expected * 4 / 1e6)) + " MB as float32), but the file holds only " +
                           std::to_string(int64_t(fileElements)) + " values");
    if (problems.empty()) return;
    std::string msg = "'" + weightsPath + "' does not match the model described by config.json (checked before building the model; " +
                      std::to_string(problems.size()) + " problem" + (problems.size() > 1 ? "s" : "") + "):";
    for (const auto& p : problems) msg += "\n  - " + p;
    throw Error(msg);
}

namespace {

// An IEEE value is NaN or infinite exactly when its exponent bits are all ones.
template <class Bits>
uint64_t countAllOnesExponent(const uint8_t* p, uint64_t bytes, Bits mask) {
    uint64_t n = 0;
    for (uint64_t i = 0; i + sizeof(Bits) <= bytes; i += sizeof(Bits)) {
        Bits v;
        std::memcpy(&v, p + i, sizeof v);
        n += (v & mask) == mask;
    }
    return n;
}

uint64_t nonFiniteValues(const SafetensorsFile& file, const TensorInfo& t) {
    const uint8_t* p = file.data(t);
    const uint64_t bytes = t.end - t.begin;
    switch (t.dtype) {
    case DType::F16: return countAllOnesExponent<uint16_t>(p, bytes, 0x7C00);
    case DType::BF16: return countAllOnesExponent<uint16_t>(p, bytes, 0x7F80);
    case DType::F32: return countAllOnesExponent<uint32_t>(p, bytes, 0x7F800000u);
    case DType::F64: return countAllOnesExponent<uint64_t>(p, bytes, 0x7FF0000000000000ull);
    case DType::I64: return 0;
    }
    return 0;
}

} // namespace

NonFiniteWeights findNonFiniteWeights(const SafetensorsFile& file) {
    NonFiniteWeights r;
    for (const auto& t : file.tensors()) {
        const uint64_t n = nonFiniteValues(file, t);
        if (!n) continue;
        if (!r.tensors) r.first = t.name;
        ++r.tensors;
        r.values += n;
    }
    return r;
}

std::string describe(const NonFiniteWeights& n) {
    return std::to_string(n.values) + " NaN/infinite value" + (n.values > 1 ? "s" : "") + " in " + std::to_string(n.tensors) +
           " tensor" + (n.tensors > 1 ? "s" : "") + " (first: " + n.first + ")";
}

} // namespace qlip
