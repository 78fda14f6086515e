#include "model/layers.h"

#include "model/cpu_kernels.h"
#include "model/rope.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qlip::model {

namespace F = torch::nn::functional;

torch::Tensor layerNorm(const torch::nn::LayerNorm& ln, const torch::Tensor& x) {
    const auto& o = ln->options;
    if (x.scalar_type() == torch::kFloat32 || x.scalar_type() == torch::kFloat64)
        return torch::layer_norm(x, o.normalized_shape(), ln->weight, ln->bias, o.eps());
    if (cpu::applies(x) && o.normalized_shape().size() == 1) return cpu::layerNorm(x, ln->weight, ln->bias, o.eps());
    auto y = torch::layer_norm(x.to(torch::kFloat32), o.normalized_shape(), ln->weight.to(torch::kFloat32),
                               ln->bias.to(torch::kFloat32), o.eps());
    return y.to(x.scalar_type());
}

// LibTorch 1.13's CPU kernels for transcendental ops (SiLU, tanh) in bf16/fp16 are several times
// slower than converting to float32 and back; on CUDA the native kernels are fine.
static bool reducedOnCpu(const torch::Tensor& x) {
    return !x.is_cuda() && (x.scalar_type() == torch::kBFloat16 || x.scalar_type() == torch::kFloat16);
}

// Bytes of attention scores one block may hold: small enough to stay in the CPU's cache while the
// softmax and the second product read them back (measured on this project's machine: at 1,025
// tokens, blocks of this size halve the attention time against one [B, H, T, T] tensor).
constexpr int64_t kScoreBlockBytes = 4 << 20;

// softmax(scale * q k^T) v for q, k, v [B, H, T, hd], optionally causal. scale is 1 unless the
// fused kernels run, which apply it inside the softmax instead of in a pass over q.
// Each score row depends only on its own query, so splitting the heads and the queries into
// blocks gives the same rows as one big product; only long sequences are split.
static torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, bool causal,
                            double scale) {
    const int64_t B = q.size(0), H = q.size(1), T = q.size(2), S = k.size(2);
    const bool fused = cpu::applies(q);
    // dst: where the block's [b, h, t, hd] goes, contiguous, or undefined for a new tensor.
    auto block = [&](const torch::Tensor& qb, const torch::Tensor& kb, const torch::Tensor& vb, int64_t firstQuery,
                     const torch::Tensor& dst) {
        auto scores = torch::matmul(qb, kb.transpose(-2, -1));                    // [b, h, t, S]
        if (fused) {
            // One pass: scale, causal mask, softmax in float32, rounded once, in place.
            cpu::softmaxInPlace(scores, scale, causal, firstQuery);
            if (!dst.defined()) return torch::matmul(scores, vb);                 // [b, h, t, hd]
            // The product straight into the output, not into a block that is then copied (3 % of
            // a B-8 bf16 encode): bmm_out on 3-D views that alias dst.
            const int64_t t = scores.size(2), hd = vb.size(3);
            auto dst3 = dst.view({-1, t, hd});
            torch::bmm_out(dst3, scores.view({-1, t, S}), vb.reshape({-1, S, hd}));
            return dst;
        }
        if (causal) {
            auto rows = torch::arange(firstQuery, firstQuery + qb.size(2), torch::TensorOptions().dtype(torch::kLong).device(q.device()));
            auto cols = torch::arange(S, torch::TensorOptions().dtype(torch::kLong).device(q.device()));
            scores = scores.masked_fill(cols.unsqueeze(0) > rows.unsqueeze(1), -std::numeric_limits<float>::infinity());
        }
        // fp32/fp64 as the reference. In bf16/fp16 the native kernel accumulates in float32
        // internally; asking for a float32 result instead is ~6x slower on the CPU.
        return torch::matmul(torch::softmax(scores, -1), vb);                    // [b, h, t, hd]
    };
    const int64_t rowBytes = S * int64_t(q.element_size());
    if (q.is_cuda() || B * H * T * rowBytes <= kScoreBlockBytes) return block(q, k, v, 0, {});
    auto out = torch::empty_like(q);
    const int64_t headsPerBlock = std::clamp<int64_t>(kScoreBlockBytes / (T * rowBytes), 1, H);
    const int64_t queriesPerBlock = std::clamp<int64_t>(kScoreBlockBytes / rowBytes, 1, T);
    for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; h += headsPerBlock) {
            auto qh = q.slice(0, b, b + 1).slice(1, h, h + headsPerBlock);
            auto kh = k.slice(0, b, b + 1).slice(1, h, h + headsPerBlock);
            auto vh = v.slice(0, b, b + 1).slice(1, h, h + headsPerBlock);
            for (int64_t t = 0; t < T; t += queriesPerBlock) {
                // Contiguous: a block holds either whole heads or queries of one head.
                auto dst = out.slice(0, b, b + 1).slice(1, h, h + headsPerBlock).slice(2, t, t + queriesPerBlock);
                auto got = block(qh.slice(2, t, t + queriesPerBlock), kh, vh, t, fused && dst.is_contiguous() ? dst : torch::Tensor());
                if (!got.is_same(dst)) dst.copy_(got);
            }
        }
    return out;
}

