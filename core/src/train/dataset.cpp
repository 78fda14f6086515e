#include "train/dataset.h"

#include "fileio.h"
#include "qlip/error.h"
#include "qlip/json.h"
#include "qlip/npy.h"

#include <cmath>
#include <map>

namespace qlip::train {
namespace {

const float kMean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
const float kStd[3] = {0.26862954f, 0.26130258f, 0.27577711f};

const Json::Array& entries(const Json& doc, const std::string& path) {
    if (doc.isArray()) return doc.asArray();
    for (const char* key : {"items", "images"})
        if (const Json* a = doc.find(key); a && a->isArray()) return a->asArray();
    throw Error("'" + path + "': expected a list of image entries (an array, or an object with \"items\")");
}

std::string stringField(const Json& e, std::initializer_list<const char*> keys) {
    for (const char* k : keys)
        if (const Json* v = e.find(k); v && v->isString()) return v->asString();
    return {};
}

} // namespace

CaptionedImages::CaptionedImages(const std::string& folder, const std::string& imagesFile, const std::string& metaFile) {
    const std::string imagesPath = folder + "/" + imagesFile, metaPath = folder + "/" + metaFile;
    NpyArray a = loadNpy(imagesPath);
    if (a.descr != "|u1" || a.shape.size() != 4 || a.shape[3] != 3 || a.shape[1] != a.shape[2])
        throw Error("'" + imagesPath + "': expected uint8 images [N, S, S, 3]");
    images_ = torch::from_blob(a.bytes.data(), a.shape, torch::kUInt8).clone();
    Json doc = Json::parse(readTextFile(metaPath, "image metadata"), metaPath);
    const auto& list = entries(doc, metaPath);
    if (int64_t(list.size()) != images_.size(0))
        throw Error("'" + metaPath + "' describes " + std::to_string(list.size()) + " images but '" + imagesPath + "' holds " +
                    std::to_string(images_.size(0)));
    std::map<std::string, int64_t> concepts;
    for (const auto& e : list) {
        Sample s;
        s.label = stringField(e, {"label", "name"});
        s.category = stringField(e, {"category", "group"});
        if (const Json* k = e.find("keywords"); k && k->isArray())
            for (const auto& w : k->asArray())
                if (w.isString()) s.keywords.push_back(w.asString());
        if (s.label.empty()) throw Error("'" + metaPath + "': an entry has no label");
        auto it = concepts.emplace(s.label, int64_t(concepts.size())).first;
        conceptIds_.push_back(it->second);
        samples_.push_back(std::move(s));
    }
}

std::string CaptionedImages::caption(int64_t i, std::mt19937_64& rng) const {
    const Sample& s = samples_[size_t(i)];
    switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
    case 0: return s.label;
    case 1: return "an emoji of " + s.label;
    case 2: {
        std::string c = s.label;
        std::vector<std::string> k = s.keywords;
        std::shuffle(k.begin(), k.end(), rng);
        for (size_t j = 0; j < k.size() && j < 3; ++j) c += ", " + k[j];
        return c;
    }
    default: return s.category.empty() ? s.label : s.category + ": " + s.label;
    }
}

torch::Tensor normalizeImages(const torch::Tensor& uint8Images) {
    return normalizeUnit(uint8Images.permute({0, 3, 1, 2}).to(torch::kFloat32).div(255.0)); // [B, 3, S, S]
}

torch::Tensor normalizeUnit(const torch::Tensor& x) {
    auto mean = torch::tensor({kMean[0], kMean[1], kMean[2]}).view({1, 3, 1, 1});
    auto stdv = torch::tensor({kStd[0], kStd[1], kStd[2]}).view({1, 3, 1, 1});
    return (x - mean) / stdv;
}

