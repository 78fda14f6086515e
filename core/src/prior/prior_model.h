#pragma once
// The prior's modules. Parameter names follow LlamaGen's where a piece exists there
// (layers.{i}.attention.wqkv, feed_forward.w1/w2/w3, attention_norm, ffn_norm, norm), so the
// schema reads familiar; the condition MLP, bit input and grouped head are ours.
#include "qlip/prior.h"

#include <torch/torch.h>

namespace qlip::prior {

// RMSNorm computed in float32 whatever the dtype, then scaled.
struct RmsNormImpl : torch::nn::Module {
    RmsNormImpl(int64_t width, double eps);
    torch::Tensor forward(const torch::Tensor& x);
    torch::Tensor weight;
    double eps;
};
TORCH_MODULE(RmsNorm);

// SwiGLU without biases: w2(silu(w1 x) * w3 x).
struct FeedForwardImpl : torch::nn::Module {
    FeedForwardImpl(int64_t width, int64_t hidden);
    torch::Tensor forward(const torch::Tensor& x);
    torch::nn::Linear w1{nullptr}, w2{nullptr}, w3{nullptr};
};
TORCH_MODULE(FeedForward);

// Keys and values of every layer for a batch, filled position by position during sampling.
struct KvCache {
    std::vector<torch::Tensor> keys, values; // per layer [B, H, capacity, hd]
    int64_t length = 0;                      // positions filled
};

// Rotation tables for every sequence position: [T, hd] cos and signed sin (pairs interleaved).
struct PriorRope {
    torch::Tensor cos, sinSigned;
};

struct AttentionImpl : torch::nn::Module {
    AttentionImpl(const PriorConfig& c);
    // x [B, T, D] at absolute positions [start, start + T); with a cache, its first `start`
    // positions are the keys before x and x's keys are appended.
    torch::Tensor forward(const torch::Tensor& x, const PriorRope& rope, int64_t start, torch::Tensor* cacheK,
                          torch::Tensor* cacheV);
    int64_t heads, headDim;
    torch::nn::Linear wqkv{nullptr}, wo{nullptr};
};
TORCH_MODULE(Attention);

struct BlockImpl : torch::nn::Module {
    BlockImpl(const PriorConfig& c);
    torch::Tensor forward(const torch::Tensor& x, const PriorRope& rope, int64_t start, torch::Tensor* cacheK,
                          torch::Tensor* cacheV);
    RmsNorm attention_norm{nullptr}, ffn_norm{nullptr};
    Attention attention{nullptr};
    FeedForward feed_forward{nullptr};
};
TORCH_MODULE(Block);

// The grouped output head. For group g of a position with hidden state h:
//   x = h + group_position[g] + sum_{j<g} group_embeddings[j * V + c_j]
//   y = x + mlp(mlp_norm(x));  logits = heads.{g}(out_norm(y))      (V = 2^(bits/groups))
struct GroupHeadImpl : torch::nn::Module {
    GroupHeadImpl(const PriorConfig& c);
    // h [M, D]; chosen [M, g] int64 (the groups already fixed) -> logits [M, V] float32.
    torch::Tensor forward(const torch::Tensor& h, int64_t group, const torch::Tensor& chosen);
    int64_t groups, vocab;
    torch::Tensor group_position;   // [k, D]
    torch::Tensor group_embeddings; // [(k - 1) * V, D] (a [1, D] placeholder when k = 1)
    RmsNorm mlp_norm{nullptr}, out_norm{nullptr};
    FeedForward mlp{nullptr};
    torch::nn::ModuleList heads;
};
TORCH_MODULE(GroupHead);

struct PriorTransformerImpl : torch::nn::Module {
    explicit PriorTransformerImpl(const PriorConfig& c);

    // Text hidden states [B, L, Dt] -> prefix embeddings [B, L, D] (Linear, tanh-GELU, Linear).
    torch::Tensor prefix(const torch::Tensor& textHidden);
    // ±1 codes [B, T, bits] -> input embeddings [B, T, D].
    torch::Tensor tokenInputs(const torch::Tensor& codes);
    // Transformer over x [B, T, D] placed at positions [start, start + T); returns the final-normed
    // hidden states [B, T, D]. With a cache, appends to it.
    torch::Tensor backbone(torch::Tensor x, int64_t start, KvCache* cache);

    // Teacher-forced loss: text hidden [B, L, Dt] (rows already replaced by the null condition
    // where dropped), token indices [B, N] -> mean cross-entropy per group, [k] float32.
    torch::Tensor groupLosses(const torch::Tensor& textHidden, const torch::Tensor& indices);

    KvCache makeCache(int64_t batch, const torch::TensorOptions& options) const;

    PriorConfig config;
    PriorRope rope; // [L + N, hd], on the parameters' device and dtype (see placeRope)
    void placeRope(const torch::TensorOptions& options);

    torch::nn::Linear cond_fc1{nullptr}, cond_fc2{nullptr};
    torch::Tensor null_condition; // [L, Dt]
    torch::nn::Linear bits_embedding{nullptr};
    torch::nn::ModuleList layers;
    RmsNorm norm{nullptr};
    GroupHead head{nullptr};
};
TORCH_MODULE(PriorTransformer);

// Index [*] int64 -> ±1 codes [*, bits] (channel 0 = most significant bit), in `dtype`.
torch::Tensor indicesToCodes(const torch::Tensor& indices, int bits, torch::ScalarType dtype);
// Index [*] -> group values [*, k] (group 0 = the most significant bits).
torch::Tensor indicesToGroups(const torch::Tensor& indices, int bits, int groups);

// 2-D RoPE tables for a prefix of `prefix` slots (identity) followed by a rows x cols grid.
PriorRope buildPriorRope(const PriorConfig& c);

} // namespace qlip::prior
