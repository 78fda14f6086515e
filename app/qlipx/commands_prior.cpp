// qlipx commands of the AR prior: generate, train-prior, eval-prior.
#include "args.h"
#include "commands.h"
#include "common.h"
#include "prior_bench.h"
#include "qlip/error.h"
#include "qlip/eval.h"
#include "qlip/image.h"
#include "qlip/prior.h"
#include "qlip/tokens.h"
#include "qlip/train.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace fs = std::filesystem;

namespace qlipx {
namespace {

void addSamplingOptions(Args& a) {
    a.option("seed", 0, "N", "random seed (same seed and settings = same images)", "0")
        .option("cfg", 0, "S", "classifier-free guidance scale (1 = none, 0 = unconditional)", "3")
        .option("cfg-interval", 0, "A:B", "apply guidance only to token positions A..B (raster order)")
        .option("temperature", 't', "T", "sampling temperature (0 = greedy)", "0.8")
        .option("top-k", 0, "K", "keep the K most likely candidates per group (0 = all)", "0")
        .option("top-p", 0, "P", "nucleus sampling per group (1 = all)", "1");
}

// A whole number written out in full ("12", not "1e3" or "12abc"); `what` names the option.
uint64_t parseWhole(const std::string& text, const std::string& what) {
    uint64_t v = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (text.empty() || ec != std::errc() || ptr != end)
        throw qlip::Error(what + ": expected a whole number >= 0, got '" + text + "'");
    return v;
}

qlip::SamplingParams samplingParams(const Args& a) {
    qlip::SamplingParams p;
    p.seed = parseWhole(a.value("seed"), "--seed");
    p.cfgScale = float(a.doubleValue("cfg"));
    p.temperature = float(a.doubleValue("temperature"));
    p.topK = a.intValue("top-k");
    p.topP = float(a.doubleValue("top-p"));
    if (a.has("cfg-interval")) {
        const std::string v = a.value("cfg-interval");
        const auto colon = v.find(':');
        if (colon == std::string::npos) throw qlip::Error("--cfg-interval: expected A:B (token positions), got '" + v + "'");
        p.cfgFirst = int(std::min<uint64_t>(parseWhole(v.substr(0, colon), "--cfg-interval A"), 1u << 30));
        p.cfgLast = int(std::min<uint64_t>(parseWhole(v.substr(colon + 1), "--cfg-interval B"), 1u << 30));
    }
    return p;
}

std::string priorFolder(const Args& a) {
    if (a.has("prior")) return a.value("prior");
    std::string folder = defaultPriorFolder();
    if (folder.empty()) throw qlip::Error("no --prior given and the embedded prior is not installed");
    return folder;
}

// "an emoji of a red apple" -> "an-emoji-of-a-red-apple" (at most 48 characters).
std::string slug(const std::string& prompt) {
    std::string s;
    for (unsigned char c : prompt) {
        if (std::isalnum(c)) s += char(std::tolower(c));
        else if (!s.empty() && s.back() != '-') s += '-';
        if (s.size() >= 48) break;
    }
    while (!s.empty() && s.back() == '-') s.pop_back();
    return s.empty() ? "unconditional" : s;
}

// "r0,c0,r1,c1" (rows r0..r1-1, columns c0..c1-1) -> a regeneration mask.
std::vector<uint8_t> rectangleMask(const std::string& spec, int rows, int cols) {
    int v[4];
    if (std::sscanf(spec.c_str(), "%d,%d,%d,%d", &v[0], &v[1], &v[2], &v[3]) != 4 || v[0] < 0 || v[1] < 0 || v[2] > rows || v[3] > cols ||
        v[0] >= v[2] || v[1] >= v[3])
        throw qlip::Error("--region: expected ROW0,COL0,ROW1,COL1 inside the " + std::to_string(rows) + "x" + std::to_string(cols) +
                          " grid (end exclusive), got '" + spec + "'");
    std::vector<uint8_t> mask(size_t(rows) * cols, 0);
    for (int r = v[0]; r < v[2]; ++r)
        for (int c = v[1]; c < v[3]; ++c) mask[size_t(r) * cols + c] = 1;
    return mask;
}

} // namespace

int runGenerate(int argc, char** argv) {
    Args a("generate", "\"PROMPT\" [-m MODEL] [--prior PRIOR] [-n N] [--seed S] [--cfg G] -o DIR",
           "Sample images from a prompt with the AR prior, token by token. Writes DIR/<prompt>-s<seed>-<i>.png\n"
           "(prompt and every parameter in the PNG's metadata) and, with --tokens, the token grids as .npy.\n"
           "An empty prompt samples unconditionally. --keep TOKENS.npy --region R0,C0,R1,C1 regenerates only\n"
           "that rectangle of an existing grid (tokens before it in raster order condition it).");
    a.option("model", 'm', "MODEL", "QLIP model folder (default: the embedded emoji model)")
        .option("prior", 0, "PRIOR", "prior folder (default: the embedded prior of the emoji model)")
        .option("output", 'o', "DIR", "output folder")
        .option("samples", 'n', "N", "images to sample", "1")
        .option("negative", 0, "TEXT", "negative prompt (the unconditional branch of guidance)");
    addSamplingOptions(a);
    a.option("keep", 0, "TOKENS", "masked regeneration: the token grid (.npy) to start from")
        .option("region", 0, "R0,C0,R1,C1", "masked regeneration: the rectangle to resample")
        .flag("tokens", 0, "also write each grid as .npy + .json")
        .flag("no-kv-cache", 0, "recompute the whole sequence at every token (slow; for comparison)")
        .flag("quiet", 'q', "no per-row progress");
    addEngineOptions(a);
    if (!a.parse(argc, argv)) return 0;
    if (a.positionals().size() > 1) throw qlip::Error("generate: give one PROMPT (quote it)");
    if (!a.has("output")) throw qlip::Error("generate: -o DIR is required");
    qlip::GenerateRequest req;
    req.prompt = a.positionals().empty() ? "" : a.positionals()[0];
    req.negativePrompt = a.value("negative");
    req.samples = a.intValue("samples");
    req.sampling = samplingParams(a);
    req.kvCache = !a.has("no-kv-cache");

    auto engine = qlip::Engine::open(modelFolder(a), engineOptions(a));
    auto prior = qlip::Prior::open(priorFolder(a), *engine);
    const auto& pc = prior->config();
    if (a.has("keep") != a.has("region")) throw qlip::Error("generate: --keep and --region go together");
    if (a.has("keep")) {
        req.keep = qlip::loadTokens(a.value("keep"), pc.gridRows, pc.gridCols, pc.bits, engine->info().groupSize);
        req.regenerate = rectangleMask(a.value("region"), pc.gridRows, pc.gridCols);
    }
    const std::string out = a.value("output");
    fs::create_directories(out);
    const bool quiet = a.has("quiet");
    auto result = prior->generate(*engine, req, [&](const qlip::GeneratedToken& t) {
        if (!quiet && t.sample == req.samples - 1 && (t.position + 1) % pc.gridCols == 0)
            std::fprintf(stderr, "\rrow %d/%d", (t.position + 1) / pc.gridCols, pc.gridRows);
        return true;
    });
    if (!quiet) std::fprintf(stderr, "\n");
    for (const auto& n : result.notices) std::fprintf(stderr, "note: %s\n", n.c_str());
    const std::string base = slug(req.prompt) + "-s" + std::to_string(req.sampling.seed);
    for (int i = 0; i < req.samples; ++i) {
        const auto& grid = result.grids[size_t(i)];
        const std::string stem = (fs::path(out) / (base + "-" + std::to_string(i))).string();
        qlip::savePng(stem + ".png", engine->decodeToImage(grid), qlip::generationMetadata(req, i, engine->info().name, pc.name));
        if (a.has("tokens")) qlip::saveTokens(stem + ".npy", grid, {engine->info().name, "generated: " + req.prompt, "{}"});
        double meanConf = 0;
        for (float c : result.confidence[size_t(i)]) meanConf += c;
        std::printf("%s.png  mean token confidence %.3f\n", stem.c_str(), meanConf / grid.count());
    }
    std::fprintf(stderr, "%lld tokens in %.2f s (%.0f tokens/s, %.2f s per image)\n", static_cast<long long>(result.sampledTokens),
                 result.seconds, double(result.sampledTokens) / std::max(1e-9, result.seconds), result.seconds / req.samples);
    return 0;
}

int runTrainPrior(int argc, char** argv) {
    qlip::PriorTrainOptions o;
    Args a("train-prior", "--data DIR --out PRIOR [-m MODEL] [options]",
           "Train an AR prior over a QLIP model's tokens. DIR is a folder from tools/emoji_data.py or any\n"
           "folder of images with same-named .txt captions. Writes PRIOR (config.json + model.safetensors),\n"
           "checkpoints to PRIOR/checkpoint (resumed automatically), PRIOR/train-log.csv + train-loss.png.");
    a.option("data", 0, "DIR", "training data folder")
        .option("out", 'o', "PRIOR", "output prior folder")
        .option("model", 'm', "MODEL", "QLIP model folder (default: the embedded emoji model)")
        .option("groups", 0, "K", "bit groups per token (28 bits: 2, 4, 7, ...)", std::to_string(o.groups))
        .option("width", 0, "D", "transformer width", std::to_string(o.width))
        .option("layers", 0, "N", "transformer layers", std::to_string(o.layers))
        .option("heads", 0, "N", "attention heads", std::to_string(o.heads))
        .option("mlp", 0, "N", "SwiGLU hidden width", std::to_string(o.mlp))
        .option("head-mlp", 0, "N", "group head MLP width", std::to_string(o.headMlp))
        .option("caption-dropout", 0, "P", "probability of training a caption as the null condition", "0.1")
        .option("init", 0, "PRIOR", "start from this prior folder's weights and sizes with a fresh optimizer");
    addRunOptions(a, o);
    if (!a.parse(argc, argv)) return 0;
    o.data = a.value("data");
    o.out = a.value("out");
    o.qlip = modelFolder(a);
    o.groups = a.intValue("groups");
    o.width = a.intValue("width");
    o.layers = a.intValue("layers");
    o.heads = a.intValue("heads");
    o.mlp = a.intValue("mlp");
    o.headMlp = a.intValue("head-mlp");
    o.captionDropout = std::clamp(a.doubleValue("caption-dropout"), 0.0, 1.0);
    o.init = a.value("init");
    readRunOptions(a, o);
    qlip::trainPrior(o, [](const qlip::PriorTrainProgress& p) {
        if (p.step == 0) {
            std::fprintf(stderr, "%lld training images pre-tokenized\n", static_cast<long long>(p.images));
            return;
        }
        std::fprintf(stderr, "step %d/%d  loss %.4f  %.2f bits/token  groups", p.step, p.steps, p.loss, p.bitsPerToken);
        for (double g : p.groupLoss) std::fprintf(stderr, " %.3f", g);
        std::fprintf(stderr, "  %.0f tokens/s  eta %.0f min\n", p.tokensPerSecond, p.etaSeconds / 60);
    });
    return 0;
}

int runEvalPrior(int argc, char** argv) {
    Args a("eval-prior", "--data DIR [-m MODEL] [--prior PRIOR] [options]",
           "Generate one image per label of DIR/fluent.json's fixed 100-way subset from \"an emoji of {label}\"\n"
           "(seed = --seed + i) and classify it with the QLIP model's zero-shot classifier over those labels.");
    a.option("data", 0, "DIR", "folder with fluent.json (tools/emoji_data.py)")
        .option("model", 'm', "MODEL", "QLIP model folder (default: the embedded emoji model)")
        .option("prior", 0, "PRIOR", "prior folder (default: the embedded prior)")
        .option("grid", 0, "PNG", "write the samples as a 10-column sheet")
        .option("csv", 0, "FILE", "write label, predicted label and hit per prompt");
    addSamplingOptions(a);
    addEngineOptions(a);
    if (!a.parse(argc, argv)) return 0;
    if (!a.has("data")) throw qlip::Error("eval-prior: --data DIR is required");
    auto engine = qlip::Engine::open(modelFolder(a), engineOptions(a));
    auto prior = qlip::Prior::open(priorFolder(a), *engine);
    qlip::PriorEvalOptions o;
    o.sampling = samplingParams(a);
    o.gridPng = a.value("grid");
    o.labelsCsv = a.value("csv");
    auto r = qlip::evaluatePrior(*engine, *prior, a.value("data"), o);
    std::printf("prompts              %d (\"an emoji of {label}\", seeds %llu..%llu)\n", r.prompts,
                static_cast<unsigned long long>(o.sampling.seed), static_cast<unsigned long long>(o.sampling.seed + r.prompts - 1));
    std::printf("zero-shot top-1      %.1f %% (chance %.1f %%)\nzero-shot top-5      %.1f %%\n", 100 * r.top1, 100.0 / r.prompts, 100 * r.top5);
    std::printf("mean confidence      %.3f\nseed check           %d distinct grids from %d seeds\n", r.meanConfidence, r.distinctAcrossSeeds,
                r.seedsChecked);
    std::printf("speed                %.3f s per image, %.0f tokens/s\n", r.secondsPerImage, r.tokensPerSecond);
    return 0;
}

int runBenchPrior(int argc, char** argv) {
    Args a("bench-prior", "[-m MODEL] [--prior PRIOR] [options]",
           "Sampling speed of the embedded (or given) prior and of a GPT-B-sized random prior over\n"
           "QLIP-B-16-256's 16x16 grid: tokens per second and seconds per image, with and without the KV cache.");
    a.option("model", 'm', "MODEL", "QLIP model folder (default: the embedded emoji model)")
        .option("prior", 0, "PRIOR", "prior folder (default: the embedded prior)")
        .option("repeats", 0, "N", "timed runs per row (median)", "3")
        .option("gpt-b-positions", 0, "N", "positions timed for GPT-B with and without the cache", "32")
        .option("device", 0, "DEV", "auto, cpu or cuda", "auto")
        .option("threads", 0, "N", "CPU threads (0 = all cores)", "0")
        .option("markdown", 0, "FILE", "also write the table to FILE")
        .flag("no-gpt-b", 0, "skip the GPT-B-sized prior")
        .flag("no-shipped", 0, "skip the embedded prior");
    if (!a.parse(argc, argv)) return 0;
    qlip::bench::PriorBenchOptions o;
    if (!a.has("no-shipped")) {
        o.model = modelFolder(a);
        o.prior = priorFolder(a);
    }
    o.gptB = !a.has("no-gpt-b");
    o.gptBPositions = std::max(1, a.intValue("gpt-b-positions"));
    o.repeats = std::max(1, a.intValue("repeats"));
    o.threads = a.intValue("threads");
    o.device = qlip::parseDevice(a.value("device"));
    o.markdown = a.value("markdown");
    return qlip::bench::runPriorBench(o);
}

} // namespace qlipx
