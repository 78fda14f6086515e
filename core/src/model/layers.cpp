#include "model/layers.h"

#include "model/rope.h"

#include <cmath>

namespace qlip::model {

namespace F = torch::nn::functional;

torch::Tensor layerNorm(const torch::nn::LayerNorm& ln, const torch::Tensor& x) {
    const auto& o = ln->options;
    if (x.scalar_type() == torch::kFloat32 || x.scalar_type() == torch::kFloat64)
        return torch::layer_norm(x, o.normalized_shape(), ln->weight, ln->bias, o.eps());
    auto y = torch::layer_norm(x.to(torch::kFloat32), o.normalized_shape(), ln->weight.to(torch::kFloat32),
                               ln->bias.to(torch::kFloat32), o.eps());
    return y.to(x.scalar_type());
}

// LibTorch 1.13's CPU kernels for transcendental ops (SiLU, tanh) in bf16/fp16 are several times
// slower than converting to float32 and back; on CUDA the native kernels are fine.
static bool reducedOnCpu(const torch::Tensor& x) {
    return !x.is_cuda() && (x.scalar_type() == torch::kBFloat16 || x.scalar_type() == torch::kFloat16);
}

static torch::Tensor siluAnyPrecision(const torch::Tensor& x) {
    return reducedOnCpu(x) ? torch::silu(x.to(torch::kFloat32)).to(x.scalar_type()) : torch::silu(x);
}

torch::nn::LayerNorm makeLayerNorm(int64_t width, double eps) {
    return torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}).eps(eps));
}

torch::nn::Linear makeLinear(int64_t in, int64_t out, bool bias) {
    return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(bias));
}

AttentionImpl::AttentionImpl(const TowerConfig& c)
    : heads(c.numHeads), scale(1.0 / std::sqrt(double(c.headDim()))) {
    const int64_t d = c.hiddenSize;
    // Registration order follows the checkpoint's key order (k, v, q), which keeps listings familiar.
    k_proj = register_module("k_proj", makeLinear(d, d, c.kBias));
    v_proj = register_module("v_proj", makeLinear(d, d, c.vBias));
    q_proj = register_module("q_proj", makeLinear(d, d, c.qBias));
    if (c.subln) inner_attn_ln = register_module("inner_attn_ln", makeLayerNorm(d, c.layerNormEps));
    out_proj = register_module("out_proj", makeLinear(d, d, true));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& ropeCos, const torch::Tensor& ropeSin,
                                     int ropeShift, bool causal) {
    const int64_t B = x.size(0), T = x.size(1), D = x.size(2), hd = D / heads;
    auto split = [&](const torch::Tensor& t) { return t.view({B, T, heads, hd}).transpose(1, 2); }; // [B, H, T, hd]
    // The reference scales q right after the projection, before RoPE.
    auto q = split(q_proj(x) * scale);
    auto k = split(k_proj(x));
    auto v = split(v_proj(x));
    if (ropeCos.defined()) {
        // Tokens before ropeShift (the vision class token) are not rotated.
        auto rotate = [&](const torch::Tensor& t) {
            auto rotated = applyRope(t.slice(2, ropeShift), ropeCos, ropeSin);
            return ropeShift ? torch::cat({t.slice(2, 0, ropeShift), rotated}, 2) : rotated;
        };
        q = rotate(q);
        k = rotate(k);
    }
    auto scores = torch::matmul(q, k.transpose(-2, -1)); // [B, H, T, T]
    if (causal) {
        auto mask = torch::ones({T, T}, torch::TensorOptions().dtype(torch::kBool).device(x.device())).triu(1);
        scores = scores.masked_fill(mask, -std::numeric_limits<float>::infinity());
    }
    // fp32/fp64 as the reference. In bf16/fp16 the native kernel accumulates in float32 internally;
    // asking for a float32 result instead is ~6x slower on the CPU for the same bf16-rounded output.
    auto probs = torch::softmax(scores, -1);
    auto context = torch::matmul(probs, v).transpose(1, 2).reshape({B, T, D}); // heads merged back, head-major
    if (inner_attn_ln) context = layerNorm(inner_attn_ln, context);
    return out_proj(context);
}

MlpImpl::MlpImpl(const TowerConfig& c) : swiglu(c.swiglu) {
    const int64_t d = c.hiddenSize, f = c.intermediateSize;
    if (swiglu) {
        w1 = register_module("w1", makeLinear(d, f, true));
        w2 = register_module("w2", makeLinear(d, f, true));
        if (c.subln) ffn_ln = register_module("ffn_ln", makeLayerNorm(f, c.layerNormEps));
        w3 = register_module("w3", makeLinear(f, d, true));
    } else {
        fc1 = register_module("fc1", makeLinear(d, f, true));
        if (c.subln) ffn_ln = register_module("ffn_ln", makeLayerNorm(f, c.layerNormEps));
        fc2 = register_module("fc2", makeLinear(f, d, true));
    }
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
    torch::Tensor h = swiglu ? siluAnyPrecision(w1(x)) * w2(x) : torch::gelu(fc1(x)); // exact erf GELU
    if (ffn_ln) h = layerNorm(ffn_ln, h);
    return swiglu ? w3(h) : fc2(h);
}

EncoderLayerImpl::EncoderLayerImpl(const TowerConfig& c) {
    self_attn = register_module("self_attn", Attention(c));
    layer_norm1 = register_module("layer_norm1", makeLayerNorm(c.hiddenSize, c.layerNormEps));
    mlp = register_module("mlp", Mlp(c));
    layer_norm2 = register_module("layer_norm2", makeLayerNorm(c.hiddenSize, c.layerNormEps));
}

torch::Tensor EncoderLayerImpl::forward(torch::Tensor x, const torch::Tensor& ropeCos, const torch::Tensor& ropeSin,
                                        int ropeShift, bool causal) {
    x = x + self_attn(layerNorm(layer_norm1, x), ropeCos, ropeSin, ropeShift, causal);
    return x + mlp(layerNorm(layer_norm2, x));
}

EncoderImpl::EncoderImpl(const TowerConfig& c) {
    layers = register_module("layers", torch::nn::ModuleList());
    for (int i = 0; i < c.numLayers; ++i) layers->push_back(EncoderLayer(c));
}

torch::Tensor EncoderImpl::forward(torch::Tensor x, const torch::Tensor& ropeCos, const torch::Tensor& ropeSin,
                                   int ropeShift, bool causal) {
    for (const auto& layer : *layers) x = layer->as<EncoderLayerImpl>()->forward(x, ropeCos, ropeSin, ropeShift, causal);
    return x;
}

QuantMlpImpl::QuantMlpImpl(int64_t in, int64_t hidden, int64_t out) {
    c_fc = register_module("c_fc", makeLinear(in, hidden, true));
    c_proj = register_module("c_proj", makeLinear(hidden, out, true));
}

torch::Tensor QuantMlpImpl::forward(const torch::Tensor& x) { return c_proj(torch::gelu(c_fc(x))); }

} // namespace qlip::model
