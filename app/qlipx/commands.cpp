#include "commands.h"

#include "args.h"
#include "common.h"
#include "bench.h"
#include "qlip/engine.h"
#include "qlip/eval.h"
#include "qlip/folderindex.h"
#include "qlip/error.h"
#include "qlip/json.h"
#include "qlip/parity.h"
#include "qlip/query.h"
#include "qlip/tokenizer.h"
#include "qlip/train.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>

namespace fs = std::filesystem;

namespace qlipx {

const std::vector<Command>& commands() {
    static const std::vector<Command> list = {
        {"info", "show a model folder's configuration", runInfo},
        {"encode", "encode images into token grids (.npy + .json)", runEncode},
        {"decode", "decode a token grid into a PNG", runDecode},
        {"query", "zero-shot label probabilities for an image", runQuery},
        {"index", "index the images of a folder (embeddings + tokens, incremental)", runIndex},
        {"search", "rank a folder's images by similarity to a text or an image", runSearch},
        {"stats", "token statistics of a folder's images (bit balance, entropy, frequent tokens)", runStats},
        {"parity", "check the engine against a golden reference folder", runParity},
        {"bench", "benchmark the released configurations with random weights", runBench},
        {"eval", "reconstruction, token usage and zero-shot figures on a packed image set", runEval},
        {"train-tokenizer", "train a small QLIP (BSQ autoencoder + text tower) from scratch", runTrainTokenizer},
        {"generate", "sample images from a text prompt with the AR prior", runGenerate},
        {"train-prior", "train an AR prior over a QLIP model's tokens", runTrainPrior},
        {"eval-prior", "zero-shot accuracy of prior samples on the fixed 100-way prompts", runEvalPrior},
        {"bench-prior", "sampling speed of priors (tokens/s, s per image), with and without the KV cache", runBenchPrior},
        {"models", "list the models in the Hugging Face cache, added folders and the official ones", runModels},
        {"download", "download a model from the Hugging Face hub into its cache (resumable)", runDownload},
        {"tokenize", "tokenize a dataset into WebDataset token shards (Slurm arrays, Kubernetes indexed jobs)", runTokenize},
        {"tokenize-verify", "check that token shards are finished, intact and cover the inputs exactly once", runTokenizeVerify},
        {"tokenize-merge", "merge verified token shards into one tar + manifest", runTokenizeMerge},
        {"tokenize-bench", "images/s of tokenize end to end against the engine alone", runTokenizeBench},
    };
    return list;
}

int runInfo(int argc, char** argv) {
    Args a("info", "[MODEL]", "Load a model folder (default: the embedded emoji model) and print what it is.");
    addEngineOptions(a);
    if (!a.parse(argc, argv)) return 0;
    if (a.positionals().size() > 1) throw qlip::Error("info: give at most one MODEL folder");
    auto engine = qlip::Engine::open(a.positionals().empty() ? modelFolder(a) : a.positionals()[0], engineOptions(a));
    const auto& i = engine->info();
    std::printf("model        %s\nfolder       %s\n", i.name.c_str(), i.folder.c_str());
    std::printf("image        %dx%d, patch %d, grid %dx%d (%d tokens)\n", i.imageSize, i.imageSize, i.patchSize, i.gridRows,
                i.gridCols, i.gridRows * i.gridCols);
    std::printf("tokens       %d bits, group size %d, bit order: channel 0 = most significant bit\n", i.bits, i.groupSize);
    std::printf("embedding    %d dims, logit scale exp(%.4f) = %.2f\n", i.projectionDim, double(i.logitScale), std::exp(double(i.logitScale)));
    std::printf("text         %s, context %d\n", i.hasTokenizer ? "tokenizer present" : "no tokenizer", i.contextLength);
    std::printf("parameters   %lld (%.1f M)\n", static_cast<long long>(i.parameters), double(i.parameters) / 1e6);
    std::printf("device       %s, %s, %d threads\nloaded in    %.3f s\n", i.device.c_str(), i.precision.c_str(), i.threads, i.loadSeconds);
    if (i.mappedBytes) std::printf("weights      %.0f MB used in place from the memory-mapped file\n", double(i.mappedBytes) / 1e6);
    for (const auto& w : i.warnings) std::printf("warning      %s\n", w.c_str());
    return 0;
}

int runEncode(int argc, char** argv) {
    Args a("encode", "IMAGE... -m MODEL -o OUT",
           "Encode images into QLIP token grids. Each image gives OUT/<name>.npy (int64 indices [rows, cols])\n"
           "and OUT/<name>.json (model, grid, bits, bit order, pre-processing). With one image and an OUT\n"
           "ending in .npy, that file is written. Unreadable images are reported and skipped.");
    a.option("model", 'm', "MODEL", "model folder (default: the embedded emoji model)").option("output", 'o', "OUT", "output folder or .npy file");
    addEngineOptions(a);
    if (!a.parse(argc, argv)) return 0;
    const auto& images = a.positionals();
    if (images.empty()) throw qlip::Error("encode: no IMAGE given");
    if (!a.has("output")) throw qlip::Error("encode: -o OUT is required");
    const std::string out = a.value("output");
    const bool singleFile = images.size() == 1 && fs::path(out).extension() == ".npy";
    if (!singleFile) fs::create_directories(out);

    auto engine = qlip::Engine::open(modelFolder(a), engineOptions(a));
    const std::string pre = qlip::preprocessingJson(engine->preprocessConfig());
    const auto t0 = std::chrono::steady_clock::now();
    int failed = 0;
    std::vector<std::string> used;
    for (size_t i = 0; i < images.size(); ++i) {
        try {
            auto grid = engine->encodeImage(qlip::loadImage(images[i], engine->preprocessConfig().alpha));
            std::string stem = fs::path(images[i]).stem().string();
            std::string name = stem;
            for (int k = 2; std::find(used.begin(), used.end(), name) != used.end(); ++k) name = stem + "-" + std::to_string(k);
            used.push_back(name);
            std::string target = singleFile ? out : (fs::path(out) / (name + ".npy")).string();
            qlip::saveTokens(target, grid, {engine->info().name, images[i], pre});
            std::fprintf(stderr, "[%zu/%zu] %s -> %s\n", i + 1, images.size(), images[i].c_str(), target.c_str());
        } catch (const qlip::Error& e) {
            ++failed;
            std::fprintf(stderr, "[%zu/%zu] skipped: %s\n", i + 1, images.size(), e.what());
        }
    }
    std::fprintf(stderr, "encoded %zu of %zu images in %.2f s\n", images.size() - size_t(failed), images.size(), secondsSince(t0));
    return failed ? 1 : 0;
}

int runDecode(int argc, char** argv) {
    Args a("decode", "TOKENS.npy -m MODEL -o IMAGE.png", "Decode a token grid (as written by 'qlipx encode') into a PNG.");
    a.option("model", 'm', "MODEL", "model folder (default: the embedded emoji model)").option("output", 'o', "PNG", "output image");
    addEngineOptions(a);
    if (!a.parse(argc, argv)) return 0;
    if (a.positionals().size() != 1) throw qlip::Error("decode: give exactly one TOKENS file");
    if (!a.has("output")) throw qlip::Error("decode: -o PNG is required");
    auto engine = qlip::Engine::open(modelFolder(a), engineOptions(a));
    const auto& i = engine->info();
    auto grid = qlip::loadTokens(a.positionals()[0], i.gridRows, i.gridCols, i.bits, i.groupSize);
    auto image = engine->decodeToImage(grid);
    qlip::savePng(a.value("output"), image, {{"qlip:model", i.name}, {"qlip:tokens", a.positionals()[0]}});
    std::fprintf(stderr, "decoded %dx%d tokens -> %s (%dx%d)\n", grid.rows, grid.cols, a.value("output").c_str(), image.width, image.height);
    return 0;
}

int runQuery(int argc, char** argv) {
    Args a("query", "IMAGE -m MODEL --labels \"a cat, a dog\"",
           "Zero-shot classification: probabilities of each label for the image, sorted.");
    a.option("model", 'm', "MODEL", "model folder (default: the embedded emoji model)")
        .option("labels", 'l', "LIST", "comma-separated labels (repeatable)")
        .option("labels-file", 0, "FILE", "one label per line")
        .option("template", 't', "TEXT", "prompt template, {} is replaced by the label (repeatable: ensemble)", "{}")
        .option("scale", 0, "S", "100 (the reference notebook) or learned (exp(logit_scale))", "100")
        .option("top", 0, "N", "print the N best labels (0 = all)", "0");
    addEngineOptions(a);
    if (!a.parse(argc, argv)) return 0;
    if (a.positionals().size() != 1) throw qlip::Error("query: give exactly one IMAGE");
    std::vector<std::string> labels;
    for (const auto& l : a.values("labels"))
        for (auto& s : splitCommas(l)) labels.push_back(s);
    if (a.has("labels-file")) {
        int duplicates = 0;
        for (auto& s : qlip::readLabelFile(a.value("labels-file"), &duplicates)) labels.push_back(s);
        if (duplicates) std::fprintf(stderr, "%s: %d duplicate labels dropped\n", a.value("labels-file").c_str(), duplicates);
    }
    if (labels.empty()) throw qlip::Error("query: no labels (use --labels or --labels-file)");
    const std::string scaleName = a.value("scale");
    if (scaleName != "100" && scaleName != "learned") throw qlip::Error("query: --scale must be 100 or learned");

    auto engine = qlip::Engine::open(modelFolder(a), engineOptions(a));
    auto image = engine->embedImages({engine->preprocess(qlip::loadImage(a.positionals()[0], engine->preprocessConfig().alpha))}).front();
    auto texts = qlip::embedPrompts(*engine, labels, a.values("template"));
    auto r = engine->zeroShot(image, texts, scaleName == "100" ? qlip::ZeroShotScale::Fixed100 : qlip::ZeroShotScale::Learned);
    std::vector<size_t> order(labels.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return r.probabilities[x] > r.probabilities[y]; });
    size_t top = a.intValue("top") > 0 ? std::min(order.size(), size_t(a.intValue("top"))) : order.size();
    std::printf("%-9s %-8s %s   (scale %.2f)\n", "prob", "cosine", "label", r.scale);
    for (size_t k = 0; k < top; ++k)
        std::printf("%-9.5f %-8.4f %s\n", double(r.probabilities[order[k]]), double(r.cosine[order[k]]), labels[order[k]].c_str());
    return 0;
}

