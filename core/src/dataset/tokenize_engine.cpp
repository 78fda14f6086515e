// The model side of the tokenize pipeline (includes torch; the rest of it does not).
#include "engine_impl.h"
#include "qlip/image.h"
#include "qlip/tokenize.h"
#include "tokenize_internal.h"

namespace qlip::tokenize {

EncodedBatch encodeBatch(Engine& engine, const std::vector<PixelTensor>& pixels, bool embeddings) {
    auto& d = engine.impl();
    torch::NoGradGuard noGrad;
    EncodedBatch out;
    if (pixels.empty()) return out;
    const auto batch = d.pixelBatch(pixels, 0, pixels.size());
    guarded("tokenizing a batch of " + std::to_string(pixels.size()) + " images", [&] {
        auto vision = d.model->encodeVision(batch);
        auto indices = d.model->quantize(vision.lastHidden.slice(1, 1)).indices.to(torch::kCPU).contiguous(); // patch tokens only
        const int64_t count = indices.size(1);
        for (int64_t b = 0; b < indices.size(0); ++b) {
            const int64_t* p = indices[b].data_ptr<int64_t>();
            out.tokens.emplace_back(p, p + count);
        }
        if (embeddings) {
            auto f = d.model->imageFeatures(vision.pooled).to(torch::kCPU, torch::kFloat32);
            f = (f / f.norm(2, -1, true)).contiguous();
            for (int64_t b = 0; b < f.size(0); ++b) {
                const float* p = f[b].data_ptr<float>();
                out.embeddings.emplace_back(p, p + f.size(1));
            }
        }
        return 0;
    });
    return out;
}

namespace detail {

Json configJson(const Engine& engine, bool embeddings) {
    const auto& i = engine.info();
    Json::Object o;
    o["precision"] = Json(i.precision);
    o["image_size"] = Json(i.imageSize);
    o["grid"] = Json(Json::Array{Json(i.gridRows), Json(i.gridCols)});
    o["bits"] = Json(i.bits);
    o["group_size"] = Json(i.groupSize);
    o["token_dtype"] = Json("int64");
    o["embeddings"] = Json(embeddings);
    if (embeddings) o["embedding_dim"] = Json(i.projectionDim);
    o["preprocessing"] = Json::parse(preprocessingJson(engine.preprocessConfig()), "pre-processing description");
    return Json(std::move(o));
}

} // namespace detail

} // namespace qlip::tokenize
