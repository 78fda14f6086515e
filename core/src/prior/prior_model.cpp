#include "prior/prior_model.h"

#include <cmath>

namespace qlip::prior {

namespace F = torch::nn::functional;

namespace {

// y = x W^T for a Linear without bias. Sampling feeds one or two rows (a sample and its
// unconditional twin) per step; OpenBLAS's sgemm would pack the whole weight matrix for those rows
// on every call, while a matrix-vector product per row streams it once and packs nothing.
torch::Tensor project(const torch::Tensor& w, const torch::Tensor& x) { // w [out, in]
    const int64_t rows = x.numel() / std::max<int64_t>(1, x.size(-1));
    if (rows > 2 || x.is_cuda() || torch::GradMode::is_enabled()) return F::linear(x, w);
    auto flat = x.reshape({rows, x.size(-1)});
    std::vector<torch::Tensor> out;
    for (int64_t r = 0; r < rows; ++r) out.push_back(torch::mv(w, flat[r]));
    auto sizes = x.sizes().vec();
    sizes.back() = w.size(0);
    return torch::stack(out).view(sizes);
}

} // namespace

RmsNormImpl::RmsNormImpl(int64_t width, double eps_) : eps(eps_) {
    weight = register_parameter("weight", torch::ones({width}));
}

torch::Tensor RmsNormImpl::forward(const torch::Tensor& x) {
    auto xf = x.to(torch::kFloat32);
    auto normed = xf * torch::rsqrt(xf.pow(2).mean(-1, true) + eps);
    return normed.to(x.scalar_type()) * weight;
}

FeedForwardImpl::FeedForwardImpl(int64_t width, int64_t hidden) {
    auto linear = [](int64_t in, int64_t out) { return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(false)); };
    w1 = register_module("w1", linear(width, hidden));
    w3 = register_module("w3", linear(width, hidden));
    w2 = register_module("w2", linear(hidden, width));
}

torch::Tensor FeedForwardImpl::forward(const torch::Tensor& x) { return project(w2->weight, torch::silu(project(w1->weight, x)) * project(w3->weight, x)); }

AttentionImpl::AttentionImpl(const PriorConfig& c) : heads(c.heads), headDim(c.width / c.heads) {
    wqkv = register_module("wqkv", torch::nn::Linear(torch::nn::LinearOptions(c.width, 3 * c.width).bias(false)));
    wo = register_module("wo", torch::nn::Linear(torch::nn::LinearOptions(c.width, c.width).bias(false)));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const PriorRope& rope, int64_t start, torch::Tensor* cacheK,
                                     torch::Tensor* cacheV) {
    const int64_t B = x.size(0), T = x.size(1), D = x.size(2);
    auto qkv = project(wqkv->weight, x).view({B, T, 3, heads, headDim}).permute({2, 0, 3, 1, 4}); // [3, B, H, T, hd]
    auto cos = rope.cos.slice(0, start, start + T), sinSigned = rope.sinSigned.slice(0, start, start + T);
    auto rotate = [&](const torch::Tensor& t) {                                     // [B, H, T, hd]
        auto swapped = t.unflatten(-1, {headDim / 2, 2}).flip(-1).flatten(-2);        // (x1, x0) per pair
        return t * cos + swapped * sinSigned;
    };
    auto q = rotate(qkv[0]), k = rotate(qkv[1]), v = qkv[2];
    if (cacheK) {
        cacheK->slice(2, start, start + T).copy_(k);
        cacheV->slice(2, start, start + T).copy_(v);
        k = cacheK->slice(2, 0, start + T); // [B, H, S, hd]
        v = cacheV->slice(2, 0, start + T);
    }
    auto scores = torch::matmul(q, k.transpose(-2, -1)).to(torch::kFloat32) / std::sqrt(double(headDim)); // [B, H, T, S]
    if (T > 1) {
        // Query at absolute position start + t sees keys 0 .. start + t.
        auto future = torch::ones({T, k.size(2)}, torch::TensorOptions().dtype(torch::kBool).device(x.device())).triu(start + 1);
        scores = scores.masked_fill(future, -std::numeric_limits<float>::infinity());
    }
    auto attn = torch::softmax(scores, -1).to(x.scalar_type());
    auto out = torch::matmul(attn, v).transpose(1, 2).reshape({B, T, D}); // [B, T, D]
    return project(wo->weight, out);
}

