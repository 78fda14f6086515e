#pragma once
// The three towers of QLIP: vision encoder (+ BSQ projections), decoder, text encoder.
#include "model/layers.h"
#include "model/rope.h"

namespace qlip::model {

// text_model.embeddings
struct TextEmbeddingsImpl : torch::nn::Module {
    TextEmbeddingsImpl(const TextConfig& c);
    torch::Tensor forward(const torch::Tensor& ids); // [T, L] int64 -> [T, L, Dt]
    torch::nn::Embedding token_embedding{nullptr}, position_embedding{nullptr};
};
TORCH_MODULE(TextEmbeddings);

struct TextOutput {
    torch::Tensor lastHidden; // [T, L, Dt] after final_layer_norm
    torch::Tensor pooled;     // [T, Dt]
};

// text_model: causal transformer, no RoPE, pooled at the end-of-text position.
struct TextTransformerImpl : torch::nn::Module {
    TextTransformerImpl(const TextConfig& c);
    TextOutput forward(const torch::Tensor& ids);

    int eosTokenId;
    TextEmbeddings embeddings{nullptr};
    Encoder encoder{nullptr};
    torch::nn::LayerNorm final_layer_norm{nullptr};
};
TORCH_MODULE(TextTransformer);

// vision_model.embeddings
struct VisionEmbeddingsImpl : torch::nn::Module {
    VisionEmbeddingsImpl(const VisionConfig& c);
    torch::Tensor forward(const torch::Tensor& pixels); // [B, 3, S, S] -> [B, N + 1, D]
    torch::Tensor class_embedding;
    torch::nn::Conv2d patch_embedding{nullptr};
    torch::nn::Embedding position_embedding{nullptr};
};
TORCH_MODULE(VisionEmbeddings);

struct VisionOutput {
    torch::Tensor lastHidden; // [B, N + 1, D], class token at 0, no LayerNorm
    torch::Tensor pooled;     // [B, D] post_layernorm(class token)
};

// vision_model: encoder with RoPE on the patch tokens, post-LN for the class token, and the
// quantiser projections quant_embed (D -> E) and quant_embed_post (E -> Dq).
struct VisionTransformerImpl : torch::nn::Module {
    VisionTransformerImpl(const VisionConfig& c);
    VisionOutput forward(const torch::Tensor& pixels);

    VisionEmbeddings embeddings{nullptr};
    Encoder encoder{nullptr};
    torch::nn::LayerNorm post_layernorm{nullptr};
    QuantMlp quant_embed{nullptr}, quant_embed_post{nullptr}; // only with quantizer_embed_type "mlp"
    RopeTables rope;                                          // computed, not a parameter
};
TORCH_MODULE(VisionTransformer);

// vision_decoder: latents [B, N, Dd] -> CLIP-normalised pixels [B, 3, S, S].
struct VisionDecoderImpl : torch::nn::Module {
    VisionDecoderImpl(const ImageTowerConfig& c);
    torch::Tensor forward(const torch::Tensor& latents);

    int grid, patch;
    torch::Tensor position_embeddings; // [1, N, Dd]
    Encoder encoder{nullptr};
    torch::nn::LayerNorm norm{nullptr};
    torch::nn::Sequential ffn{nullptr}; // 0: Linear(Dd, Fd), 1: Tanh
    torch::nn::Linear conv_out{nullptr};
    RopeTables rope;
};
TORCH_MODULE(VisionDecoder);

} // namespace qlip::model
