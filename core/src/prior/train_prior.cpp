// qlipx train-prior: teacher-forced next-token training of the AR prior on images pre-tokenized
// with a QLIP model. The text tower is frozen; its hidden states for each step's captions are
// computed on the fly (cheap next to the prior), and a caption is replaced by the learned null
// condition with probability captionDropout so that guidance has an unconditional branch.
#include "engine_impl.h"
#include "fileio.h"
#include "prior/prior_impl.h"
#include "qlip/image.h"
#include "qlip/json.h"
#include "qlip/train.h"
#include "train/adamw.h"
#include "train/dataset.h"
#include "train/plot.h"
#include "train/schedule.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>

namespace fs = std::filesystem;

namespace qlip {
namespace {

// Pre-tokenized training pairs: token indices [N, T] and a caption source.
struct PriorData {
    torch::Tensor indices;
    std::function<std::string(int64_t, std::mt19937_64&)> caption;
    int64_t size() const { return indices.size(0); }
};

torch::Tensor tokenizePixels(Engine& qlip, const torch::Tensor& normalized) {
    auto& d = qlip.impl();
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> parts;
    for (int64_t b = 0; b < normalized.size(0); b += 256) {
        auto batch = normalized.slice(0, b, std::min(normalized.size(0), b + 256)).to(d.device, d.dtype);
        auto vision = d.model->encodeVision(batch);
        parts.push_back(d.model->quantize(vision.lastHidden.slice(1, 1)).indices.to(torch::kCPU)); // [b, T]
    }
    return torch::cat(parts);
}

PriorData emojiPack(const std::string& folder, Engine& qlip) {
    auto data = std::make_shared<train::CaptionedImages>(folder, "train_images.npy", "train.json");
    if (data->imageSize() != qlip.config().vision.imageSize)
        throw Error("'" + folder + "' holds " + std::to_string(data->imageSize()) + " px images; the QLIP model takes " +
                    std::to_string(qlip.config().vision.imageSize) + " px");
    PriorData out;
    out.indices = tokenizePixels(qlip, train::normalizeImages(data->images()));
    out.caption = [data](int64_t i, std::mt19937_64& rng) { return data->caption(i, rng); };
    return out;
}

bool isImageFile(const fs::path& p) { return hasImageExtension(p.string()); }

PriorData captionFolder(const std::string& folder, Engine& qlip) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(folder))
        if (entry.is_regular_file() && isImageFile(entry.path())) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    auto captions = std::make_shared<std::vector<std::vector<std::string>>>();
    std::vector<PixelTensor> pixels;
    int noCaption = 0, unreadable = 0;
    for (const auto& f : files) {
        fs::path txt = f;
        txt.replace_extension(".txt");
        if (!fs::is_regular_file(txt)) { ++noCaption; continue; }
        std::vector<std::string> lines;
        std::ifstream in(txt);
        for (std::string line; std::getline(in, line);) {
            while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
            if (!line.empty()) lines.push_back(line);
        }
        if (lines.empty()) { ++noCaption; continue; }
        try {
            pixels.push_back(qlip.preprocess(loadImage(f.string(), qlip.preprocessConfig().alpha)));
            captions->push_back(std::move(lines));
        } catch (const Error& e) {
            ++unreadable;
            std::fprintf(stderr, "skipped %s: %s\n", f.string().c_str(), e.what());
        }
    }
    if (noCaption) std::fprintf(stderr, "%d images have no (or an empty) .txt caption and were skipped\n", noCaption);
    if (pixels.empty())
        throw Error("'" + folder + "' has no usable training pairs (images with a .txt caption of the same name)" +
                    (unreadable ? "; " + std::to_string(unreadable) + " images could not be read" : std::string()));
    std::vector<torch::Tensor> batch;
    for (const auto& p : pixels) batch.push_back(torch::from_blob(const_cast<float*>(p.chw.data()), {3, p.height, p.width}).clone());
    PriorData out;
    out.indices = tokenizePixels(qlip, torch::stack(batch));
    out.caption = [captions](int64_t i, std::mt19937_64& rng) {
        const auto& lines = (*captions)[size_t(i)];
        return lines[std::uniform_int_distribution<size_t>(0, lines.size() - 1)(rng)];
    };
    return out;
}

