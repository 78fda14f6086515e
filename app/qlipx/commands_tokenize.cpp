// qlipx tokenize / tokenize-verify / tokenize-merge / tokenize-bench: datasets to token shards,
// one shard per task of a Slurm array or a Kubernetes Indexed Job (qlip/tokenize.h).
#include "args.h"
#include "commands.h"
#include "common.h"
#include "qlip/error.h"
#include "qlip/image.h"
#include "qlip/tokenize.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>

#if defined(_WIN32)
#include <io.h>
#define QLIP_ISATTY _isatty
#else
#include <unistd.h>
#define QLIP_ISATTY isatty
#endif

namespace fs = std::filesystem;

namespace qlipx {

namespace {

void addTokenizeEngineOptions(Args& a) {
    addEngineOptions(a); // --device --precision --threads --batch
    a.option("dtype", 0, "P", "same as --precision: fp32 or bf16")
        .option("workers", 0, "N", "threads that read, decode and pre-process images", "2");
}

qlip::EngineOptions tokenizeEngineOptions(const Args& a) {
    qlip::EngineOptions o = engineOptions(a);
    if (a.has("dtype")) o.precision = qlip::parsePrecision(a.value("dtype"));
    return o;
}

int positiveInt(const Args& a, const char* name, int max) {
    const int v = a.intValue(name);
    if (v < 1 || v > max) throw qlip::Error(std::string("--") + name + " must be in 1.." + std::to_string(max) + ", got " + a.value(name));
    return v;
}

qlip::tokenize::ShardSpec shardOf(const Args& a) {
    if (a.has("shard")) return qlip::tokenize::parseShardSpec(a.value("shard"));
    const int n = a.has("num-shards") ? positiveInt(a, "num-shards", 99999) : 0;
    const bool fromScheduler = std::getenv("SLURM_ARRAY_TASK_ID") || std::getenv("JOB_COMPLETION_INDEX");
    if (!fromScheduler && n <= 1) return {0, 1}; // a single process does the whole set
    return qlip::tokenize::shardFromEnvironment(n, [](const char* name) { return std::getenv(name); });
}

// On a terminal one line a second that rewrites itself; in a log (Slurm, kubectl logs) a line
// every 30 s, so a day-long task does not write a hundred thousand lines.
std::function<void(const qlip::tokenize::Progress&)> progressPrinter(const std::string& label) {
    const bool tty = QLIP_ISATTY(2);
    auto last = std::make_shared<double>(-1e9);
    return [label, tty, last](const qlip::tokenize::Progress& p) {
        if (!tty && p.done < p.total && p.seconds - *last < 30) return;
        *last = p.seconds;
        const double rate = p.seconds > 0 ? double(p.done) / p.seconds : 0;
        const double eta = rate > 0 ? double(p.total - p.done) / rate : 0;
        std::fprintf(stderr, "%s[%s] %zu/%zu images (%zu failed), %.1f images/s, ETA %.0f s%s", tty ? "\r" : "", label.c_str(), p.done,
                     p.total, p.failed, rate, eta, tty && p.done < p.total ? "   " : "\n");
        std::fflush(stderr);
    };
}

} // namespace

int runTokenize(int argc, char** argv) {
    Args a("tokenize", "INPUT... -o OUTDIR [-m MODEL] [--shard I/N | --num-shards N]",
           "Tokenize a dataset into WebDataset token shards. INPUT: image files, folders (recursive), .txt file\n"
           "lists (one path per line) or WebDataset .tar shards (samples grouped by key). Every task lists the\n"
           "inputs in the same sorted order and takes items i with i % N == I, so tasks need no coordinator:\n"
           "--shard I/N, or Slurm's SLURM_ARRAY_TASK_ID/COUNT, or Kubernetes' JOB_COMPLETION_INDEX with\n"
           "--num-shards N. Writes OUTDIR/shard-IIIII-of-NNNNN.tar (KEY.tokens.npy int64 [rows, cols],\n"
           "KEY.json, with --embeddings KEY.embedding.npy) and, last, its .manifest.json: a shard is finished\n"
           "iff its manifest exists. Unreadable images are listed in the manifest and skipped.");
    a.option("output", 'o', "OUTDIR", "output folder of the shards")
        .option("model", 'm', "MODEL", "model folder or repo id (default: the embedded emoji model)")
        .option("shard", 0, "I/N", "this task's shard")
        .option("num-shards", 0, "N", "shard count; the index comes from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX")
        .flag("resume", 0, "skip the shard when it is finished already")
        .flag("embeddings", 0, "also store each image's embedding (KEY.embedding.npy, float32)");
    addTokenizeEngineOptions(a);
    if (!a.parse(argc, argv)) return 0;
    if (!a.has("output")) throw qlip::Error("tokenize: -o OUTDIR is required");
    const auto shard = shardOf(a);
    const std::string label = "shard " + std::to_string(shard.index) + "/" + std::to_string(shard.count);

    const auto t0 = std::chrono::steady_clock::now();
    const auto items = qlip::tokenize::listInputs(a.positionals());
    std::fprintf(stderr, "[%s] %zu inputs listed in %.2f s\n", label.c_str(), items.size(), secondsSince(t0));

    qlip::tokenize::Options o;
    o.outDir = a.value("output");
    o.shard = shard;
    o.batch = positiveInt(a, "batch", 4096);
    o.workers = positiveInt(a, "workers", 256);
    o.resume = a.has("resume");
    o.embeddings = a.has("embeddings");
    o.progress = progressPrinter(label);
    auto engine = qlip::Engine::open(modelFolder(a), tokenizeEngineOptions(a));
    o.modelSha256 = qlip::tokenize::modelDigest(engine->info().folder);
    const auto r = qlip::tokenize::tokenizeShard(*engine, items, o);
    if (r.skipped) {
        std::fprintf(stderr, "[%s] already finished (%s): skipped\n", label.c_str(), r.manifestPath.c_str());
        return 0;
    }
    std::fprintf(stderr, "[%s] %zu samples, %zu failures (listed in %s) in %.2f s\n", label.c_str(), r.samples, r.failures,
                 r.manifestPath.c_str(), r.seconds);
    return 0;
}

int runTokenizeVerify(int argc, char** argv) {
    Args a("tokenize-verify", "OUTDIR",
           "Check a folder of token shards: every shard finished and intact, one model, configuration and\n"
           "input set, and the union of the shards equal to the input set with no item twice. Exit 1 on problems.");
    if (!a.parse(argc, argv)) return 0;
    if (a.positionals().size() != 1) throw qlip::Error("tokenize-verify: give one OUTDIR");
    const auto r = qlip::tokenize::verify(a.positionals()[0]);
    for (const auto& p : r.problems) std::printf("problem: %s\n", p.c_str());
    std::printf("verify %s: %s: %d shards, %zu inputs, %zu samples, %zu failures%s\n", a.positionals()[0].c_str(),
                r.ok ? "OK" : "FAILED", r.numShards, r.inputs, r.samples, r.failures,
                r.ok ? "" : (", " + std::to_string(r.problems.size()) + " problems").c_str());
    return r.ok ? 0 : 1;
}

int runTokenizeMerge(int argc, char** argv) {
    Args a("tokenize-merge", "OUTDIR -o MERGED",
           "Merge verified token shards into MERGED/tokens.tar (samples in key order) + MERGED/manifest.json.\n"
           "The result does not depend on the number of shards. Refuses (exit 1) when verify finds problems.");
    a.option("output", 'o', "MERGED", "output folder");
    if (!a.parse(argc, argv)) return 0;
    if (a.positionals().size() != 1 || !a.has("output")) throw qlip::Error("tokenize-merge: give OUTDIR and -o MERGED");
    const auto r = qlip::tokenize::merge(a.positionals()[0], a.value("output"));
    std::printf("merged %zu samples (%zu failures) into %s\n", r.samples, r.failures, r.tarPath.c_str());
    return 0;
}

int runTokenizeBench(int argc, char** argv) {
    Args a("tokenize-bench", "IMAGES [-m MODEL]",
           "Throughput of 'qlipx tokenize' on a folder of images: the engine alone (images decoded and\n"
           "pre-processed beforehand) against end to end (read, decode, pre-process on --workers threads,\n"
           "tokenize, write the shard), in images/s.");
    a.option("model", 'm', "MODEL", "model folder (default: the embedded emoji model)")
        .option("repeats", 0, "N", "timed runs of each (best)", "3");
    addTokenizeEngineOptions(a);
    if (!a.parse(argc, argv)) return 0;
    if (a.positionals().size() != 1) throw qlip::Error("tokenize-bench: give one IMAGES folder");
    const auto items = qlip::tokenize::listInputs(a.positionals());
    if (items.empty()) throw qlip::Error("tokenize-bench: no images in '" + a.positionals()[0] + "'");
    auto engine = qlip::Engine::open(modelFolder(a), tokenizeEngineOptions(a));
    const int batch = positiveInt(a, "batch", 4096);
    const int repeats = positiveInt(a, "repeats", 100);

    std::vector<qlip::PixelTensor> pixels;
    for (const auto& item : items) pixels.push_back(engine->preprocess(qlip::loadImage(item.path, engine->preprocessConfig().alpha)));
    // One untimed batch first: weights paged in from the mapped file, allocator warmed up.
    qlip::tokenize::encodeBatch(*engine, {pixels.begin(), pixels.begin() + long(std::min(pixels.size(), size_t(batch)))}, false);
    double engineBest = 1e300;
    for (int r = 0; r < repeats; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        for (size_t b = 0; b < pixels.size(); b += size_t(batch)) {
            std::vector<qlip::PixelTensor> chunk(pixels.begin() + long(b), pixels.begin() + long(std::min(pixels.size(), b + size_t(batch))));
            qlip::tokenize::encodeBatch(*engine, chunk, false);
        }
        engineBest = std::min(engineBest, secondsSince(t0));
    }
    const fs::path out = fs::temp_directory_path() / ("qlipx-tokenize-bench-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    qlip::tokenize::Options o;
    o.outDir = out.string();
    o.batch = batch;
    o.workers = positiveInt(a, "workers", 256);
    o.modelSha256 = "bench";
    double endBest = 1e300, waitOfBest = 0, engineOfBest = 0;
    for (int r = 0; r < repeats; ++r) {
        const auto res = qlip::tokenize::tokenizeShard(*engine, items, o);
        if (res.seconds < endBest) endBest = res.seconds, waitOfBest = res.waitSeconds, engineOfBest = res.engineSeconds;
    }
    std::error_code ec;
    fs::remove_all(out, ec);
    const double n = double(items.size());
    std::printf("model %s, %s, %d threads, batch %d, %d workers, %zu images\n", engine->info().name.c_str(), engine->info().precision.c_str(),
                engine->info().threads, batch, o.workers, items.size());
    std::printf("engine alone  %.2f images/s\nend to end    %.2f images/s (%.0f%% of the engine alone)\n", n / engineBest, n / endBest,
                100.0 * engineBest / endBest);
    std::printf("in the end-to-end run: engine busy %.2f s, waiting for decoded images %.2f s, of %.2f s\n", engineOfBest, waitOfBest, endBest);
    return 0;
}

} // namespace qlipx
