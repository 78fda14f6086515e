#include "common.h"

#include "qlip/error.h"
#include "qlip/installlayout.h"

#include <cstdlib>

namespace qlipx {

void addEngineOptions(Args& a) {
    a.option("device", 0, "DEV", "auto, cpu or cuda", "auto")
        .option("precision", 0, "P", "fp32, bf16, fp16 (CUDA only) or fp64", "fp32")
        .option("threads", 0, "N", "CPU threads (0 = all cores)", "0")
        .option("batch", 0, "N", "images per forward pass", "16");
}

qlip::EngineOptions engineOptions(const Args& a) {
    qlip::EngineOptions o;
    o.device = qlip::parseDevice(a.value("device"));
    o.precision = qlip::parsePrecision(a.value("precision"));
    o.threads = a.intValue("threads");
    o.maxBatch = std::max(1, a.intValue("batch"));
    return o;
}

// The embedded default model and prior: <executable>/../share/qlip-explorer/models/<name>, in an
// installed tree and in the build tree alike (the build links share/ to resources/).
std::string defaultResourceFolder(const std::string& name) { return qlip::pathToUtf8(qlip::embeddedModelFolder(name)); }

std::string modelFolder(const Args& a) {
    if (a.has("model")) return a.value("model");
    if (const char* env = std::getenv("QLIPX_MODEL")) return env;
    std::string folder = defaultModelFolder();
    if (folder.empty())
        throw qlip::Error("no model given and the default model is not installed: pass -m MODEL_FOLDER (a Hugging Face QLIP snapshot)");
    return folder;
}

double secondsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::vector<std::string> splitCommas(const std::string& s) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t comma = s.find(',', start);
        std::string part = s.substr(start, comma - start);
        part.erase(0, part.find_first_not_of(' '));
        part.erase(part.find_last_not_of(' ') + 1);
        if (!part.empty()) out.push_back(part);
        if (comma == std::string::npos) return out;
        start = comma + 1;
    }
}

std::string defaultModelFolder() { return defaultResourceFolder("qlip-emoji-64"); }
std::string defaultPriorFolder() { return defaultResourceFolder("qlip-emoji-64-prior"); }

} // namespace qlipx