int runParity(int argc, char** argv) {
    Args a("parity", "DIR",
           "Run the model of a golden folder (config.json, model.safetensors, inputs.safetensors,\n"
           "outputs.safetensors) and compare every reference tensor the engine produces. Exits non-zero on\n"
           "any failure: floats within the tolerance, codes/indices/group indices exact.");
    a.option("reference", 'r', "FILE", "reference outputs inside DIR", "outputs.safetensors")
        .option("tolerance", 0, "ATOL", "absolute tolerance for float tensors", "2e-4");
    addEngineOptions(a);
    if (!a.parse(argc, argv)) return 0;
    if (a.positionals().size() != 1) throw qlip::Error("parity: give exactly one DIR");
    qlip::ParityOptions o;
    o.engine = engineOptions(a);
    o.referenceFile = a.value("reference");
    o.floatTolerance = a.doubleValue("tolerance");
    auto report = qlip::runParity(a.positionals()[0], o);
    std::printf("parity of %s against %s on %s, %s\n", a.positionals()[0].c_str(), o.referenceFile.c_str(), report.device.c_str(),
                report.precision.c_str());
    std::printf("%-30s %-18s %-12s %-10s %s\n", "tensor", "shape", "max |err|", "tolerance", "result");
    for (const auto& r : report.rows)
        std::printf("%-30s %-18s %-12.3e %-10s %s%s%s\n", r.name.c_str(), r.shape.c_str(), r.maxAbsError,
                    r.exact ? "exact" : (std::to_string(r.tolerance).substr(0, 8)).c_str(), r.passed ? "ok" : "FAIL",
                    r.note.empty() ? "" : ": ", r.note.c_str());
    for (const auto& s : report.skipped) std::printf("skipped  %s\n", s.c_str());
    int failed = int(std::count_if(report.rows.begin(), report.rows.end(), [](const auto& r) { return !r.passed; }));
    std::printf("%d passed, %d failed\n", int(report.rows.size()) - failed, failed);
    return report.passed() ? 0 : 1;
}

