// qlipx eval-prior: does a generated image show what its prompt asked for? Judged by the QLIP
// model's own zero-shot classifier over the labels of a fixed 100-way subset (chance: 1 %).
#include "fileio.h"
#include "qlip/error.h"
#include "qlip/eval.h"
#include "qlip/image.h"
#include "qlip/json.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <numeric>
#include <set>

namespace qlip {
namespace {

std::string fillTemplate(std::string t, const std::string& label) {
    auto at = t.find("{}");
    return at == std::string::npos ? t + " " + label : t.replace(at, 2, label);
}

std::vector<std::string> subsetLabels(const std::string& metaPath, const std::string& key) {
    Json meta = Json::parse(readTextFile(metaPath, "evaluation metadata"), metaPath);
    const Json* items = meta.find("items");
    const Json* subset = meta.find(key);
    if (!items || !items->isArray()) throw Error("'" + metaPath + "': no \"items\" array");
    if (!subset || !subset->isArray()) throw Error("'" + metaPath + "': no index list \"" + key + "\"");
    const auto& entries = items->asArray();
    std::vector<std::string> labels;
    for (const auto& v : subset->asArray()) {
        const int64_t i = v.asInt(metaPath + ": " + key);
        if (i < 0 || i >= int64_t(entries.size())) throw Error("'" + metaPath + "': " + key + " index " + std::to_string(i) + " out of range");
        const Json* label = entries[size_t(i)].find("label");
        if (!label || !label->isString()) throw Error("'" + metaPath + "': item " + std::to_string(i) + " has no label");
        labels.push_back(label->asString());
    }
    if (labels.empty()) throw Error("'" + metaPath + "': the list \"" + key + "\" is empty");
    return labels;
}

ImageRGB8 sheetOf(const std::vector<ImageRGB8>& images, int perRow) {
    const int S = images.front().width, rows = int((images.size() + size_t(perRow) - 1) / size_t(perRow)), gap = 2;
    ImageRGB8 sheet{perRow * (S + gap), rows * (S + gap), {}};
    sheet.rgb.assign(size_t(sheet.width) * sheet.height * 3, 255);
    for (size_t n = 0; n < images.size(); ++n)
        for (int y = 0; y < S; ++y)
            std::copy_n(images[n].pixel(0, y), size_t(S) * 3,
                        sheet.pixel(int(n % size_t(perRow)) * (S + gap), int(n / size_t(perRow)) * (S + gap) + y));
    return sheet;
}

} // namespace

PriorEvalReport evaluatePrior(Engine& engine, Prior& prior, const std::string& folder, const PriorEvalOptions& o) {
    const auto labels = subsetLabels(folder + "/" + o.metaFile, o.subsetKey);
    std::vector<std::string> prompts;
    for (const auto& l : labels) prompts.push_back(fillTemplate(o.promptTemplate, l));
    const auto text = engine.embedTexts(prompts);

    PriorEvalReport r;
    r.prompts = int(prompts.size());
    std::vector<ImageRGB8> images;
    std::ofstream csv;
    if (!o.labelsCsv.empty()) {
        csv.open(o.labelsCsv);
        csv << "index,label,predicted,hit\n";
    }
    double seconds = 0, confidence = 0;
    int64_t tokens = 0;
    int hits1 = 0, hits5 = 0;
    for (size_t i = 0; i < prompts.size(); ++i) {
        GenerateRequest req;
        req.prompt = prompts[i];
        req.sampling = o.sampling;
        req.sampling.seed = o.sampling.seed + i;
        auto gen = prior.generate(engine, req);
        seconds += gen.seconds;
        tokens += gen.sampledTokens;
        for (float c : gen.confidence[0]) confidence += c;
        images.push_back(engine.decodeToImage(gen.grids[0]));
        const auto emb = engine.embedImages({engine.preprocess(images.back())}).front();
        auto zs = engine.zeroShot(emb, text);
        std::vector<size_t> order(zs.cosine.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return zs.cosine[a] > zs.cosine[b]; });
        const bool top1 = order[0] == i;
        const bool top5 = std::find(order.begin(), order.begin() + std::min<size_t>(5, order.size()), i) != order.begin() + std::min<size_t>(5, order.size());
        hits1 += top1;
        hits5 += top5;
        if (csv.is_open()) csv << i << ",\"" << labels[i] << "\",\"" << labels[order[0]] << "\"," << (top1 ? 1 : 0) << '\n';
    }
    r.top1 = double(hits1) / r.prompts;
    r.top5 = double(hits5) / r.prompts;
    r.meanConfidence = confidence / double(prompts.size() * size_t(prior.config().tokens()));
    r.secondsPerImage = seconds / r.prompts;
    r.tokensPerSecond = double(tokens) / std::max(1e-9, seconds);
    if (o.seedCheck > 1) {
        std::set<std::vector<int64_t>> distinct;
        for (int s = 0; s < o.seedCheck; ++s) {
            GenerateRequest req;
            req.prompt = prompts[0];
            req.sampling = o.sampling;
            req.sampling.seed = o.sampling.seed + 1000003ull * uint64_t(s + 1);
            distinct.insert(prior.generate(engine, req).grids[0].indices);
        }
        r.seedsChecked = o.seedCheck;
        r.distinctAcrossSeeds = int(distinct.size());
    }
    if (!o.gridPng.empty()) savePng(o.gridPng, sheetOf(images, 10), {{"Title", "prior samples: " + o.promptTemplate}});
    return r;
}

} // namespace qlip
