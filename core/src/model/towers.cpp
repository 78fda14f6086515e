#include "model/towers.h"

namespace qlip::model {

TextEmbeddingsImpl::TextEmbeddingsImpl(const TextConfig& c) {
    token_embedding = register_module("token_embedding", torch::nn::Embedding(c.vocabSize, c.hiddenSize));
    position_embedding = register_module("position_embedding", torch::nn::Embedding(c.maxPositions, c.hiddenSize));
}

torch::Tensor TextEmbeddingsImpl::forward(const torch::Tensor& ids) {
    auto positions = torch::arange(ids.size(1), torch::TensorOptions().dtype(torch::kLong).device(ids.device()));
    return token_embedding(ids) + position_embedding(positions).unsqueeze(0);
}

TextTransformerImpl::TextTransformerImpl(const TextConfig& c) : eosTokenId(c.eosTokenId) {
    embeddings = register_module("embeddings", TextEmbeddings(c));
    encoder = register_module("encoder", Encoder(c));
    final_layer_norm = register_module("final_layer_norm", makeLayerNorm(c.hiddenSize, c.layerNormEps));
}

TextOutput TextTransformerImpl::forward(const torch::Tensor& ids) {
    auto x = embeddings(ids);                                              // [T, L, Dt]
    x = encoder(x, RopeApply{}, /*causal=*/true);
    auto hidden = layerNorm(final_layer_norm, x);                         // [T, L, Dt]
    // eos_token_id == 2 (released models): the end token is the largest id, so pool at argmax.
    // Otherwise the first position holding eos_token_id.
    torch::Tensor where = eosTokenId == 2 ? ids.argmax(1) : (ids == eosTokenId).to(torch::kInt).argmax(1);
    auto rows = torch::arange(ids.size(0), where.options());
    return {hidden, hidden.index({rows, where})};                          // pooled [T, Dt]
}

VisionEmbeddingsImpl::VisionEmbeddingsImpl(const VisionConfig& c) {
    class_embedding = register_parameter("class_embedding", torch::zeros({c.hiddenSize}));
    patch_embedding = register_module(
        "patch_embedding",
        torch::nn::Conv2d(torch::nn::Conv2dOptions(c.numChannels, c.hiddenSize, c.patchSize).stride(c.patchSize).bias(true)));
    position_embedding = register_module("position_embedding", torch::nn::Embedding(c.numPatches() + 1, c.hiddenSize));
}

torch::Tensor VisionEmbeddingsImpl::forward(const torch::Tensor& pixels) {
    const int64_t B = pixels.size(0);
    auto patches = patch_embedding(pixels).flatten(2).transpose(1, 2);    // [B, N, D], raster order
    auto cls = class_embedding.view({1, 1, -1}).expand({B, 1, class_embedding.size(0)});
    return torch::cat({cls, patches}, 1) + position_embedding->weight.unsqueeze(0); // [B, N + 1, D]
}

VisionTransformerImpl::VisionTransformerImpl(const VisionConfig& c) {
    embeddings = register_module("embeddings", VisionEmbeddings(c));
    encoder = register_module("encoder", Encoder(c));
    post_layernorm = register_module("post_layernorm", makeLayerNorm(c.hiddenSize, c.layerNormEps));
    if (c.quantizerEmbedType == "mlp") {
        quant_embed = register_module("quant_embed", QuantMlp(c.hiddenSize, c.hiddenSize, c.bsq.embedDim));
        quant_embed_post = register_module("quant_embed_post",
                                           QuantMlp(c.bsq.embedDim, c.postQuantWidth(), c.postQuantWidth()));
    }
    if (c.rope) rope = buildRope2d(c.grid(), c.headDim());
}

VisionOutput VisionTransformerImpl::forward(const torch::Tensor& pixels) {
    auto x = embeddings(pixels);                                           // [B, N + 1, D]
    x = encoder(x, ropeForTokens(rope, /*leading=*/1, x.options()), /*causal=*/false); // class token not rotated
    return {x, layerNorm(post_layernorm, x.select(1, 0))};
}

VisionDecoderImpl::VisionDecoderImpl(const ImageTowerConfig& c) : grid(c.grid()), patch(c.patchSize) {
    position_embeddings = register_parameter("position_embeddings", torch::zeros({1, c.numPatches(), c.hiddenSize}));
    encoder = register_module("encoder", Encoder(c));
    norm = register_module("norm", makeLayerNorm(c.hiddenSize, c.layerNormEps));
    ffn = register_module("ffn", torch::nn::Sequential(makeLinear(c.hiddenSize, c.intermediateSize, true), torch::nn::Tanh()));
    conv_out = register_module("conv_out", makeLinear(c.intermediateSize, 3 * c.patchSize * c.patchSize, true));
    if (c.rope) rope = buildRope2d(c.grid(), c.headDim());
}

torch::Tensor VisionDecoderImpl::forward(const torch::Tensor& latents) {
    auto y = latents + position_embeddings;                                // [B, N, Dd]
    y = encoder(y, ropeForTokens(rope, /*leading=*/0, y.options()), /*causal=*/false);
    auto out = conv_out(ffn->forward(layerNorm(norm, y)));                 // [B, N, 3 * P * P]
    const int64_t B = out.size(0);
    // un-patchify: channel slowest, then row in patch, then column
    return out.view({B, grid, grid, 3, patch, patch})
        .permute({0, 3, 1, 4, 2, 5})                                       // [B, 3, g, P, g, P]
        .reshape({B, 3, int64_t(grid) * patch, int64_t(grid) * patch});
}

} // namespace qlip::model
