#include "qlip/eval.h"

#include "engine_impl.h"
#include "fileio.h"
#include "qlip/error.h"
#include "qlip/json.h"
#include "qlip/npy.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <unordered_set>

namespace qlip {
namespace {

torch::Tensor asFloatImage(const ImageRGB8& a) {
    return torch::from_blob(const_cast<uint8_t*>(a.rgb.data()), {a.height, a.width, 3}, torch::kUInt8)
        .permute({2, 0, 1}).to(torch::kFloat64).unsqueeze(0);                 // [1, 3, H, W]
}

const Json::Array& entryList(const Json& doc, const std::string& path) {
    if (doc.isArray()) return doc.asArray();
    for (const char* key : {"items", "images"})
        if (const Json* a = doc.find(key); a && a->isArray()) return a->asArray();
    throw Error("'" + path + "': expected an array of entries or an object with \"items\"");
}

std::string field(const Json& e, const char* key) {
    const Json* v = e.find(key);
    return v && v->isString() ? v->asString() : std::string();
}

ImageRGB8 imageAt(const NpyArray& a, int64_t i) {
    ImageRGB8 img;
    img.height = int(a.shape[1]);
    img.width = int(a.shape[2]);
    const size_t n = size_t(img.width) * img.height * 3;
    img.rgb.assign(a.bytes.begin() + long(size_t(i) * n), a.bytes.begin() + long(size_t(i + 1) * n));
    return img;
}

ImageRGB8 blockMean(const ImageRGB8& a, int block) {
    ImageRGB8 out = a;
    for (int by = 0; by < a.height; by += block)
        for (int bx = 0; bx < a.width; bx += block)
            for (int c = 0; c < 3; ++c) {
                double sum = 0;
                int count = 0;
                for (int y = by; y < std::min(a.height, by + block); ++y)
                    for (int x = bx; x < std::min(a.width, bx + block); ++x) { sum += a.pixel(x, y)[c]; ++count; }
                auto v = uint8_t(std::lround(sum / count));
                for (int y = by; y < std::min(a.height, by + block); ++y)
                    for (int x = bx; x < std::min(a.width, bx + block); ++x) out.pixel(x, y)[c] = v;
            }
    return out;
}

} // namespace

double psnr(const ImageRGB8& a, const ImageRGB8& b) {
    double se = 0;
    for (size_t i = 0; i < a.rgb.size(); ++i) {
        double d = double(a.rgb[i]) - b.rgb[i];
        se += d * d;
    }
    double mse = se / double(a.rgb.size());
    return mse == 0 ? 100.0 : 10 * std::log10(255.0 * 255.0 / mse);
}

double ssim(const ImageRGB8& a, const ImageRGB8& b) {
    // Gaussian window 11x11, sigma 1.5, 'valid' region, per channel, then the mean.
    auto g = torch::arange(11, torch::kFloat64).sub(5).pow(2).div(-2 * 1.5 * 1.5).exp();
    g = g / g.sum();
    auto w = torch::outer(g, g).view({1, 1, 11, 11}).repeat({3, 1, 1, 1});
    auto x = asFloatImage(a), y = asFloatImage(b);
    auto filt = [&](const torch::Tensor& t) {
        return torch::nn::functional::conv2d(t, w, torch::nn::functional::Conv2dFuncOptions().groups(3));
    };
    torch::Tensor mx = filt(x), my = filt(y);
    torch::Tensor sxx = filt(x * x) - mx * mx, syy = filt(y * y) - my * my, sxy = filt(x * y) - mx * my;
    const double c1 = std::pow(0.01 * 255, 2), c2 = std::pow(0.03 * 255, 2);
    torch::Tensor ssimMap = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2));
    return ssimMap.mean().item<double>();
}

