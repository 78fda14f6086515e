#include "qlip/parity.h"

#include "engine_impl.h"
#include "model/weights.h"
#include "qlip/safetensors.h"

#include <map>

namespace qlip {
namespace {

// The engine's version of every tensor named in the golden README.
std::map<std::string, torch::Tensor> computeAll(Engine::Impl& d, const SafetensorsFile& inputs) {
    auto& m = *d.model;
    std::map<std::string, torch::Tensor> out;
    torch::NoGradGuard noGrad;
    const TensorInfo* px = inputs.find("pixel_values");
    const TensorInfo* ids = inputs.find("input_ids");
    if (px) {
        auto pixels = model::tensorFromFile(inputs, *px).to(d.device, d.dtype);   // [B, 3, S, S]
        auto vision = m.encodeVision(pixels);
        out["vision_last_hidden_state"] = vision.lastHidden;
        out["vision_pooled"] = vision.pooled;
        auto features = m.imageFeatures(vision.pooled);
        out["image_features"] = features;
        out["image_embeds"] = features / features.norm(2, -1, true);
        auto q = m.quantize(vision.lastHidden.slice(1, 1));
        out["quant_pre_norm"] = q.preNorm;
        out["quant_latent"] = q.latent;
        out["codes"] = q.codes;
        out["quantized"] = q.quantized;
        out["indices"] = q.indices;
        out["group_indices"] = q.groupIndices;
        auto latents = m.vision_model->quant_embed_post ? m.vision_model->quant_embed_post(q.quantized) : q.quantized;
        out["decoder_input"] = latents;
        auto recon = m.vision_decoder(latents);
        out["reconstructions"] = recon;
        const auto& pre = d.preprocess;
        auto mean = torch::tensor(std::vector<float>(pre.mean.begin(), pre.mean.end())).view({1, 3, 1, 1}).to(recon.options());
        auto stdv = torch::tensor(std::vector<float>(pre.std.begin(), pre.std.end())).view({1, 3, 1, 1}).to(recon.options());
        out["reconstructions_rgb01"] = (recon * stdv + mean).clamp(0, 1);
        // Decoding the exact indices must give the same pixels (the index round trip).
        out["reconstructions_from_indices"] = m.decodeCodes(m.codesFromIndices(q.indices));
    }
    if (ids) {
        auto tokens = model::tensorFromFile(inputs, *ids).to(d.device);
        auto text = m.encodeText(tokens);
        out["text_last_hidden_state"] = text.lastHidden;
        out["text_pooled"] = text.pooled;
        auto features = m.textFeatures(text.pooled);
        out["text_features"] = features;
        out["text_embeds"] = features / features.norm(2, -1, true);
    }
    if (px && ids) {
        auto ie = out["image_embeds"], te = out["text_embeds"];
        auto logitsPerText = m.logit_scale.exp() * torch::matmul(te, ie.t());   // [T, B]
        out["logits_per_text"] = logitsPerText;
        out["logits_per_image"] = logitsPerText.t();
        out["label_probs"] = torch::softmax(100.0 * torch::matmul(ie, te.t()), -1);
    }
    if (m.vision_model->rope.cos.defined()) {
        out["rope_vision_cos"] = m.vision_model->rope.cos;
        out["rope_vision_sin"] = m.vision_model->rope.sin;
    }
    if (m.vision_decoder->rope.cos.defined()) {
        out["rope_decoder_cos"] = m.vision_decoder->rope.cos;
        out["rope_decoder_sin"] = m.vision_decoder->rope.sin;
    }
    return out;
}

bool isExactTensor(const std::string& name) { return name == "codes" || name == "indices" || name == "group_indices"; }

std::string shapeOf(const torch::Tensor& t) {
    std::string s = "[";
    for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
    return s + "]";
}

ParityRow compare(const std::string& name, const torch::Tensor& ours, const torch::Tensor& ref, double tolerance) {
    ParityRow row;
    row.name = name;
    row.shape = shapeOf(ref);
    row.exact = isExactTensor(name);
    row.tolerance = row.exact ? 0 : tolerance;
    if (ours.sizes() != ref.sizes()) {
        row.note = "shape " + shapeOf(ours) + " differs from the reference";
        return row;
    }
    auto a = ours.to(torch::kCPU, torch::kFloat64), b = ref.to(torch::kFloat64);
    row.maxAbsError = a.numel() ? (a - b).abs().max().item<double>() : 0.0;
    if (std::isnan(row.maxAbsError)) row.note = "NaN in the result";
    row.passed = row.note.empty() && (row.exact ? row.maxAbsError == 0 : row.maxAbsError <= tolerance);
    return row;
}

} // namespace

bool ParityReport::passed() const {
    if (rows.empty()) return false;
    for (const auto& r : rows)
        if (!r.passed) return false;
    return true;
}

ParityReport runParity(const std::string& dir, const ParityOptions& options) {
    auto engine = Engine::open(dir, options.engine);
    auto& d = engine->impl();
    const std::string slash = dir.empty() || dir.back() == '/' ? "" : "/";
    auto inputs = SafetensorsFile::open(dir + slash + "inputs.safetensors");
    auto reference = SafetensorsFile::open(dir + slash + options.referenceFile);

    ParityReport report;
    report.device = d.info.device;
    report.precision = d.info.precision;
    auto ours = guarded("parity forward pass", [&] { return computeAll(d, inputs); });
    for (const auto& info : reference.tensors()) {
        if (info.name == "indices_reference_float32") {
            report.skipped.push_back(info.name + ": the reference's lossy float32 index sum; we compute exact int64 indices");
            continue;
        }
        auto it = ours.find(info.name);
        if (it == ours.end()) {
            report.skipped.push_back(info.name + ": not produced by the engine");
            continue;
        }
        report.rows.push_back(compare(info.name, it->second, model::tensorFromFile(reference, info), options.floatTolerance));
    }
    // The index round trip is checked against the reference reconstructions too.
    if (const TensorInfo* recon = reference.find("reconstructions"); recon && ours.count("reconstructions_from_indices"))
        report.rows.push_back(compare("reconstructions_from_indices", ours["reconstructions_from_indices"],
                                      model::tensorFromFile(reference, *recon), options.floatTolerance));
    return report;
}

} // namespace qlip