namespace {
thread_local int g_deferred = 0;
}

DeferredParameters::DeferredParameters() { ++g_deferred; }
DeferredParameters::~DeferredParameters() { --g_deferred; }
bool DeferredParameters::active() { return g_deferred > 0; }

void dropParameterStorage(torch::nn::Module& m) {
    torch::NoGradGuard guard;
    for (auto& p : m.parameters()) p.set_data(torch::zeros({}, p.options()).expand(p.sizes()));
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

// A linear layer over the rows of x [..., in] -> [..., out] as one addmm. torch::linear on a
// 3-D input runs a matmul and then adds the bias in a pass of its own; addmm adds it while the
// product is written (a full pass less per projection, about 1 % of a B-16 layer each in bf16).
// Used on the bf16/fp16 CPU path only: in fp32/fp64 the rounding would change.
static torch::Tensor linearRows(const torch::nn::Linear& l, const torch::Tensor& x) {
    auto sizes = x.sizes().vec();
    sizes.back() = l->weight.size(0);
    return l.ptr()->forward(x.reshape({-1, x.size(-1)})).view(sizes);
}

// bf16/fp16 on the CPU: RoPE writes the heads out contiguous in one pass, the q scale moves into
// the softmax (scaling q or the scores is the same product up to rounding, and exact for the
// power-of-two scales of 64-wide heads), and the heads are merged inside the sub-LN's pass.
static torch::Tensor attentionFused(AttentionImpl& a, const torch::Tensor& x, const RopeApply& rope, bool causal) {
    const int64_t B = x.size(0), T = x.size(1), D = x.size(2), heads = a.heads, hd = D / heads;
    // Contiguous heads: bmm would copy strided ones itself, once per block of heads.
    auto toHeads = [&](const torch::Tensor& t) { return t.view({B, T, heads, hd}).transpose(1, 2).contiguous(); };
    auto split = [&](const torch::Tensor& t) {                                      // [B, H, T, hd]
        return rope.defined() ? cpu::splitHeadsRope(t, heads, rope) : toHeads(t);
    };
    auto q = split(linearRows(a.q_proj, x)), k = split(linearRows(a.k_proj, x));
    auto v = toHeads(linearRows(a.v_proj, x));
    auto context = attend(q, k, v, causal, a.scale);                                   // [B, H, T, hd]
    if (a.inner_attn_ln)
        return linearRows(a.out_proj, cpu::mergeHeadsLayerNorm(context, a.inner_attn_ln->weight, a.inner_attn_ln->bias,
                                                               a.inner_attn_ln->options.eps()));
    return linearRows(a.out_proj, context.transpose(1, 2).reshape({B, T, D}));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const RopeApply& rope, bool causal) {
    const int64_t B = x.size(0), T = x.size(1), D = x.size(2), hd = D / heads;
    if (cpu::applies(x)) return attentionFused(*this, x, rope, causal);
    auto split = [&](const torch::Tensor& t) { return t.view({B, T, heads, hd}).transpose(1, 2); }; // [B, H, T, hd]
    // The reference scales q right after the projection, before RoPE.
    auto q = split(q_proj(x) * scale);
    auto k = split(k_proj(x));
    auto v = split(v_proj(x));
    if (rope.defined()) {
        q = applyRope(q, rope);
        k = applyRope(k, rope);
    }
    auto context = attend(q, k, v, causal, 1.0).transpose(1, 2).reshape({B, T, D}); // heads merged back, head-major
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

// bf16/fp16 on the CPU: silu(a) * b and the sub-LN in one pass over the two products; biases
// added inside the products (linearRows).
static torch::Tensor mlpFused(MlpImpl& m, const torch::Tensor& x) {
    if (!m.swiglu) {
        // LibTorch's native bf16 GELU is vectorised and beats a float32 round trip.
        auto h = torch::gelu(linearRows(m.fc1, x));                                   // [B, T, F]
        if (m.ffn_ln) h = layerNorm(m.ffn_ln, h);
        return linearRows(m.fc2, h);
    }
    auto a = linearRows(m.w1, x), b = linearRows(m.w2, x);                             // [B, T, F]
    if (!m.ffn_ln) return linearRows(m.w3, cpu::swiglu(a, b, {}, {}, 0.0));
    return linearRows(m.w3, cpu::swiglu(a, b, m.ffn_ln->weight, m.ffn_ln->bias, m.ffn_ln->options.eps()));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
    if (cpu::applies(x)) return mlpFused(*this, x);
    if (swiglu && reducedOnCpu(x)) {
        // LibTorch 1.13's CPU kernels for bf16/fp16 element-wise math are slow; the gate, its
        // product and the sub-LN run in float32 and one conversion brings the result back.
        auto h = torch::silu(w1(x).to(torch::kFloat32)) * w2(x).to(torch::kFloat32);  // [B, T, F]
        if (ffn_ln) h = torch::layer_norm(h, ffn_ln->options.normalized_shape(), ffn_ln->weight.to(torch::kFloat32),
                                          ffn_ln->bias.to(torch::kFloat32), ffn_ln->options.eps());
        return w3(h.to(x.scalar_type()));
    }
    torch::Tensor h = swiglu ? torch::silu(w1(x)) * w2(x) : torch::gelu(fc1(x)); // exact erf GELU
    if (ffn_ln) h = layerNorm(ffn_ln, h);
    return swiglu ? w3(h) : fc2(h);
}

EncoderLayerImpl::EncoderLayerImpl(const TowerConfig& c) {
    self_attn = register_module("self_attn", Attention(c));
    layer_norm1 = register_module("layer_norm1", makeLayerNorm(c.hiddenSize, c.layerNormEps));
    mlp = register_module("mlp", Mlp(c));
    layer_norm2 = register_module("layer_norm2", makeLayerNorm(c.hiddenSize, c.layerNormEps));
}

torch::Tensor EncoderLayerImpl::forward(torch::Tensor x, const RopeApply& rope, bool causal) {
    x = x + self_attn(layerNorm(layer_norm1, x), rope, causal);
    return x + mlp(layerNorm(layer_norm2, x));
}

EncoderImpl::EncoderImpl(const TowerConfig& c) {
    layers = register_module("layers", torch::nn::ModuleList());
    for (int i = 0; i < c.numLayers; ++i) {
        EncoderLayer layer(c);
        if (DeferredParameters::active()) dropParameterStorage(*layer);
        layers->push_back(layer);
    }
}

torch::Tensor EncoderImpl::forward(torch::Tensor x, const RopeApply& rope, bool causal) {
    for (const auto& layer : *layers) x = layer->as<EncoderLayerImpl>()->forward(x, rope, causal);
    return x;
}

QuantMlpImpl::QuantMlpImpl(int64_t in, int64_t hidden, int64_t out) {
    c_fc = register_module("c_fc", makeLinear(in, hidden, true));
    c_proj = register_module("c_proj", makeLinear(hidden, out, true));
}

torch::Tensor QuantMlpImpl::forward(const torch::Tensor& x) {
    if (cpu::applies(x)) return linearRows(c_proj, torch::gelu(linearRows(c_fc, x)));
    return c_proj(torch::gelu(c_fc(x)));
}

} // namespace qlip::model
