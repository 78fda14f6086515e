#pragma once
// config.json against the safetensors header, before any model is built: a hostile or mistaken
// config (a billion layers, a vocabulary of millions) must be refused from the header alone, in
// bounded time and memory, not after allocating the model it describes.
#include "qlip/config.h"
#include "qlip/safetensors.h"

#include <string>
#include <vector>

namespace qlip {

// Throws qlip::Error naming `weightsPath` when the layer counts or the size-defining tensors
// (embeddings, patch embedding, positions) disagree with `config`, or when the parameters the
// config implies clearly exceed what the file holds.
void checkConfigMatchesWeights(const QlipConfig& config, const std::vector<TensorInfo>& tensors, const std::string& weightsPath);

// A lower bound of the number of learned parameters `config` describes (the large matrices only).
double estimatedParameters(const QlipConfig& config);

// NaN and infinite values in the floating-point tensors of a weights file (read from the mapping,
// no allocation): a model with such weights computes NaN, which the engine refuses to pass on.
struct NonFiniteWeights {
    size_t tensors = 0;      // tensors holding at least one
    uint64_t values = 0;     // in all
    std::string first;       // the first such tensor, in file order
};
NonFiniteWeights findNonFiniteWeights(const SafetensorsFile& file);
std::string describe(const NonFiniteWeights& n); // "3 NaN/infinite values in 1 tensor (first: ...)"

} // namespace qlip
