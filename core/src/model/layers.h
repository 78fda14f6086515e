#pragma once
// The transformer pieces shared by the vision encoder, decoder and text tower (spec §4.2).
// Module and parameter names equal the checkpoint key names, so named_parameters() is the schema.
#include "model/rope.h"
#include "qlip/config.h"

#include <torch/torch.h>

namespace qlip::model {

// LayerNorm computed in float32 (or float64) whatever the model's dtype: bf16/fp16 runs keep
// the statistics accurate, as the spec requires.
torch::Tensor layerNorm(const torch::nn::LayerNorm& ln, const torch::Tensor& x);

// While one of these lives on a thread, the model built there keeps no parameter storage: after
// each encoder layer is built (LibTorch modules allocate and initialise their tensors as they are
// constructed), its parameters are swapped for zero-stride placeholders of the same shape, so a
// model about to be loaded from a file never holds a full random copy (L-14: 3 GB in fp32).
// The loader then gives every parameter its storage (model/weights.h, LoadOptions::replaceStorage).
class DeferredParameters {
public:
    DeferredParameters();
    ~DeferredParameters();
    DeferredParameters(const DeferredParameters&) = delete;
    DeferredParameters& operator=(const DeferredParameters&) = delete;
    static bool active();
};
// Swaps every parameter of `m` (recursively) for a placeholder that shares one zero element.
void dropParameterStorage(torch::nn::Module& m);

torch::nn::LayerNorm makeLayerNorm(int64_t width, double eps);
torch::nn::Linear makeLinear(int64_t in, int64_t out, bool bias);

struct AttentionImpl : torch::nn::Module {
    AttentionImpl(const TowerConfig& c);
    // x [B, T, D]; rope [T, hd] tables (see ropeForTokens) or undefined; causal adds the text mask.
    torch::Tensor forward(const torch::Tensor& x, const RopeApply& rope, bool causal);

    int heads;
    double scale;
    torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, out_proj{nullptr};
    torch::nn::LayerNorm inner_attn_ln{nullptr}; // subln only
};
TORCH_MODULE(Attention);

// SwiGLU (w1 gate through SiLU, w2 up, optional ffn_ln, w3 down) or plain fc1 -> GELU -> fc2.
struct MlpImpl : torch::nn::Module {
    MlpImpl(const TowerConfig& c);
    torch::Tensor forward(const torch::Tensor& x);

    bool swiglu;
    torch::nn::Linear w1{nullptr}, w2{nullptr}, w3{nullptr}, fc1{nullptr}, fc2{nullptr};
    torch::nn::LayerNorm ffn_ln{nullptr}; // subln only
};
TORCH_MODULE(Mlp);

struct EncoderLayerImpl : torch::nn::Module {
    EncoderLayerImpl(const TowerConfig& c);
    torch::Tensor forward(torch::Tensor x, const RopeApply& rope, bool causal);

    torch::nn::LayerNorm layer_norm1{nullptr}, layer_norm2{nullptr};
    Attention self_attn{nullptr};
    Mlp mlp{nullptr};
};
TORCH_MODULE(EncoderLayer);

// `encoder.layers.{i}`
struct EncoderImpl : torch::nn::Module {
    EncoderImpl(const TowerConfig& c);
    torch::Tensor forward(torch::Tensor x, const RopeApply& rope, bool causal);
    torch::nn::ModuleList layers;
};
TORCH_MODULE(Encoder);

// quant_embed / quant_embed_post: c_fc -> exact GELU -> c_proj.
struct QuantMlpImpl : torch::nn::Module {
    QuantMlpImpl(int64_t in, int64_t hidden, int64_t out);
    torch::Tensor forward(const torch::Tensor& x);
    torch::nn::Linear c_fc{nullptr}, c_proj{nullptr};
};
TORCH_MODULE(QuantMlp);

} // namespace qlip::model
