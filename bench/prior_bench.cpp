#include "prior_bench.h"

#include "engine_impl.h"
#include "qlip/prior.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <vector>

namespace qlip::bench {
namespace {

struct Row {
    std::string prior, setting;
    int samples = 0, positions = 0;
    double seconds = 0; // median of the repeats, for `positions` positions of every sample
    double tokensPerSecond() const { return samples * positions / seconds; }
};

// Median seconds of `repeats` generations (after a warm-up) that stop after `positions` positions.
double timeGeneration(Prior& prior, Engine& engine, const GenerateRequest& r, int positions, int repeats) {
    std::vector<double> times;
    for (int i = 0; i <= repeats; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        try {
            prior.generate(engine, r, [&](const GeneratedToken& t) { return t.position + 1 < positions || t.sample + 1 < r.samples; });
        } catch (const Cancelled&) {
            // stopped at `positions` on purpose
        }
        if (i > 0) times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

void benchPrior(Prior& prior, Engine& engine, const std::string& name, const std::string& prompt, bool guided, int noCachePositions,
                int repeats, std::vector<Row>& rows) {
    const int n = prior.config().tokens();
    for (int samples : {1, 4}) {
        GenerateRequest r;
        r.prompt = prompt;
        r.samples = samples;
        r.sampling.cfgScale = guided ? 3.0f : 1.0f;
        r.sampling.seed = 1;
        const std::string how = guided ? "CFG 3 (2 branches)" : "no CFG";
        rows.push_back({name, how + ", KV cache", samples, n, timeGeneration(prior, engine, r, n, repeats)});
        const int p = std::min(n, noCachePositions);
        const std::string part = p < n ? ", first " + std::to_string(p) + " positions" : "";
        if (p < n) rows.push_back({name, how + ", KV cache" + part, samples, p, timeGeneration(prior, engine, r, p, repeats)});
        r.kvCache = false;
        rows.push_back({name, how + ", no cache" + part, samples, p, timeGeneration(prior, engine, r, p, 1)});
        std::fprintf(stderr, "%s, %d sample(s) done\n", name.c_str(), samples);
    }
}

std::string perImageText(double seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", seconds);
    return text;
}

} // namespace

int runPriorBench(const PriorBenchOptions& o) {
    EngineOptions eo;
    eo.device = o.device;
    eo.threads = o.threads;
    std::vector<Row> rows;
    std::string device;
    if (!o.model.empty() && !o.prior.empty()) {
        auto engine = Engine::open(o.model, eo);
        auto prior = Prior::open(o.prior, *engine);
        device = engine->info().device;
        char name[160];
        std::snprintf(name, sizeof name, "%s (%.2f M)", prior->config().name.c_str(), double(prior->parameters()) / 1e6);
        benchPrior(*prior, *engine, name, "an emoji of a red apple", true, prior->config().tokens(), o.repeats, rows);
    }
    if (o.gptB) {
        // GPT-B (12 x 768) over QLIP-B-16-256's 16x16 grid, 2 groups of 14 bits (16,384-way heads).
        // The random QLIP has no tokenizer, so prompts are empty: no guidance; "4 samples" has the
        // batch of 2 images with CFG.
        auto qlipConfig = QlipConfig::preset("QLIP-B-16-256");
        auto engine = Engine::random(qlipConfig, eo, 0);
        device = engine->info().device;
        auto cfg = PriorConfig::gptB(16, 16, 28, 2, qlipConfig.text.maxPositions, qlipConfig.text.hiddenSize);
        auto prior = Prior::random(cfg, *engine, {}, 0);
        char name[160];
        std::snprintf(name, sizeof name, "GPT-B random (%.0f M)", double(prior->parameters()) / 1e6);
        benchPrior(*prior, *engine, name, "", false, o.gptBPositions, std::max(1, o.repeats / 2), rows);
    }
    std::string table = "| prior | setting | samples | positions | seconds | tokens/s | s per image (full grid) |\n|---|---|---|---|---|---|---|\n";
    for (const auto& r : rows) {
        char line[512];
        const double perImage = r.seconds / r.samples;
        std::snprintf(line, sizeof line, "| %s | %s | %d | %d | %.3f | %.0f | %s |\n", r.prior.c_str(), r.setting.c_str(), r.samples,
                      r.positions, r.seconds, r.tokensPerSecond(),
                      r.setting.find("first") == std::string::npos ? perImageText(perImage).c_str() : "–");
        table += line;
    }
    std::printf("device: %s, threads: %d\n\n%s", device.c_str(), o.threads, table.c_str());
    if (!o.markdown.empty()) std::ofstream(o.markdown) << "device: " << device << ", threads: " << o.threads << "\n\n" << table;
    return 0;
}

} // namespace qlip::bench