int runBench(int argc, char** argv) {
    Args a("bench", "[options]",
           "Benchmark encode, decode and text (3x77) on random-weight models of the released configurations.\n"
           "Each stage is shown as a fraction of the dense matmul ceiling measured in the same run; also load\n"
           "time (safetensors -> engine) and peak RSS.");
    a.option("models", 0, "LIST", "comma-separated presets", "QLIP-B-16-256,QLIP-B-8-256,QLIP-L-14-392")
        .option("batches", 0, "LIST", "comma-separated batch sizes", "1,4")
        .option("precisions", 0, "LIST", "comma-separated precisions", "fp32,bf16")
        .option("repeats", 0, "N", "timed runs per cell (median)", "5")
        .option("device", 0, "DEV", "auto, cpu or cuda", "auto")
        .option("threads", 0, "N", "CPU threads (0 = all cores)", "0")
        .option("markdown", 0, "FILE", "also write the table to FILE")
        .flag("no-load", 0, "skip the load-time measurement")
        .option("write-checkpoints", 0, "DIR", "only write random-weight model folders (F32 and BF16) of --models into DIR");
    if (!a.parse(argc, argv)) return 0;
    qlip::bench::Options o;
    o.models = splitCommas(a.value("models"));
    if (a.has("write-checkpoints")) return qlip::bench::writeCheckpoints(o.models, a.value("write-checkpoints"));
    o.batches.clear();
    for (const auto& b : splitCommas(a.value("batches"))) o.batches.push_back(std::max(1, std::atoi(b.c_str())));
    o.precisions.clear();
    for (const auto& p : splitCommas(a.value("precisions"))) o.precisions.push_back(qlip::parsePrecision(p));
    o.repeats = a.intValue("repeats");
    o.device = qlip::parseDevice(a.value("device"));
    o.threads = a.intValue("threads");
    o.markdown = a.value("markdown");
    o.measureLoad = !a.has("no-load");
    return qlip::bench::run(o);
}

} // namespace qlipx

