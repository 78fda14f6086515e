// Prior checkpoints: the parsing part (config.json of a prior folder -> PriorConfig::fromJson and
// validate()). Building the transformer needs LibTorch and is not fuzzed; validate()'s bounds
// are what keep a hostile config from allocating it.
#include "fuzz_common.h"

#include "qlip/json.h"
#include "qlip/prior.h"

#include "qlip/engine.h"

// PriorConfig::forModel (same source file) reads an Engine; the harness never calls it, so the
// Torch-side definitions are replaced by stubs that would abort.
const qlip::ModelInfo& qlip::Engine::info() const { std::abort(); }
const qlip::QlipConfig& qlip::Engine::config() const { std::abort(); }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const auto c = qlip::PriorConfig::fromJson(
            qlip::Json::parse(std::string_view(reinterpret_cast<const char*>(data), size), "prior config.json"), "prior config.json");
        const std::string dumped = c.toJson().dump();
        const auto back = qlip::PriorConfig::fromJson(qlip::Json::parse(dumped, "dumped"), "dumped");
        if (back.toJson().dump() != dumped) fuzz::fail("prior config does not round-trip: " + dumped);
    } catch (const qlip::Error&) {
    }
    return 0;
}
