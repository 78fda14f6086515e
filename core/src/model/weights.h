#pragma once
// Schema-first weight loading: the expected tensors are the model's named_parameters(); every
// tensor of the file is checked for name, shape and dtype, and all problems are reported at once.
#include "model/qlip_model.h"
#include "qlip/safetensors.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace qlip::model {

struct LoadReport {
    std::vector<std::string> warnings; // e.g. a missing LayerNorm bias left at 0, as HF would
    int loaded = 0;
    int ropeTablesChecked = 0;
    int mapped = 0;        // parameters that are views of the memory-mapped file (no copy)
    uint64_t mappedBytes = 0;
};

class MappedWeights;

struct LoadOptions {
    // false: copy into the model's existing parameters (converting to their dtype).
    // true: give each parameter new storage of `dtype` (the model was built under
    // DeferredParameters): a view of `mapping` where the file already has that dtype and the
    // bytes are aligned, else a converted copy.
    bool replaceStorage = false;
    torch::ScalarType dtype = torch::kFloat32;
    std::shared_ptr<MappedWeights> mapping; // optional, with replaceStorage
};

// Loads the file's tensors into `model` (upcast/downcast to each parameter's dtype).
// Throws qlip::Error listing every missing, unexpected, misshaped or wrongly typed tensor.
// `progress` (optional) hears the fraction of bytes copied and may return false to stop: then
// qlip::Cancelled is thrown.
LoadReport loadWeights(QLIPModelImpl& model, const SafetensorsFile& file,
                       const std::function<bool(double)>& progress = {}, const LoadOptions& options = {});

// The key/shape schema of a model built from `config`, as "key<TAB>[d0, d1]" lines sorted by key.
std::vector<std::string> parameterSchema(QLIPModelImpl& model);

// Builds a torch tensor (a copy, CPU) from one safetensors entry.
torch::Tensor tensorFromFile(const SafetensorsFile& file, const TensorInfo& info);

} // namespace qlip::model