EvalReport evaluate(Engine& engine, const std::string& folder, const EvalOptions& o) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::string imagesPath = folder + "/" + o.imagesFile, metaPath = folder + "/" + o.metaFile;
    // Opened first, so that an unwritable path fails before minutes of encoding, not after.
    std::ofstream csv;
    if (!o.predictionsCsv.empty()) {
        csv.open(o.predictionsCsv);
        if (!csv) throw Error("cannot write '" + o.predictionsCsv + "'");
    }
    NpyArray images = loadNpy(imagesPath);
    if (images.descr != "|u1" || images.shape.size() != 4 || images.shape[3] != 3)
        throw Error("'" + imagesPath + "': expected uint8 images [N, H, W, 3]");
    Json meta = Json::parse(readTextFile(metaPath, "evaluation metadata"), metaPath);
    const auto& entries = entryList(meta, metaPath);
    if (int64_t(entries.size()) != images.shape[0])
        throw Error("'" + metaPath + "' describes " + std::to_string(entries.size()) + " images, '" + imagesPath + "' holds " +
                    std::to_string(images.shape[0]));
    auto indexList = [&](const std::string& key) {
        std::vector<int64_t> out;
        const Json* arr = meta.find(key);
        if (!arr) return out;
        for (const auto& v : arr->asArray(metaPath + ": " + key)) {
            int64_t i = v.asInt(metaPath + ": " + key);
            if (i < 0 || i >= images.shape[0]) throw Error(metaPath + ": " + key + " index " + std::to_string(i) + " out of range");
            out.push_back(i);
        }
        return out;
    };
    std::vector<int64_t> which = o.subsetKey.empty() ? std::vector<int64_t>{} : indexList(o.subsetKey);
    if (o.subsetKey.empty())
        for (int64_t i = 0; i < images.shape[0]; ++i) which.push_back(i);
    if (!o.subsetKey.empty() && which.empty()) throw Error(metaPath + ": no index list '" + o.subsetKey + "'");

    EvalReport r;
    r.images = int(which.size());
    const auto& info = engine.info();
    std::vector<ImageRGB8> originals;
    std::vector<PixelTensor> pixels;
    for (int64_t i : which) {
        originals.push_back(imageAt(images, i));
        pixels.push_back(engine.preprocess(originals.back()));
    }
    auto grids = engine.encode(pixels);
    auto decoded = engine.decode(grids);
    std::unordered_set<int64_t> distinct;
    std::vector<double> ones(size_t(info.bits), 0);
    int64_t tokenCount = 0;
    std::vector<ImageRGB8> recons;
    for (size_t k = 0; k < which.size(); ++k) {
        ImageRGB8 rec = denormalize(decoded[k].chw.data(), decoded[k].height, decoded[k].width, engine.preprocessConfig());
        if (rec.width != originals[k].width || rec.height != originals[k].height)
            throw Error("evaluation images must be at the model's resolution (" + std::to_string(info.imageSize) + " px)");
        r.psnr += psnr(originals[k], rec);
        r.ssim += ssim(originals[k], rec);
        r.blockMeanPsnr += psnr(originals[k], blockMean(originals[k], info.patchSize));
        for (int n = 0; n < grids[k].count(); ++n) {
            distinct.insert(grids[k].indices[size_t(n)]);
            for (int e = 0; e < info.bits; ++e) ones[size_t(e)] += grids[k].bit(n, e);
            ++tokenCount;
        }
        recons.push_back(std::move(rec));
    }
    r.psnr /= double(r.images);
    r.ssim /= double(r.images);
    r.blockMeanPsnr /= double(r.images);
    r.distinctTokens = int(distinct.size());
    for (double c : ones) {
        double p = c / double(tokenCount);
        if (p > 0 && p < 1) r.bitEntropySum += -(p * std::log2(p) + (1 - p) * std::log2(1 - p));
    }

    if (!o.gridPng.empty()) {
        // Two rows per line: originals above their reconstructions, up to 32 images.
        const int n = std::min<int>(32, int(originals.size())), perRow = 16, s = info.imageSize, pad = 2;
        ImageRGB8 sheet;
        sheet.width = perRow * (s + pad) + pad;
        sheet.height = ((n + perRow - 1) / perRow) * 2 * (s + pad) + pad;
        sheet.rgb.assign(size_t(sheet.width) * sheet.height * 3, 128);
        for (int k = 0; k < n; ++k) {
            int ox = pad + (k % perRow) * (s + pad), oy = pad + (k / perRow) * 2 * (s + pad);
            for (int row = 0; row < 2; ++row) {
                const ImageRGB8& src = row ? recons[size_t(k)] : originals[size_t(k)];
                for (int y = 0; y < s; ++y)
                    std::memcpy(sheet.pixel(ox, oy + row * (s + pad) + y), src.pixel(0, y), size_t(s) * 3);
            }
        }
        savePng(o.gridPng, sheet, {{"qlip:model", info.name}});
    }

    if (o.zeroShot && engine.hasTokenizer()) {
        // Labels: the distinct labels of the whole set, in first-seen order.
        std::vector<std::string> labels, categoryOfLabel;
        std::map<std::string, int> labelIndex;
        std::vector<int> truth(entries.size());
        for (size_t i = 0; i < entries.size(); ++i) {
            std::string label = field(entries[i], "label");
            auto [it, added] = labelIndex.emplace(label, int(labels.size()));
            if (added) { labels.push_back(label); categoryOfLabel.push_back(field(entries[i], "category")); }
            truth[i] = it->second;
        }
        r.labels = int(labels.size());
        std::vector<std::string> prompts;
        for (const auto& l : labels) {
            std::string p = o.promptTemplate;
            auto at = p.find("{}");
            prompts.push_back(at == std::string::npos ? p + " " + l : p.replace(at, 2, l));
        }
        auto text = engine.embedTexts(prompts);
        auto imageEmb = engine.embedImages(pixels);
        auto T = torch::empty({int64_t(text.size()), int64_t(text[0].size())});
        for (size_t j = 0; j < text.size(); ++j) T[int64_t(j)].copy_(torch::tensor(text[j]));
        auto I = torch::empty({int64_t(imageEmb.size()), int64_t(imageEmb[0].size())});
        for (size_t j = 0; j < imageEmb.size(); ++j) I[int64_t(j)].copy_(torch::tensor(imageEmb[j]));
        auto sims = torch::matmul(I, T.t());                                   // [images, labels]
        auto top5 = std::get<1>(sims.topk(std::min<int64_t>(5, sims.size(1)), 1));
        if (csv.is_open()) csv << "index,label,category,predicted,predicted_category,rank\n";
        auto quoted = [](std::string s) {
            for (size_t at = s.find('"'); at != std::string::npos; at = s.find('"', at + 2)) s.insert(at, 1, '"');
            return '"' + s + '"';
        };
        std::map<std::string, size_t> categoryRow;
        for (size_t k = 0; k < which.size(); ++k) {
            int t = truth[size_t(which[k])];
            auto row = top5[int64_t(k)];
            const auto predicted = size_t(row[0].item<int64_t>());
            const bool hit = int(predicted) == t, sameCategory = categoryOfLabel[predicted] == categoryOfLabel[size_t(t)];
            r.top1 += hit;
            for (int64_t j = 0; j < row.size(0); ++j) r.top5 += row[j].item<int64_t>() == t;
            r.categoryTop1 += sameCategory;
            auto [it, added] = categoryRow.emplace(categoryOfLabel[size_t(t)], r.byCategory.size());
            if (added) r.byCategory.push_back({categoryOfLabel[size_t(t)]});
            auto& c = r.byCategory[it->second];
            ++c.images;
            c.categoryTop1 += sameCategory;
            c.top1 += hit;
            if (csv.is_open()) {
                const int64_t rank = (sims[int64_t(k)] > sims[int64_t(k)][t]).sum().item<int64_t>();
                csv << which[k] << ',' << quoted(labels[size_t(t)]) << ',' << quoted(categoryOfLabel[size_t(t)]) << ','
                    << quoted(labels[predicted]) << ',' << quoted(categoryOfLabel[predicted]) << ',' << rank << '\n';
            }
        }
        for (auto& c : r.byCategory) {
            c.categoryTop1 /= c.images;
            c.top1 /= c.images;
        }
        r.top1 /= double(which.size());
        r.top5 /= double(which.size());
        r.categoryTop1 /= double(which.size());
        // 100-way: only the subset's own labels compete.
        auto hundred = indexList(o.hundredWayKey);
        if (!hundred.empty()) {
            std::map<int64_t, size_t> position; // dataset index -> row in `which`
            for (size_t k = 0; k < which.size(); ++k) position[which[k]] = k;
            std::vector<int64_t> cand;
            for (int64_t i : hundred) cand.push_back(truth[size_t(i)]);
            auto candT = torch::tensor(cand, torch::kLong);
            double hits = 0;
            int counted = 0;
            for (size_t h = 0; h < hundred.size(); ++h) {
                auto p = position.find(hundred[h]);
                if (p == position.end()) continue;
                auto s = sims[int64_t(p->second)].index_select(0, candT);
                hits += s.argmax().item<int64_t>() == int64_t(h);
                ++counted;
            }
            if (counted) r.hundredWayTop1 = hits / counted;
        }
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

} // namespace qlip