namespace qlipx {

int runTrainTokenizer(int argc, char** argv) {
    qlip::TokenizerTrainOptions o;
    Args a("train-tokenizer", "--data DIR --out MODEL --merges merges.txt [options]",
           "Train a small QLIP from scratch on a folder made by tools/emoji_data.py (train_images.npy +\n"
           "train.json). Writes a model folder that every qlipx command opens, checkpoints to\n"
           "MODEL/checkpoint (resumed automatically), and MODEL/train-log.csv + train-loss.png.");
    a.option("data", 0, "DIR", "training data folder")
        .option("out", 'o', "MODEL", "output model folder")
        .option("merges", 0, "FILE", "CLIP merges.txt (the first --merge-count merges form the vocabulary)")
        .option("merge-count", 0, "K", "merges kept in the compact vocabulary", std::to_string(o.mergeCount))
        .option("width", 0, "D", "vision/decoder width", std::to_string(o.width))
        .option("layers", 0, "N", "encoder layers", std::to_string(o.layers))
        .option("decoder-layers", 0, "N", "decoder layers", std::to_string(o.decoderLayers))
        .option("text-layers", 0, "N", "text tower layers", std::to_string(o.textLayers))
        .option("clip-weight", 0, "W", "contrastive loss weight", "0.1")
        .option("entropy-weight", 0, "W", "BSQ entropy loss weight", "0.05")
        .option("augment", 0, "S", "art-style augmentation strength 0..1 (zoom, blur, gamma, saturation)", "0")
        .option("init", 0, "MODEL", "start from this model folder's weights (same sizes) with a fresh optimizer");
    addRunOptions(a, o);
    if (!a.parse(argc, argv)) return 0;
    o.data = a.value("data");
    o.out = a.value("out");
    o.merges = a.value("merges");
    o.mergeCount = a.intValue("merge-count");
    o.width = a.intValue("width");
    o.layers = a.intValue("layers");
    o.decoderLayers = a.intValue("decoder-layers");
    o.textLayers = a.intValue("text-layers");
    o.clipWeight = a.doubleValue("clip-weight");
    o.entropyWeight = a.doubleValue("entropy-weight");
    o.augment = std::clamp(a.doubleValue("augment"), 0.0, 1.0);
    o.init = a.value("init");
    readRunOptions(a, o);
    qlip::trainTokenizer(o, [](const qlip::TrainProgress& p) {
        std::fprintf(stderr, "step %d/%d  loss %.4f  recon %.4f  psnr %.2f dB  H(sample) %.3f  H(codebook) %.3f  clip %.3f  "
                     "scale %.2f  %.1f img/s  eta %.0f min\n",
                     p.step, p.steps, p.loss, p.recon, p.psnr, p.entropy, p.codebookEntropy, p.clip, std::exp(p.logitScale),
                     p.imagesPerSecond, p.etaSeconds / 60);
    });
    return 0;
}

} // namespace qlipx

