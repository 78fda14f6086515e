// config.json (QlipConfig::fromJson + validate) and preprocessor_config.json, split at the first
// NUL byte. An accepted config must survive toJson -> dump -> parse -> fromJson unchanged, and
// its size estimate must be finite (the bounds of validate() keep it so).
#include "configcheck.h"
#include "fuzz_common.h"

#include "qlip/config.h"
#include "qlip/image.h"
#include "qlip/json.h"

#include <cmath>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto [configText, preText] = fuzz::splitAtNul(data, size);
    try {
        const qlip::QlipConfig c = qlip::QlipConfig::fromJson(qlip::Json::parse(configText, "config.json"), "config.json");
        const std::string dumped = c.toJson().dump();
        const qlip::QlipConfig back = qlip::QlipConfig::fromJson(qlip::Json::parse(dumped, "dumped"), "dumped");
        if (back.toJson().dump() != dumped) fuzz::fail("config does not round-trip: " + dumped);
        const double params = qlip::estimatedParameters(c);
        if (!std::isfinite(params) || params < 0) fuzz::fail("parameter estimate is not finite");
    } catch (const qlip::Error&) {
    }
    try {
        qlip::PreprocessConfig defaults;
        (void)qlip::PreprocessConfig::fromJson(qlip::Json::parse(preText, "preprocessor_config.json"), defaults,
                                               "preprocessor_config.json");
    } catch (const qlip::Error&) {
    }
    return 0;
}
