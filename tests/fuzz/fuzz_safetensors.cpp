// safetensors header: the JSON after the 8-byte length prefix, checked against a data section.
// Input: 4 bytes (little-endian data-section size, up to 4 GB) + the header text. Accepted
// headers must describe tensors inside the data section whose shapes match their byte counts;
// the config-vs-weights check then runs on them (no allocation either way).
#include "configcheck.h"
#include "fuzz_common.h"
#include "safetensors_header.h"

#include "qlip/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 4) return 0;
    const uint64_t dataSize = uint64_t(data[0]) | uint64_t(data[1]) << 8 | uint64_t(data[2]) << 16 | uint64_t(data[3]) << 24;
    std::string_view header(reinterpret_cast<const char*>(data + 4), size - 4);
    qlip::SafetensorsHeader h;
    try {
        h = qlip::parseSafetensorsHeader(header, dataSize, "fuzz.safetensors");
    } catch (const qlip::Error&) {
        return 0;
    }
    for (const auto& t : h.tensors) {
        if (t.begin > t.end || t.end > dataSize) fuzz::fail("tensor outside the data section: " + t.name);
        uint64_t n = 1;
        for (int64_t d : t.shape) {
            if (d < 0) fuzz::fail("negative dimension accepted: " + t.name);
            n *= uint64_t(d);
        }
        if (n * qlip::dtypeSize(t.dtype) != t.end - t.begin) fuzz::fail("byte count disagrees with the shape: " + t.name);
    }
    static const qlip::QlipConfig preset = qlip::QlipConfig::preset("QLIP-B-16-256");
    try {
        qlip::checkConfigMatchesWeights(preset, h.tensors, "fuzz.safetensors");
    } catch (const qlip::Error&) {
    }
    return 0;
}
