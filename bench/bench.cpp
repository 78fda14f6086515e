#include "bench.h"

#include "engine_impl.h"
#include "model/cpu_kernels.h"
#include "qlip/processinfo.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <map>
#include <torch/cuda.h>

namespace qlip::bench {
namespace {

using Clock = std::chrono::steady_clock;

double layerFlops(const TowerConfig& t, double tokens) {
    const double d = t.hiddenSize, f = t.intermediateSize;
    double projections = 4 * 2 * tokens * d * d;                   // q, k, v, out
    double attention = 2 * 2 * tokens * tokens * d;                // scores and context, all heads
    double mlp = (t.swiglu ? 3 : 2) * 2 * tokens * d * f;
    return t.numLayers * (projections + attention + mlp);
}

void syncDevice(const torch::Device& device) {
    if (device.is_cuda()) torch::cuda::synchronize();
}

struct Timing {
    double median = 0;
    double best = 0;
};

// Median and best seconds of `repeats` runs of fn after one warm-up run. The machine may be
// shared, so the best run is what the fractions of the ceiling use (min of N).
template <class Fn>
Timing timeRuns(int repeats, const torch::Device& device, Fn&& fn) {
    fn();
    syncDevice(device);
    std::vector<double> times;
    for (int i = 0; i < std::max(1, repeats); ++i) {
        auto t0 = Clock::now();
        fn();
        syncDevice(device);
        times.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    }
    std::sort(times.begin(), times.end());
    return {times[times.size() / 2], times.front()};
}

// The dense matmul ceiling of this dtype and device: the best of square products of two sizes
// (1024^3 and 2048^3 on the CPU, 8192^3 on a GPU). Measured next to the stages it is compared
// with, before and after them, keeping the higher figure: a ceiling is the best the machine did.
double matmulCeilingGflops(torch::ScalarType dtype, const torch::Device& device, int repeats) {
    double best = 0;
    for (int64_t n : device.is_cuda() ? std::vector<int64_t>{8192} : std::vector<int64_t>{1024, 2048}) {
        auto opts = torch::TensorOptions().dtype(dtype).device(device);
        auto a = torch::randn({n, n}, opts), b = torch::randn({n, n}, opts);
        torch::NoGradGuard g;
        Timing t = timeRuns(std::max(repeats, 5), device, [&] { (void)torch::mm(a, b); });
        best = std::max(best, 2.0 * n * n * n / t.best / 1e9);
    }
    return best;
}

double peakRssMb() { return double(peakResidentBytes()) / (1024.0 * 1024.0); }

// Where the peak cannot be reset (Windows) the figures are peaks since the start of the run.
void resetPeakRss() { (void)resetPeakResident(); }

// What one edit costs the explorer's engine thread: the grid with one more bit flipped, decoded to
// an 8-bit RGB image. Median and best over `repeats` edits.
std::string editToPixels(Engine& engine, const QlipConfig& config, int repeats) {
    TokenGrid grid;
    grid.rows = grid.cols = config.grid();
    grid.bits = config.bits();
    std::mt19937_64 rng(1);
    for (int n = 0; n < grid.rows * grid.cols; ++n) grid.indices.push_back(int64_t(rng() & ((uint64_t(1) << grid.bits) - 1)));
    (void)engine.decodeToImage(grid); // warm-up
    std::vector<double> ms;
    for (int i = 0; i < std::max(repeats, 5); ++i) {
        const int n = int(rng() % uint64_t(grid.count())), e = int(rng() % uint64_t(grid.bits));
        const auto t0 = Clock::now();
        grid.setBit(n, e, !grid.bit(n, e));
        (void)engine.decodeToImage(grid);
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    char line[96];
    std::snprintf(line, sizeof line, "median %.1f ms, best %.1f ms", ms[ms.size() / 2], ms.front());
    return line;
}

struct Row {
    std::string model, precision, stage;
    int batch;
    Timing time;
    double flops, ceiling;
};

} // namespace

StageFlops stageFlops(const QlipConfig& c) {
    StageFlops f;
    const auto& v = c.vision;
    const double n = v.numPatches(), d = v.hiddenSize, e = v.bsq.embedDim, p2 = 3.0 * v.patchSize * v.patchSize;
    f.encode = 2 * n * p2 * d + layerFlops(v, n + 1) + 2 * n * d * d + 2 * n * d * e + 2 * d * c.projectionDim;
    const auto& dec = c.decoder;
    const double dq = v.postQuantWidth(), pd2 = 3.0 * dec.patchSize * dec.patchSize;
    f.decode = 2 * n * e * dq + 2 * n * dq * dq + layerFlops(dec, n) + 2 * n * dec.hiddenSize * dec.intermediateSize +
               2 * n * dec.intermediateSize * pd2;
    f.text = 3 * (layerFlops(c.text, c.text.maxPositions) + 2.0 * c.text.hiddenSize * c.projectionDim);
    return f;
}

int writeCheckpoints(const std::vector<std::string>& models, const std::string& folder) {
    for (const auto& name : models) {
        auto engine = Engine::random(QlipConfig::preset(name), {Device::CPU}, 0);
        for (const char* dtype : {"F32", "BF16"}) {
            const auto dir = std::filesystem::path(folder) / (name + "-" + dtype);
            engine->saveModelFolder(dir.string(), dtype);
            std::printf("%s: %.0f MB\n", dir.string().c_str(), double(std::filesystem::file_size(dir / "model.safetensors")) / 1e6);
        }
    }
    return 0;
}

int run(const Options& o) {
    applyThreadCount(o.threads);
    const torch::Device device = resolveDevice(o.device);
    std::printf("qlipx bench: device %s, %d intra-op threads, %d repeats (median), LibTorch %s\n", device.str().c_str(),
                torch::get_num_threads(), o.repeats, TORCH_VERSION);
    if (device.is_cpu()) {
        // What the bf16/fp16 rows ran with: the fused kernels' instruction set and thread split.
        const std::string isa = model::cpu::isa();
        const int width = model::cpu::parallelWidth();
        std::printf("fused bf16/fp16 CPU kernels: %s\n",
                    isa.empty() ? "not used (LibTorch's own ops)"
                                : (isa + ", " + std::to_string(width) + (width == 1 ? " thread" : " threads")).c_str());
    }
    if (const std::string avg = loadAverageText(); !avg.empty()) std::printf("load average at start: %s\n", avg.c_str());
    std::vector<Row> rows;
    std::vector<std::string> loadLines, editLines;
    for (const auto& name : o.models) {
        // A released configuration with random weights, or a model folder (e.g. the default model).
        const bool folder = std::filesystem::is_directory(name);
        QlipConfig config = folder ? Engine::open(name, {Device::CPU})->config() : QlipConfig::preset(name);
        StageFlops flops = stageFlops(config);
        for (Precision p : o.precisions) {
            EngineOptions eo;
            eo.device = o.device;
            eo.precision = p;
            eo.threads = o.threads;
            resetPeakRss();
            auto engine = folder ? Engine::open(name, eo) : Engine::random(config, eo, 0);
            if (o.measureLoad && !folder && p == o.precisions.front()) {
                auto dir = std::filesystem::temp_directory_path() / ("qlipx-bench-" + name);
                engine->saveModelFolder(dir.string(), "F32");
                engine.reset();
                resetPeakRss();
                auto t0 = Clock::now();
                engine = Engine::open(dir.string(), eo);
                double secs = std::chrono::duration<double>(Clock::now() - t0).count();
                auto bytes = std::filesystem::file_size(dir / "model.safetensors");
                loadLines.push_back(name + ": load " + std::to_string(secs).substr(0, 5) + " s for " +
                                    std::to_string(bytes / 1000000) + " MB (F32 safetensors), peak RSS after load " +
                                    std::to_string(int(peakRssMb())) + " MB");
                std::filesystem::remove_all(dir);
            }
            auto& d = engine->impl();
            torch::NoGradGuard noGrad;
            double ceiling = matmulCeilingGflops(d.dtype, device, o.repeats);
            const size_t firstRow = rows.size();
            for (int batch : o.batches) {
                const int s = config.vision.imageSize;
                auto pixels = torch::randn({batch, 3, s, s}).to(device, d.dtype);
                auto codes = torch::randint(0, 2, {batch, config.vision.numPatches(), config.bits()}).mul(2).sub(1).to(device, d.dtype);
                auto enc = timeRuns(o.repeats, device, [&] { (void)d.model->quantize(d.model->encodeVision(pixels).lastHidden.slice(1, 1)); });
                auto dec = timeRuns(o.repeats, device, [&] { (void)d.model->decodeCodes(codes); });
                rows.push_back({name, precisionName(p), "encode", batch, enc, flops.encode * batch, ceiling});
                rows.push_back({name, precisionName(p), "decode", batch, dec, flops.decode * batch, ceiling});
                std::fflush(stdout);
            }
            auto ids = torch::randint(0, config.text.vocabSize, {3, config.text.maxPositions}, torch::kLong).to(device);
            auto text = timeRuns(o.repeats, device, [&] { (void)d.model->textFeatures(d.model->encodeText(ids).pooled); });
            rows.push_back({name, precisionName(p), "text 3x77", 3, text, flops.text, ceiling});
            editLines.push_back(name + " " + precisionName(p) + ": " + editToPixels(*engine, config, o.repeats));
            ceiling = std::max(ceiling, matmulCeilingGflops(d.dtype, device, o.repeats));
            for (size_t r = firstRow; r < rows.size(); ++r) rows[r].ceiling = ceiling;
            std::printf("%s %s done, peak RSS %.0f MB\n", name.c_str(), precisionName(p), peakRssMb());
            std::fflush(stdout);
        }
    }
    std::string table =
        "| model | precision | stage | batch | median ms | best ms | GFLOP/s (best) | matmul ceiling GFLOP/s | % of ceiling |\n"
        "|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& r : rows) {
        char line[256];
        const double gflops = r.flops / r.time.best / 1e9;
        std::snprintf(line, sizeof line, "| %s | %s | %s | %d | %.1f | %.1f | %.0f | %.0f | %.0f %% |\n", r.model.c_str(),
                      r.precision.c_str(), r.stage.c_str(), r.batch, r.time.median * 1e3, r.time.best * 1e3, gflops, r.ceiling,
                      100.0 * gflops / r.ceiling);
        table += line;
    }
    for (const auto& l : loadLines) table += "\n" + l;
    table += "\n\nEdit to pixels (one bit of one token flipped, then decoded to an 8-bit image, as the explorer does per edit):\n";
    for (const auto& l : editLines) table += "\n- " + l;
    table += "\n";
    std::printf("\n%s", table.c_str());
    if (!o.markdown.empty()) std::ofstream(o.markdown) << table;
    return 0;
}

} // namespace qlip::bench