PriorData loadPriorData(const std::string& folder, Engine& qlip) {
    if (!isDirectory(folder)) throw Error("training data folder '" + folder + "' does not exist");
    if (isRegularFile(folder + "/train_images.npy")) return emojiPack(folder, qlip);
    return captionFolder(folder, qlip);
}

std::vector<train::AdamW::Group> parameterGroups(prior::PriorTransformerImpl& m, double weightDecay) {
    train::AdamW::Group decay, plain;
    decay.weightDecay = weightDecay;
    for (auto& p : m.named_parameters()) {
        // Decay the weight matrices; norms, the null condition and the group tables are left alone.
        const std::string& k = p.key();
        bool matrix = p.value().dim() == 2 && k.find("norm") == std::string::npos && k != "null_condition" &&
                      k.find("group_") == std::string::npos;
        auto& g = matrix ? decay : plain;
        g.names.push_back(k);
        g.params.push_back(p.value());
    }
    return {decay, plain};
}

// A trained prior is named after its output folder.
std::string priorName(const PriorTrainOptions& o) {
    const std::string name = fs::path(o.out).lexically_normal().filename().string();
    return name.empty() ? "qlip-prior" : name;
}

PriorConfig configFor(const PriorTrainOptions& o, const Engine& qlip) {
    PriorConfig c = PriorConfig::forModel(qlip);
    c.name = priorName(o);
    c.groups = o.groups;
    c.width = o.width;
    c.layers = o.layers;
    c.heads = o.heads;
    c.mlp = o.mlp;
    c.headMlp = o.headMlp;
    c.validate("prior training configuration");
    return c;
}

// The prior training starts from: its own checkpoint (resume), the weights of another prior folder
// (--init, a warm start whose architecture is that prior's, e.g. after the QLIP model was
// fine-tuned and its tokens moved a little), or seeded random weights.
std::unique_ptr<Prior> startingPrior(const PriorTrainOptions& o, const Engine& qlip, const std::string& checkpointDir, bool resuming) {
    if (resuming) return Prior::open(checkpointDir, qlip);
    if (o.init.empty()) return Prior::random(configFor(o, qlip), qlip, {}, o.seed);
    auto prior = Prior::open(o.init, qlip);
    prior->impl().config.name = priorName(o);
    std::fprintf(stderr, "starting from the weights of %s (its sizes, not the size options, apply)\n", o.init.c_str());
    return prior;
}

void writeState(const std::string& dir, int step) {
    const std::string s = "{\"step\": " + std::to_string(step) + "}\n";
    writeFileAtomic(dir + "/state.json", s.data(), s.size()); // written last: marks a complete checkpoint
}

} // namespace