namespace qlipx {

int runEval(int argc, char** argv) {
    Args a("eval", "-m MODEL --data DIR [--set fluent|noto]",
           "Evaluate a model on a folder made by tools/emoji_data.py: PSNR/SSIM of the reconstructions,\n"
           "distinct tokens and per-bit entropy, zero-shot top-1/top-5 over all labels, the fixed\n"
           "100-way subset and category accuracy (prompt 'an emoji of {label}').");
    a.option("model", 'm', "MODEL", "model folder (default: the embedded emoji model)")
        .option("data", 0, "DIR", "data folder")
        .option("set", 0, "NAME", "fluent (held-out) or noto (in training)", "fluent")
        .option("template", 't', "TEXT", "prompt template", "an emoji of {}")
        .option("grid", 0, "PNG", "write originals above reconstructions (32 images)")
        .option("csv", 0, "FILE", "write each image's label, category, top-1 prediction and the rank of its label (0 = predicted)");
    addEngineOptions(a);
    if (!a.parse(argc, argv)) return 0;
    qlip::EvalOptions o;
    o.predictionsCsv = a.value("csv");
    const std::string set = a.value("set");
    if (set == "noto") {
        o.imagesFile = "train_images.npy";
        o.metaFile = "train.json";
        o.subsetKey = "noto_eval";
        o.hundredWayKey = "";
    } else if (set != "fluent") throw qlip::Error("eval: --set must be fluent or noto");
    o.promptTemplate = a.value("template");
    o.gridPng = a.value("grid");
    auto engine = qlip::Engine::open(modelFolder(a), engineOptions(a));
    auto r = qlip::evaluate(*engine, a.value("data"), o);
    std::printf("set %s: %d images, %.1f s\n", set.c_str(), r.images, r.seconds);
    std::printf("reconstruction  PSNR %.2f dB  SSIM %.4f  (baseline %dx%d block mean: %.2f dB)\n", r.psnr, r.ssim,
                engine->info().patchSize, engine->info().patchSize, r.blockMeanPsnr);
    std::printf("tokens          %d distinct, per-bit entropy sum %.2f of %d\n", r.distinctTokens, r.bitEntropySum, engine->info().bits);
    if (r.labels)
        std::printf("zero-shot       %d labels: top-1 %.2f %%  top-5 %.2f %%  category %.2f %%%s\n", r.labels, 100 * r.top1,
                    100 * r.top5, 100 * r.categoryTop1,
                    r.hundredWayTop1 >= 0 ? ("  100-way top-1 " + std::to_string(100 * r.hundredWayTop1).substr(0, 5) + " %").c_str() : "");
    for (const auto& c : r.byCategory)
        std::printf("  %-22s %5d images  category %5.1f %%  top-1 %5.1f %%\n", c.category.c_str(), c.images,
                    100 * c.categoryTop1, 100 * c.top1);
    return 0;
}

} // namespace qlipx

