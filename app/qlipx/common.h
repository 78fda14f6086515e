#pragma once
// Helpers shared by the qlipx commands: engine options, the embedded default model and prior.
#include "args.h"
#include "qlip/engine.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace qlipx {

void addEngineOptions(Args& a);
qlip::EngineOptions engineOptions(const Args& a);

// <executable>/../share/qlip-explorer/models/<name> (qlip/installlayout.h: installed trees and
// the build tree share that layout); "" when absent.
std::string defaultResourceFolder(const std::string& name);
std::string defaultModelFolder(); // the embedded emoji QLIP
std::string defaultPriorFolder(); // the embedded prior for it
// -m MODEL, else $QLIPX_MODEL, else the embedded model; throws when none is available.
std::string modelFolder(const Args& a);

// The options every training command has (steps, batch, learning rate, warm-up, seed, threads,
// device, checkpoints, logging, time/step limits, resume), for TokenizerTrainOptions and
// PriorTrainOptions alike.
template <class Options>
void addRunOptions(Args& a, const Options& o) {
    a.option("steps", 0, "N", "optimizer steps", std::to_string(o.steps))
        .option("batch", 0, "N", "images per step", std::to_string(o.batch))
        .option("lr", 0, "LR", "peak learning rate", "1e-3")
        .option("warmup", 0, "N", "warm-up steps", std::to_string(o.warmup))
        .option("seed", 0, "N", "random seed", "0")
        .option("threads", 0, "N", "CPU threads (0 = all cores)", "0")
        .option("device", 0, "DEV", "auto, cpu or cuda", "auto")
        .option("checkpoint-every", 0, "N", "steps between checkpoints", std::to_string(o.checkpointEvery))
        .option("log-every", 0, "N", "steps between log lines", std::to_string(o.logEvery))
        .option("max-minutes", 0, "M", "stop and save after M minutes (0 = run all steps)", "0")
        .option("stop-at", 0, "N", "stop and save after step N, keeping the schedule of --steps", "0")
        .flag("no-resume", 0, "start from scratch even if a checkpoint exists");
}

template <class Options>
void readRunOptions(const Args& a, Options& o) {
    o.steps = a.intValue("steps");
    o.batch = a.intValue("batch");
    o.lr = a.doubleValue("lr");
    o.warmup = a.intValue("warmup");
    o.seed = uint64_t(a.intValue("seed"));
    o.threads = a.intValue("threads");
    o.device = a.value("device");
    o.checkpointEvery = std::max(1, a.intValue("checkpoint-every"));
    o.logEvery = std::max(1, a.intValue("log-every"));
    o.maxMinutes = a.doubleValue("max-minutes");
    o.stopAt = a.intValue("stop-at");
    o.resume = !a.has("no-resume");
}

double secondsSince(std::chrono::steady_clock::time_point t0);
std::vector<std::string> splitCommas(const std::string& s);

} // namespace qlipx
