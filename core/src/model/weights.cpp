#include "model/weights.h"

#include "model/mapped_weights.h"
#include "qlip/error.h"

#include <algorithm>
#include <cstring>
#include <map>

namespace qlip::model {
namespace {

torch::ScalarType scalarType(DType t) {
    switch (t) {
    case DType::F16: return torch::kFloat16;
    case DType::BF16: return torch::kBFloat16;
    case DType::F32: return torch::kFloat32;
    case DType::F64: return torch::kFloat64;
    case DType::I64: return torch::kInt64;
    }
    return torch::kFloat32;
}

std::string shapeOf(const torch::Tensor& t) {
    std::string s = "[";
    for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
    return s + "]";
}

bool endsWith(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// RoPE tables stored by HF (`<tower>.rope.freqs_cos`, and per-layer aliases in a state_dict) are
// recomputed; a stored copy only serves as a self-check of our tables.
const RopeTables* ropeTablesFor(QLIPModelImpl& model, const std::string& key) {
    if (!endsWith(key, ".rope.freqs_cos") && !endsWith(key, ".rope.freqs_sin")) return nullptr;
    if (key.rfind("vision_model.", 0) == 0 && model.vision_model->rope.cos.defined()) return &model.vision_model->rope;
    if (key.rfind("vision_decoder.", 0) == 0 && model.vision_decoder->rope.cos.defined()) return &model.vision_decoder->rope;
    return nullptr;
}

bool isLayerNormBias(QLIPModelImpl& model, const std::string& key) {
    if (!endsWith(key, ".bias")) return false;
    std::string owner = key.substr(0, key.size() - 5);
    for (const auto& item : model.named_modules()) {
        if (item.key() == owner) return dynamic_cast<torch::nn::LayerNormImpl*>(item.value().get()) != nullptr;
    }
    return false;
}

} // namespace

torch::Tensor tensorFromFile(const SafetensorsFile& file, const TensorInfo& info) {
    // Copy into an aligned buffer first: safetensors offsets need not be aligned for the dtype.
    auto t = torch::empty(info.shape, torch::TensorOptions().dtype(scalarType(info.dtype)));
    if (info.end > info.begin) std::memcpy(t.data_ptr(), file.data(info), info.end - info.begin);
    return t;
}

// One file tensor as `type`, converted straight from the mapped bytes when they are aligned (one
// allocation), else through an aligned copy.
torch::Tensor convertedFromFile(const SafetensorsFile& file, const TensorInfo& info, torch::ScalarType type) {
    const uint8_t* p = file.data(info);
    const auto fileType = scalarType(info.dtype);
    if (reinterpret_cast<uintptr_t>(p) % c10::elementSize(fileType) == 0)
        return torch::from_blob(const_cast<uint8_t*>(p), info.shape, torch::TensorOptions().dtype(fileType)).to(type, false, true);
    return tensorFromFile(file, info).to(type);
}

LoadReport loadWeights(QLIPModelImpl& model, const SafetensorsFile& file, const std::function<bool(double)>& progress,
                       const LoadOptions& options) {
    LoadReport report;
    std::map<std::string, torch::Tensor> expected;
    for (const auto& p : model.named_parameters()) expected[p.key()] = p.value();

    std::vector<std::string> missing, unexpected, misshaped, mistyped, badRope;
    std::vector<std::pair<torch::Tensor, const TensorInfo*>> copies;
    for (const auto& info : file.tensors()) {
        auto it = expected.find(info.name);
        if (it == expected.end()) {
            if (const RopeTables* rope = ropeTablesFor(model, info.name)) {
                const auto& ours = endsWith(info.name, "cos") ? rope->cos : rope->sin;
                auto stored = tensorFromFile(file, info);
                if (stored.sizes() != ours.sizes() || !stored.is_floating_point())
                    badRope.push_back(info.name + " " + info.shapeString() + " (computed " + shapeOf(ours) + ")");
                else if (double err = (stored.to(torch::kFloat64) - ours.to(torch::kFloat64)).abs().max().item<double>(); err > 1e-5)
                    badRope.push_back(info.name + " differs from the computed table by " + std::to_string(err));
                else
                    ++report.ropeTablesChecked;
            } else {
                unexpected.push_back(info.name + " " + info.shapeString());
            }
            continue;
        }
        const auto& param = it->second;
        if (info.shape != param.sizes().vec()) {
            misshaped.push_back(info.name + ": file " + info.shapeString() + ", model expects " + shapeOf(param));
        } else if (info.dtype == DType::I64) {
            mistyped.push_back(info.name + ": I64, expected a floating-point dtype");
        } else {
            copies.emplace_back(param, &info);
        }
        expected.erase(it);
    }
    for (const auto& [name, param] : expected) {
        if (isLayerNormBias(model, name)) {
            report.warnings.push_back(name + " is missing; left at 0 as the reference loader would");
            torch::NoGradGuard guard;
            if (options.replaceStorage) param.set_data(torch::zeros(param.sizes(), torch::TensorOptions().dtype(options.dtype)));
            else param.zero_();
        } else {
            missing.push_back(name + " " + shapeOf(param));
        }
    }

    size_t problems = missing.size() + unexpected.size() + misshaped.size() + mistyped.size() + badRope.size();
    if (problems) {
        std::string msg = "'" + file.path() + "' does not match the model described by config.json (" +
                          std::to_string(problems) + " problem" + (problems > 1 ? "s" : "") + "):";
        auto section = [&](const char* title, const std::vector<std::string>& items) {
            if (items.empty()) return;
            msg += "\n  " + std::string(title) + " (" + std::to_string(items.size()) + "):";
            size_t shown = 0;
            for (const auto& s : items) {
                if (++shown > 40) { msg += "\n    ... and " + std::to_string(items.size() - 40) + " more"; break; }
                msg += "\n    " + s;
            }
        };
        section("missing tensors", missing);
        section("unexpected tensors", unexpected);
        section("wrong shape", misshaped);
        section("wrong dtype", mistyped);
        section("stored RoPE tables that disagree with the computed ones", badRope);
        throw Error(msg);
    }

    torch::NoGradGuard guard;
    uint64_t total = 0, done = 0;
    for (const auto& c : copies) total += c.second->end - c.second->begin;
    for (auto& [param, info] : copies) {
        if (progress && !progress(total ? double(done) / double(total) : 0.0)) throw Cancelled();
        torch::Tensor view;
        if (options.replaceStorage && options.mapping && scalarType(info->dtype) == options.dtype)
            view = options.mapping->view(*info, options.dtype);
        if (view.defined()) {
            param.set_data(view); // no copy: the pages come from the file when first used
            ++report.mapped;
            report.mappedBytes += info->end - info->begin;
        } else {
            if (options.replaceStorage) param.set_data(convertedFromFile(file, *info, options.dtype));
            else param.copy_(tensorFromFile(file, *info)); // copy_ converts to the parameter's dtype
            file.releasePages(*info);
        }
        done += info->end - info->begin;
        ++report.loaded;
    }
    if (progress) progress(1.0);
    return report;
}

std::vector<std::string> parameterSchema(QLIPModelImpl& model) {
    std::vector<std::string> lines;
    for (const auto& p : model.named_parameters()) lines.push_back(p.key() + "\t" + shapeOf(p.value()));
    std::sort(lines.begin(), lines.end());
    return lines;
}

} // namespace qlip::model