BlockImpl::BlockImpl(const PriorConfig& c) {
    attention_norm = register_module("attention_norm", RmsNorm(c.width, c.normEps));
    attention = register_module("attention", Attention(c));
    ffn_norm = register_module("ffn_norm", RmsNorm(c.width, c.normEps));
    feed_forward = register_module("feed_forward", FeedForward(c.width, c.mlp));
}

torch::Tensor BlockImpl::forward(const torch::Tensor& x, const PriorRope& rope, int64_t start, torch::Tensor* cacheK,
                                 torch::Tensor* cacheV) {
    auto h = x + attention(attention_norm(x), rope, start, cacheK, cacheV);
    return h + feed_forward(ffn_norm(h));
}

GroupHeadImpl::GroupHeadImpl(const PriorConfig& c) : groups(c.groups), vocab(c.groupVocab()) {
    group_position = register_parameter("group_position", torch::zeros({groups, int64_t(c.width)}));
    group_embeddings = register_parameter("group_embeddings", torch::zeros({std::max<int64_t>(1, (groups - 1) * vocab), c.width}));
    mlp_norm = register_module("mlp_norm", RmsNorm(c.width, c.normEps));
    mlp = register_module("mlp", FeedForward(c.width, c.headMlp));
    out_norm = register_module("out_norm", RmsNorm(c.width, c.normEps));
    heads = register_module("heads", torch::nn::ModuleList());
    for (int64_t g = 0; g < groups; ++g) heads->push_back(torch::nn::Linear(torch::nn::LinearOptions(c.width, vocab).bias(false)));
}

torch::Tensor GroupHeadImpl::forward(const torch::Tensor& h, int64_t group, const torch::Tensor& chosen) {
    auto x = h + group_position[group]; // [M, D]
    if (group > 0) {
        auto offsets = torch::arange(group, chosen.options()) * vocab;           // [g]
        x = x + torch::embedding(group_embeddings, chosen + offsets).sum(1);     // [M, g, D] -> [M, D]
    }
    auto y = x + mlp(mlp_norm(x));
    return project(heads[size_t(group)]->as<torch::nn::Linear>()->weight, out_norm(y)).to(torch::kFloat32); // [M, V]
}

PriorTransformerImpl::PriorTransformerImpl(const PriorConfig& c) : config(c) {
    auto linear = [](int64_t in, int64_t out) { return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(false)); };
    cond_fc1 = register_module("cond_fc1", linear(c.condWidth, c.width));
    cond_fc2 = register_module("cond_fc2", linear(c.width, c.width));
    null_condition = register_parameter("null_condition", torch::zeros({c.condLength, c.condWidth}));
    bits_embedding = register_module("bits_embedding", linear(c.bits, c.width));
    layers = register_module("layers", torch::nn::ModuleList());
    for (int i = 0; i < c.layers; ++i) layers->push_back(Block(c));
    norm = register_module("norm", RmsNorm(c.width, c.normEps));
    head = register_module("head", GroupHead(c));
    rope = buildPriorRope(c);
}

void PriorTransformerImpl::placeRope(const torch::TensorOptions& options) {
    auto tables = buildPriorRope(config);
    rope.cos = tables.cos.to(options);
    rope.sinSigned = tables.sinSigned.to(options);
}

torch::Tensor PriorTransformerImpl::prefix(const torch::Tensor& textHidden) {
    return cond_fc2(torch::gelu(cond_fc1(textHidden), "tanh")); // [B, L, D]
}

torch::Tensor PriorTransformerImpl::tokenInputs(const torch::Tensor& codes) { return bits_embedding(codes); }

