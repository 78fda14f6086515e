#include "model/qlip_model.h"

#include <cmath>

namespace qlip::model {

QLIPModelImpl::QLIPModelImpl(const QlipConfig& c) : config(c) {
    text_model = register_module("text_model", TextTransformer(c.text));
    vision_model = register_module("vision_model", VisionTransformer(c.vision));
    vision_decoder = register_module("vision_decoder", VisionDecoder(c.decoder));
    visual_projection = register_module("visual_projection", makeLinear(c.vision.hiddenSize, c.projectionDim, c.visionProjectionBias));
    text_projection = register_module("text_projection", makeLinear(c.text.hiddenSize, c.projectionDim, c.textProjectionBias));
    logit_scale = register_parameter("logit_scale", torch::tensor(2.6592f));
}

QuantOutput QLIPModelImpl::quantize(const torch::Tensor& patchTokens) {
    const auto& v = config.vision;
    QuantOutput q;
    q.preNorm = vision_model->quant_embed ? vision_model->quant_embed(patchTokens) : patchTokens; // [B, N, E]
    q.latent = v.quantizerL2Norm ? q.preNorm / q.preNorm.norm(2, -1, true).clamp_min(1e-12) : q.preNorm;
    // strictly positive -> +1, zero and negative -> -1
    q.codes = torch::where(q.latent > 0, torch::ones_like(q.latent), -torch::ones_like(q.latent));
    q.quantized = v.bsq.l2Norm ? q.codes * (1.0 / std::sqrt(double(v.bsq.embedDim))) : q.codes;
    q.indices = indicesFromCodes(q.codes);
    const int64_t E = v.bsq.embedDim, gs = v.bsq.groupSize;
    auto bits = (q.codes > 0).to(torch::kLong).unflatten(-1, {E / gs, gs});          // [B, N, E/gs, gs]
    auto weights = torch::pow(2, torch::arange(gs - 1, -1, -1, bits.options()));       // MSB first
    q.groupIndices = (bits * weights).sum(-1);
    return q;
}

torch::Tensor QLIPModelImpl::indicesFromCodes(const torch::Tensor& codes) {
    // Exact int64 sum; the reference sums in float32 and loses the low bits above 2^24.
    const int64_t E = codes.size(-1);
    auto bits = (codes > 0).to(torch::kLong);
    auto weights = torch::pow(2, torch::arange(E - 1, -1, -1, bits.options()));
    return (bits * weights).sum(-1);
}

torch::Tensor QLIPModelImpl::codesFromIndices(const torch::Tensor& indices) {
    const int64_t E = config.vision.bsq.embedDim;
    auto shifts = torch::arange(E - 1, -1, -1, indices.options());
    auto bits = indices.unsqueeze(-1).bitwise_right_shift(shifts).bitwise_and(1);     // [B, N, E]
    return (bits * 2 - 1).to(logit_scale.options());
}

torch::Tensor QLIPModelImpl::decodeCodes(const torch::Tensor& codes) {
    const auto& v = config.vision;
    auto quantized = v.bsq.l2Norm ? codes * (1.0 / std::sqrt(double(v.bsq.embedDim))) : codes;
    auto latents = vision_model->quant_embed_post ? vision_model->quant_embed_post(quantized) : quantized; // [B, N, Dd]
    return vision_decoder(latents);
}

} // namespace qlip::model