torch::Tensor augmentStyle(const torch::Tensor& images01, double strength, std::mt19937_64& rng) {
    const int64_t B = images01.size(0), S = images01.size(2);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    auto lerp = [&](double lo, double hi) { return lo + (hi - lo) * u(rng); };
    std::vector<float> theta, gammas, saturations, kernels;
    const int radius = 2, k = 2 * radius + 1;
    for (int64_t b = 0; b < B; ++b) {
        const double zoom = lerp(1.0 - 0.2 * strength, 1.0 + 0.05 * strength);
        theta.insert(theta.end(), {float(1 / zoom), 0.f, 0.f, 0.f, float(1 / zoom), 0.f});
        const double sigma = u(rng) < 0.5 * strength ? lerp(0.3, 1.0) : 0.0;
        std::vector<float> g1(k, 0.f);
        if (sigma == 0.0) {
            g1[radius] = 1.f;
        } else {
            float sum = 0;
            for (int i = 0; i < k; ++i) sum += g1[i] = float(std::exp(-(i - radius) * (i - radius) / (2 * sigma * sigma)));
            for (float& v : g1) v /= sum;
        }
        for (int c = 0; c < 3; ++c)
            for (int y = 0; y < k; ++y)
                for (int x = 0; x < k; ++x) kernels.push_back(g1[y] * g1[x]);
        gammas.push_back(float(std::exp(lerp(-0.25, 0.25) * strength)));
        saturations.push_back(float(lerp(1.0 - 0.3 * strength, 1.0 + 0.3 * strength)));
    }
    // Zoom about the centre; sampling the inverted image with zero padding fills the border white.
    auto th = torch::tensor(theta).view({B, 2, 3});
    auto grid = torch::nn::functional::affine_grid(th, {B, 3, S, S}, false);
    auto x = 1 - torch::nn::functional::grid_sample(
                     1 - images01, grid,
                     torch::nn::functional::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kZeros).align_corners(false));
    // Blur: one depthwise convolution with a kernel per image and channel, on a white border.
    auto w = torch::tensor(kernels).view({B * 3, 1, k, k});
    auto padded = torch::constant_pad_nd(x.reshape({1, B * 3, S, S}), {radius, radius, radius, radius}, 1.0);
    x = torch::conv2d(padded, w, torch::Tensor(), torch::IntArrayRef{1, 1}, torch::IntArrayRef{0, 0}, torch::IntArrayRef{1, 1}, B * 3).view({B, 3, S, S});
    x = x.clamp(0, 1).pow(torch::tensor(gammas).view({B, 1, 1, 1}));
    auto grey = (x * torch::tensor({0.299f, 0.587f, 0.114f}).view({1, 3, 1, 1})).sum(1, true);
    x = grey + (x - grey) * torch::tensor(saturations).view({B, 1, 1, 1});
    return x.clamp(0, 1);
}

Batch makeBatch(const CaptionedImages& data, const std::vector<int64_t>& indices, const ClipTokenizer& tokenizer,
                int contextLength, int shift, std::mt19937_64& rng, double augment) {
    const int64_t B = int64_t(indices.size()), S = data.imageSize();
    auto idx = torch::tensor(indices, torch::kLong);
    auto images = data.images().index_select(0, idx);                                    // [B, S, S, 3]
    if (shift > 0) {
        // Translate each image by up to +-shift pixels on a white pad (no flips: arrows and
        // "left-facing" emoji must keep their meaning).
        auto padded = torch::full({B, S + 2 * shift, S + 2 * shift, 3}, 255, torch::kUInt8);
        padded.slice(1, shift, shift + S).slice(2, shift, shift + S).copy_(images);
        std::uniform_int_distribution<int> d(0, 2 * shift);
        auto shifted = torch::empty_like(images);
        for (int64_t b = 0; b < B; ++b) {
            int dy = d(rng), dx = d(rng);
            shifted[b].copy_(padded[b].slice(0, dy, dy + S).slice(1, dx, dx + S));
        }
        images = shifted;
    }
    std::vector<std::string> captions;
    std::vector<int64_t> concepts;
    for (int64_t i : indices) {
        captions.push_back(data.caption(i, rng));
        concepts.push_back(data.conceptId(i));
    }
    auto tokens = tokenizer.encodeBatch(captions, contextLength, ClipTokenizer::Padding::Longest);
    auto pixels01 = images.permute({0, 3, 1, 2}).to(torch::kFloat32).div(255.0);     // [B, 3, S, S]
    if (augment > 0) pixels01 = augmentStyle(pixels01, augment, rng);
    return {normalizeUnit(pixels01), torch::tensor(tokens.ids, torch::kLong).view({tokens.rows, tokens.length}),
            torch::tensor(concepts, torch::kLong)};
}

} // namespace qlip::train