torch::Tensor PriorTransformerImpl::backbone(torch::Tensor x, int64_t start, KvCache* cache) {
    for (size_t i = 0; i < layers->size(); ++i) {
        auto* k = cache ? &cache->keys[i] : nullptr;
        auto* v = cache ? &cache->values[i] : nullptr;
        x = layers[i]->as<Block>()->forward(x, rope, start, k, v);
    }
    if (cache) cache->length = start + x.size(1);
    return norm(x);
}

torch::Tensor PriorTransformerImpl::groupLosses(const torch::Tensor& textHidden, const torch::Tensor& indices) {
    const int64_t B = indices.size(0), N = indices.size(1), L = config.condLength, k = config.groups;
    auto dtype = bits_embedding->weight.scalar_type();
    auto inputs = tokenInputs(indicesToCodes(indices.slice(1, 0, N - 1), config.bits, dtype)); // [B, N-1, D]
    auto x = torch::cat({prefix(textHidden.to(dtype)), inputs}, 1);                              // [B, L+N-1, D]
    auto h = backbone(x, 0, nullptr).slice(1, L - 1).reshape({B * N, -1});                      // [B*N, D]
    auto groups = indicesToGroups(indices, config.bits, config.groups).reshape({B * N, k});    // [B*N, k]
    std::vector<torch::Tensor> losses;
    for (int64_t g = 0; g < k; ++g)
        losses.push_back(F::cross_entropy(head(h, g, groups.slice(1, 0, g)), groups.select(1, g)));
    return torch::stack(losses);
}

KvCache PriorTransformerImpl::makeCache(int64_t batch, const torch::TensorOptions& options) const {
    KvCache cache;
    const int64_t capacity = config.condLength + config.tokens(), hd = config.width / config.heads;
    for (int i = 0; i < config.layers; ++i) {
        cache.keys.push_back(torch::zeros({batch, config.heads, capacity, hd}, options));
        cache.values.push_back(torch::zeros({batch, config.heads, capacity, hd}, options));
    }
    return cache;
}

torch::Tensor indicesToCodes(const torch::Tensor& indices, int bits, torch::ScalarType dtype) {
    auto weights = torch::pow(2, torch::arange(bits - 1, -1, -1, indices.options())); // [bits], MSB first
    auto set = torch::div(indices.unsqueeze(-1), weights, "floor").remainder(2);     // [*, bits] 0/1
    return (set * 2 - 1).to(dtype);
}

torch::Tensor indicesToGroups(const torch::Tensor& indices, int bits, int groups) {
    const int gb = bits / groups;
    auto shifts = torch::arange(groups, indices.options()).mul(-gb).add(bits - gb); // [k]: bits - (g+1)·gb
    auto weights = torch::pow(2, shifts);
    return torch::div(indices.unsqueeze(-1), weights, "floor").remainder(int64_t(1) << gb); // [*, k]
}

PriorRope buildPriorRope(const PriorConfig& c) {
    const int64_t hd = c.width / c.heads, L = c.condLength, quarter = hd / 4;
    auto cos = torch::ones({L + c.tokens(), hd}, torch::kFloat64);
    auto sinSigned = torch::zeros({L + c.tokens(), hd}, torch::kFloat64);
    auto cosA = cos.accessor<double, 2>();
    auto sinA = sinSigned.accessor<double, 2>();
    for (int n = 0; n < c.tokens(); ++n) {
        const double pos[2] = {double(n / c.gridCols), double(n % c.gridCols)};
        for (int axis = 0; axis < 2; ++axis)
            for (int64_t j = 0; j < quarter; ++j) {
                const double freq = std::pow(c.ropeTheta, -double(j) / double(quarter));
                const double angle = pos[axis] * freq;
                const int64_t d = 2 * (axis * quarter + j);
                cosA[L + n][d] = cosA[L + n][d + 1] = std::cos(angle);
                sinA[L + n][d] = -std::sin(angle); // (x0, x1) -> (x0 cos - x1 sin, x1 cos + x0 sin)
                sinA[L + n][d + 1] = std::sin(angle);
            }
    }
    return {cos.to(torch::kFloat32), sinSigned.to(torch::kFloat32)};
}

} // namespace qlip::prior
