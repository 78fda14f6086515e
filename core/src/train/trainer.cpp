// qlipx train-tokenizer: the QLIP recipe scaled down to a CPU budget.
// Per step: encode -> BSQ (straight-through) -> decode for the reconstruction loss, group entropy
// terms on the unit latent, and a CLIP loss between the class-token embedding and the caption.
#include "qlip/train.h"

#include "engine_impl.h"
#include "fileio.h"
#include "model/weights.h"
#include "qlip/error.h"
#include "qlip/image.h"
#include "qlip/json.h"
#include "qlip/safetensors.h"
#include "train/adamw.h"
#include "train/dataset.h"
#include "train/losses.h"
#include "train/plot.h"
#include "train/schedule.h"
#include "train/vocab.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

namespace fs = std::filesystem;

namespace qlip {
namespace {

// The first batch as seen by the model (after shift and style augmentation), 8 images a row, so
// that a run's input can be looked at: <out>/train-batch.png.
void saveBatchSheet(const torch::Tensor& normalized, const std::string& path) {
    auto mean = torch::tensor({0.48145466f, 0.4578275f, 0.40821073f}).view({1, 3, 1, 1});
    auto stdv = torch::tensor({0.26862954f, 0.26130258f, 0.27577711f}).view({1, 3, 1, 1});
    auto x = (normalized.cpu() * stdv + mean).clamp(0, 1).mul(255).round().to(torch::kUInt8); // [B, 3, S, S]
    const int64_t n = std::min<int64_t>(x.size(0), 32), S = x.size(2), cols = 8, rows = (n + cols - 1) / cols;
    ImageRGB8 sheet{int(cols * S), int(rows * S), std::vector<uint8_t>(size_t(cols * S * rows * S * 3), 255)};
    auto hwc = x.slice(0, 0, n).permute({0, 2, 3, 1}).contiguous();
    const uint8_t* p = hwc.data_ptr<uint8_t>();
    for (int64_t i = 0; i < n; ++i)
        for (int64_t y = 0; y < S; ++y)
            std::copy_n(p + (i * S + y) * S * 3, S * 3, sheet.pixel(int((i % cols) * S), int((i / cols) * S + y)));
    savePng(path, sheet);
}

QlipConfig configFor(const TokenizerTrainOptions& o, int vocabSize) {
    QlipConfig c = QlipConfig::preset("QLIP-B-16-256"); // every structural flag of the release
    c.name = "qlip-explorer-emoji-64";
    for (ImageTowerConfig* t : {static_cast<ImageTowerConfig*>(&c.vision), &c.decoder}) {
        t->hiddenSize = o.width;
        t->numHeads = o.heads;
        t->intermediateSize = o.mlp;
        t->imageSize = o.imageSize;
        t->patchSize = o.patch;
    }
    c.vision.numLayers = o.layers;
    c.decoder.numLayers = o.decoderLayers;
    c.vision.bsq = BsqConfig{o.bits, 1, true};
    c.text.hiddenSize = o.textWidth;
    c.text.numLayers = o.textLayers;
    c.text.numHeads = o.textHeads;
    c.text.intermediateSize = o.textMlp;
    c.text.maxPositions = o.contextLength;
    c.text.vocabSize = vocabSize;
    c.projectionDim = o.projectionDim;
    c.validate("training configuration");
    return c;
}

// Small-std initialisation (transformer practice); LayerNorms stay at 1/0, logit scale at log(1/0.07).
void initialise(model::QLIPModelImpl& m, uint64_t seed) {
    torch::manual_seed(seed);
    torch::NoGradGuard g;
    for (auto& p : m.named_parameters()) {
        const std::string& k = p.key();
        auto& t = p.value();
        bool layerNorm = k.find("layer_norm") != std::string::npos || k.find("_ln.") != std::string::npos ||
                         k.find("layernorm") != std::string::npos || k.find("norm.") == 0 || k.find(".norm.") != std::string::npos;
        if (k == "logit_scale") t.fill_(std::log(1 / 0.07));
        else if (layerNorm) { if (k.size() > 7 && k.compare(k.size() - 7, 7, ".weight") == 0) t.fill_(1); else t.zero_(); }
        else if (k.size() > 5 && k.compare(k.size() - 5, 5, ".bias") == 0) t.zero_();
        else t.normal_(0, 0.02);
    }
}

std::vector<train::AdamW::Group> parameterGroups(model::QLIPModelImpl& m, double weightDecay) {
    train::AdamW::Group decay, plain;
    decay.weightDecay = weightDecay;
    for (auto& p : m.named_parameters()) {
        // Decay matrices only; biases, norms, embeddings' tables and the temperature are left alone.
        bool matrix = p.value().dim() >= 2 && p.key().find("embedding") == std::string::npos &&
                      p.key().find("position_embeddings") == std::string::npos;
        auto& g = matrix ? decay : plain;
        g.names.push_back(p.key());
        g.params.push_back(p.value());
    }
    return {decay, plain};
}

void writeText(const std::string& path, const std::string& text) { writeFileAtomic(path, text.data(), text.size()); }

void writePreprocessorConfig(const std::string& folder, int size) {
    Json::Object o;
    o["do_resize"] = Json(true);
    o["size"] = Json(Json::Object{{"shortest_edge", Json(size)}});
    o["resample"] = Json(3);
    o["do_center_crop"] = Json(true);
    o["crop_size"] = Json(Json::Object{{"height", Json(size)}, {"width", Json(size)}});
    o["do_rescale"] = Json(true);
    o["rescale_factor"] = Json(1.0 / 255.0);
    o["do_normalize"] = Json(true);
    o["image_mean"] = Json(Json::Array{Json(0.48145466), Json(0.4578275), Json(0.40821073)});
    o["image_std"] = Json(Json::Array{Json(0.26862954), Json(0.26130258), Json(0.27577711)});
    o["image_processor_type"] = Json("CLIPImageProcessor");
    o["qlipx_alpha"] = Json("white"); // trained on transparent art composited on white
    writeText(folder + "/preprocessor_config.json", Json(std::move(o)).dump() + "\n");
}

struct Checkpoint {
    std::string dir;
    bool exists() const { return isRegularFile(dir + "/state.json"); }
};

void saveCheckpoint(const Checkpoint& ck, Engine& engine, const train::AdamW& opt, int step) {
    fs::create_directories(ck.dir);
    engine.saveModelFolder(ck.dir, "F32");
    opt.save(ck.dir + "/optimizer.safetensors");
    writeText(ck.dir + "/state.json", "{\"step\": " + std::to_string(step) + "}\n"); // written last: marks a complete checkpoint
}

} // namespace

void trainTokenizer(const TokenizerTrainOptions& o, const std::function<void(const TrainProgress&)>& report) {
    if (o.data.empty() || o.out.empty() || o.merges.empty()) throw Error("train-tokenizer: --data, --out and --merges are required");
    fs::create_directories(o.out);
    const int vocabSize = train::writeCompactVocabulary(o.merges, o.mergeCount, o.out);
    const auto tokenizer = ClipTokenizer::fromFiles(o.out + "/vocab.json", o.out + "/merges.txt");
    writePreprocessorConfig(o.out, o.imageSize);
    train::CaptionedImages data(o.data, "train_images.npy", "train.json");
    if (data.imageSize() != o.imageSize)
        throw Error("training images are " + std::to_string(data.imageSize()) + " px; --image-size is " + std::to_string(o.imageSize));

    EngineOptions eo;
    eo.device = parseDevice(o.device);
    eo.threads = o.threads;
    auto engine = Engine::random(configFor(o, vocabSize), eo, o.seed);
    auto& d = engine->impl();
    auto& m = *d.model;
    initialise(m, o.seed);
    m.to(d.device);
    m.train();
    train::AdamW opt(parameterGroups(m, o.weightDecay));

    Checkpoint ck{o.out + "/checkpoint"};
    int start = 0;
    if (!o.init.empty() && !(o.resume && ck.exists())) {
        model::loadWeights(m, SafetensorsFile::open(o.init + "/model.safetensors"));
        std::fprintf(stderr, "starting from the weights of %s\n", o.init.c_str());
    }
    if (o.resume && ck.exists()) {
        auto weights = SafetensorsFile::open(ck.dir + "/model.safetensors");
        model::loadWeights(m, weights);
        opt.load(ck.dir + "/optimizer.safetensors");
        start = int(Json::parse(readTextFile(ck.dir + "/state.json", "checkpoint state"), ck.dir).find("step")->asInt("step"));
        std::fprintf(stderr, "resuming from %s at step %d\n", ck.dir.c_str(), start);
    }

    const std::string csvPath = o.out + "/train-log.csv";
    std::ofstream csv(csvPath, start > 0 ? std::ios::app : std::ios::trunc);
    if (start == 0) csv << "step,lr,loss,recon,psnr,entropy,codebook_entropy,clip,logit_scale,images_per_s\n";

    const int64_t n = data.size();
    const auto t0 = std::chrono::steady_clock::now();
    auto lastLog = t0;
    const double kMean[3] = {0.48145466, 0.4578275, 0.40821073}, kStd[3] = {0.26862954, 0.26130258, 0.27577711};
    auto mean = torch::tensor({kMean[0], kMean[1], kMean[2]}).view({1, 3, 1, 1}).to(d.device);
    auto stdv = torch::tensor({kStd[0], kStd[1], kStd[2]}).view({1, 3, 1, 1}).to(d.device);
    TrainProgress acc;
    int accSteps = 0;
    for (int step = start; step < o.steps; ++step) {
        const std::vector<int64_t> idx = train::batchIndices(n, o.batch, o.seed, step);
        std::mt19937_64 rng(o.seed * 104729 + uint64_t(step));
        auto batch = train::makeBatch(data, idx, tokenizer, o.contextLength, o.shift, rng, o.augment);
        if (step == start) saveBatchSheet(batch.pixels, o.out + "/train-batch.png");
        auto pixels = batch.pixels.to(d.device), ids = batch.ids.to(d.device), concepts = batch.concepts.to(d.device);

        auto vision = m.vision_model(pixels);                                          // [B, N+1, D]
        auto z = m.vision_model->quant_embed(vision.lastHidden.slice(1, 1));           // [B, N, E]
        auto u = z / z.norm(2, -1, true).clamp_min(1e-12);
        auto quantized = train::bsqStraightThrough(u);
        auto recon = m.vision_decoder(m.vision_model->quant_embed_post(quantized));   // [B, 3, S, S]
        auto recon01 = recon * stdv + mean, target01 = pixels * stdv + mean;
        auto mse = torch::mse_loss(recon01, target01);
        auto reconLoss = mse + torch::l1_loss(recon01, target01);
        auto ent = train::groupEntropy(u, o.entropyGroup, o.invTemperature);
        auto entropyLoss = ent.perSample - o.codebookEntropyGamma * ent.codebook;
        auto img = m.imageFeatures(vision.pooled);
        auto txt = m.textFeatures(m.text_model(ids).pooled);
        auto clip = train::contrastiveLoss(img / img.norm(2, -1, true), txt / txt.norm(2, -1, true), m.logit_scale, concepts);
        auto loss = reconLoss + o.entropyWeight * entropyLoss + o.clipWeight * clip;

        opt.zeroGrad();
        loss.backward();
        const double lr = train::cosineLearningRate(o.lr, o.warmup, o.steps, o.minLrFraction, step);
        opt.step(lr);
        {
            torch::NoGradGuard g;
            m.logit_scale.clamp_(0, std::log(100.0));
        }

        acc.loss += loss.item<double>();
        acc.recon += reconLoss.item<double>();
        acc.psnr += -10 * std::log10(mse.item<double>());
        acc.entropy += ent.perSample.item<double>();
        acc.codebookEntropy += ent.codebook.item<double>();
        acc.clip += clip.item<double>();
        ++accSteps;
        const bool last = step + 1 == o.steps;
        const bool outOfTime = train::limitReached(t0, o.maxMinutes, o.stopAt, step);
        if ((step + 1) % o.logEvery == 0 || last || outOfTime) {
            auto now = std::chrono::steady_clock::now();
            TrainProgress p;
            p.step = step + 1;
            p.steps = o.steps;
            p.loss = acc.loss / accSteps;
            p.recon = acc.recon / accSteps;
            p.psnr = acc.psnr / accSteps;
            p.entropy = acc.entropy / accSteps;
            p.codebookEntropy = acc.codebookEntropy / accSteps;
            p.clip = acc.clip / accSteps;
            p.logitScale = m.logit_scale.item<double>();
            p.imagesPerSecond = accSteps * o.batch / std::chrono::duration<double>(now - lastLog).count();
            p.etaSeconds = (o.steps - p.step) * o.batch / std::max(1e-9, p.imagesPerSecond);
            lastLog = now;
            csv << p.step << ',' << lr << ',' << p.loss << ',' << p.recon << ',' << p.psnr << ',' << p.entropy << ','
                << p.codebookEntropy << ',' << p.clip << ',' << p.logitScale << ',' << p.imagesPerSecond << '\n';
            csv.flush();
            acc = {};
            accSteps = 0;
            report(p);
        }
        if ((step + 1) % o.checkpointEvery == 0 || last || outOfTime) saveCheckpoint(ck, *engine, opt, step + 1);
        if (outOfTime) {
            std::fprintf(stderr, "stopping at step %d (time or step limit); resume with the same command\n", step + 1);
            break;
        }
    }
    m.eval();
    engine->saveModelFolder(o.out, "BF16");
    train::plotTrainingLog(csvPath, o.out + "/train-loss.png");
}

} // namespace qlip
