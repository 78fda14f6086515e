#include "qlip/query.h"

#include "engine_impl.h"
#include "model/layers.h"

#include <cmath>
#include <fstream>
#include <unordered_set>

namespace qlip {
namespace {

double dot(const std::vector<float>& a, const std::vector<float>& b) {
    double s = 0;
    for (size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
    return s;
}

std::vector<float> normalized(const std::vector<float>& v, const std::string& what) {
    const double n = std::sqrt(dot(v, v));
    if (!(n > 0)) throw Error(what + " is zero");
    std::vector<float> out(v.size());
    for (size_t i = 0; i < v.size(); ++i) out[i] = float(v[i] / n);
    return out;
}

void checkTextEmbedding(const Engine& engine, const std::vector<float>& text) {
    if (int(text.size()) != engine.info().projectionDim)
        throw Error("the text embedding has " + std::to_string(text.size()) + " values; model '" + engine.info().name + "' uses " +
                    std::to_string(engine.info().projectionDim));
}

// Copy of `image` with the pixels of tokens [row, row + w) x [col, col + w) set to 0 (the mean colour).
PixelTensor occluded(const PixelTensor& image, int patch, int row, int col, int w) {
    PixelTensor p = image;
    const size_t plane = size_t(p.height) * p.width;
    for (int c = 0; c < 3; ++c)
        for (int y = row * patch; y < (row + w) * patch; ++y) {
            float* line = p.chw.data() + c * plane + size_t(y) * p.width;
            std::fill(line + col * patch, line + (col + w) * patch, 0.0f);
        }
    return p;
}

// Patch-token states [1, N, D] of the vision tower for `batch` [1, 3, S, S], before post_layernorm.
torch::Tensor patchStates(Engine::Impl& d, const torch::Tensor& batch, TokenMapMethod method) {
    auto& vision = *d.model->vision_model;
    if (method == TokenMapMethod::FinalHidden) return d.model->encodeVision(batch).lastHidden.slice(1, 1);
    // Value path (MaskCLIP / ClearCLIP): every layer but the last as usual; in the last one each
    // token attends only to itself (the value projection, no query-key mixing), without the
    // residual and the MLP, whose global content is what makes final-layer patch maps diffuse.
    auto x = vision.embeddings(batch);                                          // [1, N + 1, D]
    const auto rope = model::ropeForTokens(vision.rope, /*leading=*/1, x.options());
    auto& layers = *vision.encoder->layers;
    for (size_t i = 0; i + 1 < layers.size(); ++i) x = layers[i]->as<model::EncoderLayerImpl>()->forward(x, rope, false);
    auto& last = *layers[layers.size() - 1]->as<model::EncoderLayerImpl>();
    auto& attn = *last.self_attn;
    auto context = attn.v_proj(model::layerNorm(last.layer_norm1, x));         // [1, N + 1, D]
    if (attn.inner_attn_ln) context = model::layerNorm(attn.inner_attn_ln, context);
    return attn.out_proj(context).slice(1, 1);                                 // [1, N, D]
}

} // namespace


std::vector<std::vector<float>> embedPrompts(Engine& engine, const std::vector<std::string>& labels,
                                             const std::vector<std::string>& templates) {
    if (labels.empty()) throw Error("no labels to embed: the label list is empty");
    const std::vector<std::string> tmpls = templates.empty() ? std::vector<std::string>{"{}"} : templates;
    for (const auto& t : tmpls)
        if (t.find("{}") == std::string::npos) throw Error("prompt template '" + t + "' has no {} for the label");
    std::vector<std::string> prompts; // label-major: label l, template k at l * T + k
    prompts.reserve(labels.size() * tmpls.size());
    for (const auto& l : labels)
        for (const auto& t : tmpls) prompts.push_back(applyTemplate(t, l));
    auto single = engine.embedTexts(prompts); // each already L2-normalised
    if (tmpls.size() == 1) return single;
    std::vector<std::vector<float>> out;
    out.reserve(labels.size());
    for (size_t l = 0; l < labels.size(); ++l) {
        std::vector<float> mean(single[l * tmpls.size()].size(), 0.0f);
        for (size_t k = 0; k < tmpls.size(); ++k) {
            const auto& e = single[l * tmpls.size() + k];
            for (size_t i = 0; i < mean.size(); ++i) mean[i] += e[i];
        }
        out.push_back(normalized(mean, "the prompt ensemble of '" + labels[l] + "'"));
    }
    return out;
}

std::vector<float> tokenTextMap(Engine& engine, const PixelTensor& image, const std::vector<float>& textEmbedding,
                                TokenMapMethod method) {
    checkTextEmbedding(engine, textEmbedding);
    auto& d = engine.impl();
    torch::NoGradGuard noGrad;
    auto batch = d.pixelBatch({image}, 0, 1);                                   // [1, 3, S, S]
    auto sims = guarded("per-token text map", [&] {
        auto hidden = patchStates(d, batch, method);                            // [1, N, D] patch tokens
        auto normed = model::layerNorm(d.model->vision_model->post_layernorm, hidden);
        auto feats = d.model->imageFeatures(normed).to(torch::kFloat32);        // [1, N, J]
        feats = feats / feats.norm(2, -1, true);
        auto text = torch::tensor(normalized(textEmbedding, "the text embedding"), torch::kFloat32).to(feats.device()); // [J]
        return torch::matmul(feats[0], text).to(torch::kCPU).contiguous();     // [N]
    });
    return std::vector<float>(sims.data_ptr<float>(), sims.data_ptr<float>() + sims.numel());
}

std::vector<float> occlusionMap(Engine& engine, const PixelTensor& image, const std::vector<float>& textEmbedding,
                                int windowTokens, const std::function<bool(double)>& progress) {
    checkTextEmbedding(engine, textEmbedding);
    const auto& info = engine.info();
    const int g = info.gridRows, w = windowTokens;
    if (w < 1 || w > g) throw Error("occlusion window must be 1 to " + std::to_string(g) + " tokens, got " + std::to_string(w));
    const auto text = normalized(textEmbedding, "the text embedding");
    auto step = [&](double f) {
        if (progress && !progress(f)) throw Cancelled();
    };
    step(0.0);
    const double base = dot(engine.embedImages({image}).front(), text);
    const int span = g - w + 1, windows = span * span;
    std::vector<double> drop(size_t(g) * g, 0.0), covered(size_t(g) * g, 0.0);
    const int chunk = std::max(1, engine.impl().options.maxBatch);
    for (int begin = 0; begin < windows; begin += chunk) {
        const int end = std::min(windows, begin + chunk);
        std::vector<PixelTensor> batch;
        for (int k = begin; k < end; ++k) batch.push_back(occluded(image, info.patchSize, k / span, k % span, w));
        const auto embeddings = engine.embedImages(batch);
        for (int k = begin; k < end; ++k) {
            const double delta = base - dot(embeddings[size_t(k - begin)], text);
            for (int r = k / span; r < k / span + w; ++r)
                for (int c = k % span; c < k % span + w; ++c) {
                    drop[size_t(r) * g + c] += delta;
                    covered[size_t(r) * g + c] += 1;
                }
        }
        step(double(end) / windows);
    }
    std::vector<float> out(drop.size());
    for (size_t n = 0; n < out.size(); ++n) out[n] = float(drop[n] / covered[n]);
    return out;
}

} // namespace qlip