namespace qlipx {
namespace {

void addIndexOptions(Args& a) {
    a.option("model", 'm', "MODEL", "model folder (default: the embedded emoji model)")
        .option("index", 0, "FILE", "index file (default: DIR/.qlipx-index.safetensors)");
    addEngineOptions(a);
}

// Brings DIR's index up to date, with progress and what happened on stderr.
qlip::FolderIndex updateIndex(const Args& a, const std::string& dir, qlip::Engine& engine) {
    if (!fs::is_directory(dir)) throw qlip::Error("'" + dir + "' is not a folder");
    const auto t0 = std::chrono::steady_clock::now();
    qlip::IndexUpdate u;
    auto index = qlip::FolderIndex::build(dir, engine, a.value("index"), [](const qlip::IndexProgress& p) {
        std::fprintf(stderr, "[%d/%d] %s\n", p.done, p.total, p.path.c_str());
        return true;
    }, &u);
    for (const auto& m : u.messages) std::fprintf(stderr, "%s\n", m.c_str());
    for (const auto& [path, why] : u.skipped) std::fprintf(stderr, "skipped %s: %s\n", path.c_str(), why.c_str());
    std::fprintf(stderr, "index %s: %zu images (%d encoded, %d unchanged, %d removed, %zu skipped) in %.2f s\n",
                 index.indexPath().c_str(), index.entries().size(), u.encoded, u.reused, u.removed, u.skipped.size(), secondsSince(t0));
    return index;
}

} // namespace

int runIndex(int argc, char** argv) {
    Args a("index", "DIR [-m MODEL] [--index FILE]",
           "Index every image below DIR (png, jpg, jpeg, webp, tif, tiff, bmp, gif, tga, ppm, pgm, pbm, pnm): image embedding + token grid,\n"
           "stored in one safetensors file. Only new or changed files are encoded; removed files are dropped;\n"
           "unreadable files are skipped and listed. A different model rebuilds the index.");
    addIndexOptions(a);
    if (!a.parse(argc, argv)) return 0;
    if (a.positionals().size() != 1) throw qlip::Error("index: give exactly one DIR");
    auto engine = qlip::Engine::open(modelFolder(a), engineOptions(a));
    updateIndex(a, a.positionals()[0], *engine);
    return 0;
}

int runSearch(int argc, char** argv) {
    Args a("search", "DIR \"TEXT\" | DIR --image IMAGE [--top N]",
           "Rank the images below DIR by cosine similarity to a text (prompt ensemble of --template) or to\n"
           "an image; prints 'score  path' lines, best first. The index is updated first.");
    a.option("image", 0, "IMAGE", "rank by similarity to this image instead of a text")
        .option("template", 't', "TEXT", "prompt template, {} is replaced by the text (repeatable: ensemble)", "{}")
        .option("top", 'n', "N", "print the N best images (0 = all)", "10");
    addIndexOptions(a);
    if (!a.parse(argc, argv)) return 0;
    const auto& pos = a.positionals();
    const bool byImage = a.has("image");
    if (pos.size() != (byImage ? 1u : 2u)) throw qlip::Error("search: give DIR and a TEXT, or DIR and --image IMAGE");
    auto engine = qlip::Engine::open(modelFolder(a), engineOptions(a));
    auto index = updateIndex(a, pos[0], *engine);
    const auto query = byImage
        ? engine->embedImages({engine->preprocess(qlip::loadImage(a.value("image"), engine->preprocessConfig().alpha))}).front()
        : qlip::embedPrompts(*engine, {pos[1]}, a.values("template")).front();
    for (const auto& hit : index.search(query, a.intValue("top"))) std::printf("%.4f  %s\n", double(hit.score), hit.path.c_str());
    return 0;
}

int runStats(int argc, char** argv) {
    Args a("stats", "DIR [--csv FILE] [--top N]",
           "Token statistics over every image below DIR: per-bit balance and entropy, distinct tokens, and the\n"
           "most frequent tokens with an exemplar (file, row, col). The index is updated first.");
    a.option("csv", 0, "FILE", "also write the statistics as CSV")
        .option("top", 'n', "N", "frequent tokens to list", "20");
    addIndexOptions(a);
    if (!a.parse(argc, argv)) return 0;
    if (a.positionals().size() != 1) throw qlip::Error("stats: give exactly one DIR");
    auto engine = qlip::Engine::open(modelFolder(a), engineOptions(a));
    auto index = updateIndex(a, a.positionals()[0], *engine);
    const auto s = index.stats(a.intValue("top"));
    std::printf("images %d, tokens %lld, distinct %lld, per-bit entropy sum %.3f of %d\n", s.images, static_cast<long long>(s.tokens),
                static_cast<long long>(s.distinct), s.entropySum, index.bits());
    std::printf("bit  ones     entropy\n");
    for (size_t b = 0; b < s.bitOnes.size(); ++b) std::printf("%-4zu %-8.4f %.4f\n", b, s.bitOnes[b], s.bitEntropy[b]);
    std::printf("token         count    exemplar (row, col)\n");
    for (const auto& t : s.top)
        std::printf("%-13lld %-8lld %s (%d, %d)\n", static_cast<long long>(t.token), static_cast<long long>(t.count), t.file.c_str(), t.row, t.col);
    if (a.has("csv")) {
        index.writeStatsCsv(a.value("csv"), a.intValue("top"));
        std::fprintf(stderr, "wrote %s\n", a.value("csv").c_str());
    }
    return 0;
}

} // namespace qlipx
