#pragma once
// Shared by the generation tests: the shipped emoji model (it has a text tower and a tokenizer)
// and a small random prior for it, saved to a folder, so the tests need no training and run fast.
#include "qlip/engine.h"
#include "qlip/prior.h"

#include <QString>

namespace qlipx_test {

inline const QString kEmojiModel = QStringLiteral(QLIPX_SOURCE_DIR "/resources/models/qlip-emoji-64");

inline qlip::EngineOptions cpuOneThread() {
    qlip::EngineOptions o;
    o.device = qlip::Device::CPU;
    o.threads = 1;
    return o;
}

// An 8x8, 28-bit prior like the embedded one, but tiny (width 64, 2 layers) and random.
inline qlip::PriorConfig tinyPriorConfig(const qlip::Engine& e) {
    qlip::PriorConfig c = qlip::PriorConfig::forModel(e);
    c.name = "tiny-test-prior";
    c.width = 64;
    c.layers = 2;
    c.heads = 2;
    c.mlp = 128;
    c.headMlp = 64;
    return c;
}

// Writes the tiny prior into `folder` (config.json + model.safetensors).
inline void saveTinyPrior(const QString& folder, uint64_t seed = 11) {
    auto engine = qlip::Engine::open(kEmojiModel.toStdString(), cpuOneThread());
    qlip::Prior::random(tinyPriorConfig(*engine), *engine, {}, seed)->save(folder.toStdString());
}

inline qlip::GenerateRequest promptRequest(const std::string& prompt, uint64_t seed, int samples) {
    qlip::GenerateRequest r;
    r.prompt = prompt;
    r.samples = samples;
    r.sampling.seed = seed;
    r.sampling.cfgScale = 3;
    return r;
}

} // namespace qlipx_test