void trainPrior(const PriorTrainOptions& o, const std::function<void(const PriorTrainProgress&)>& report) {
    if (o.data.empty() || o.qlip.empty() || o.out.empty()) throw Error("train-prior: --data, --model and --out are required");
    if (o.batch < 1 || o.steps < 1) throw Error("train-prior: --batch and --steps must be positive");
    EngineOptions eo;
    eo.device = parseDevice(o.device);
    eo.threads = o.threads;
    auto qlip = Engine::open(o.qlip, eo);
    if (!qlip->hasTokenizer()) throw Error("train-prior: the QLIP model '" + o.qlip + "' has no tokenizer, so captions cannot be read");

    const auto t0 = std::chrono::steady_clock::now();
    PriorData data = loadPriorData(o.data, *qlip);
    const int64_t n = data.size();
    PriorTrainProgress first;
    first.images = n;
    first.steps = o.steps;
    report(first);

    fs::create_directories(o.out);
    const std::string ckDir = o.out + "/checkpoint";
    const bool resuming = o.resume && isRegularFile(ckDir + "/state.json");
    auto prior = startingPrior(o, *qlip, ckDir, resuming);
    auto& m = *prior->impl().model;
    m.train();
    train::AdamW opt(parameterGroups(m, o.weightDecay));
    int start = 0;
    if (resuming) {
        opt.load(ckDir + "/optimizer.safetensors");
        start = int(Json::parse(readTextFile(ckDir + "/state.json", "checkpoint state"), ckDir).find("step")->asInt("step"));
        std::fprintf(stderr, "resuming from %s at step %d\n", ckDir.c_str(), start);
    }
    const int k = prior->config().groups;
    const int64_t batch = std::min<int64_t>(o.batch, n);

    const std::string csvPath = o.out + "/train-log.csv";
    std::ofstream csv(csvPath, start > 0 ? std::ios::app : std::ios::trunc);
    if (start == 0) {
        csv << "step,lr,loss,bits_per_token";
        for (int g = 0; g < k; ++g) csv << ",group" << g;
        csv << ",tokens_per_s\n";
    }
    std::vector<double> acc(size_t(k), 0.0);
    int accSteps = 0;
    auto lastLog = std::chrono::steady_clock::now();
    for (int step = start; step < o.steps; ++step) {
        const std::vector<int64_t> idx = train::batchIndices(n, batch, o.seed, step);
        std::mt19937_64 rng(o.seed * 104729 + uint64_t(step));

        std::vector<std::string> captions;
        std::vector<bool> dropped;
        std::bernoulli_distribution drop(o.captionDropout);
        for (int64_t i : idx) {
            dropped.push_back(drop(rng));
            if (!dropped.back()) captions.push_back(data.caption(i, rng));
        }
        auto hidden = captions.empty() ? torch::Tensor() : prior->impl().textHidden(*qlip, captions, nullptr); // [B', L, Dt], no grad
        std::vector<torch::Tensor> rows;
        for (size_t j = 0, next = 0; j < idx.size(); ++j) rows.push_back(dropped[j] ? m.null_condition : hidden[int64_t(next++)]);
        auto cond = torch::stack(rows);                                                                 // [B, L, Dt]
        auto tokens = data.indices.index_select(0, torch::tensor(idx, torch::kLong)).to(prior->impl().device); // [B, T]

        auto losses = m.groupLosses(cond, tokens); // [k]
        auto loss = losses.mean();
        opt.zeroGrad();
        loss.backward();
        const double lr = train::cosineLearningRate(o.lr, o.warmup, o.steps, o.minLrFraction, step);
        opt.step(lr);

        auto lossesCpu = losses.detach().to(torch::kCPU);
        for (int g = 0; g < k; ++g) acc[size_t(g)] += lossesCpu[g].item<double>();
        ++accSteps;
        const bool last = step + 1 == o.steps;
        const bool outOfTime = train::limitReached(t0, o.maxMinutes, o.stopAt, step);
        if ((step + 1) % o.logEvery == 0 || last || outOfTime) {
            auto now = std::chrono::steady_clock::now();
            PriorTrainProgress p;
            p.step = step + 1;
            p.steps = o.steps;
            p.images = n;
            for (int g = 0; g < k; ++g) p.groupLoss.push_back(acc[size_t(g)] / accSteps);
            p.loss = std::accumulate(p.groupLoss.begin(), p.groupLoss.end(), 0.0) / k;
            p.bitsPerToken = p.loss * k / std::log(2.0);
            p.tokensPerSecond = double(accSteps) * batch * prior->config().tokens() / std::chrono::duration<double>(now - lastLog).count();
            p.etaSeconds = double(o.steps - p.step) * batch * prior->config().tokens() / std::max(1e-9, p.tokensPerSecond);
            lastLog = now;
            csv << p.step << ',' << lr << ',' << p.loss << ',' << p.bitsPerToken;
            for (double v : p.groupLoss) csv << ',' << v;
            csv << ',' << p.tokensPerSecond << '\n';
            csv.flush();
            std::fill(acc.begin(), acc.end(), 0.0);
            accSteps = 0;
            report(p);
        }
        if ((step + 1) % o.checkpointEvery == 0 || last || outOfTime) {
            prior->save(ckDir, "F32");
            opt.save(ckDir + "/optimizer.safetensors");
            writeState(ckDir, step + 1);
        }
        if (outOfTime) {
            std::fprintf(stderr, "stopping at step %d (time or step limit); resume with the same command\n", step + 1);
            break;
        }
    }
    m.eval();
    prior->save(o.out, "F16"); // F16 keeps 3 more mantissa bits than BF16 at the same size; the weights are small
    std::vector<std::string> panels = {"loss", "bits_per_token"};
    for (int g = 0; g < k && panels.size() < 6; ++g) panels.push_back("group" + std::to_string(g));
    train::plotTrainingLog(csvPath, o.out + "/train-loss.png", panels);
}

} // namespace qlip
