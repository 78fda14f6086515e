#pragma once
// QLIPModel: the module tree whose parameter names are the checkpoint keys, plus the forward
// steps the engine and the parity check call one by one.
#include "model/towers.h"

namespace qlip::model {

struct QuantOutput {
    torch::Tensor preNorm;      // [B, N, E] quant_embed output
    torch::Tensor latent;       // [B, N, E] L2-normalised (the pre-quantisation latent)
    torch::Tensor codes;        // [B, N, E] +-1
    torch::Tensor quantized;    // [B, N, E] codes / sqrt(E)
    torch::Tensor indices;      // [B, N] int64, channel 0 = most significant bit
    torch::Tensor groupIndices; // [B, N, E / gs] int64
};

struct QLIPModelImpl : torch::nn::Module {
    explicit QLIPModelImpl(const QlipConfig& c);

    VisionOutput encodeVision(const torch::Tensor& pixels) { return vision_model(pixels); }
    torch::Tensor imageFeatures(const torch::Tensor& pooled) { return visual_projection(pooled); } // [B, J]
    TextOutput encodeText(const torch::Tensor& ids) { return text_model(ids); }
    torch::Tensor textFeatures(const torch::Tensor& pooled) { return text_projection(pooled); }    // [T, J]

    // BSQ over the patch tokens H[:, 1:] (spec §4.4).
    QuantOutput quantize(const torch::Tensor& patchTokens);
    // codes (+-1, any float dtype) -> quantized -> quant_embed_post -> decoder -> pixels.
    torch::Tensor decodeCodes(const torch::Tensor& codes);
    // Inverse of the index layout: [B, N] int64 -> [B, N, E] +-1 in the model's dtype.
    torch::Tensor codesFromIndices(const torch::Tensor& indices);
    torch::Tensor indicesFromCodes(const torch::Tensor& codes);

    QlipConfig config;
    TextTransformer text_model{nullptr};
    VisionTransformer vision_model{nullptr};
    VisionDecoder vision_decoder{nullptr};
    torch::nn::Linear visual_projection{nullptr}, text_projection{nullptr};
    torch::Tensor logit_scale;
};
TORCH_MODULE(QLIPModel);

} // namespace qlip::model
