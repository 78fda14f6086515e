// JSON reader (nlohmann SAX into qlip::Json) and writer: any input either parses or throws
// qlip::Error; what parses is written, and what is written reads back to the same text.
#include "fuzz_common.h"
#include "qlip/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    qlip::Json doc;
    try {
        doc = qlip::Json::parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.json");
    } catch (const qlip::Error&) {
        return 0;
    }
    const std::string once = doc.dump(); // everything the reader accepts is finite, valid UTF-8
    try {
        const std::string twice = qlip::Json::parse(once, "dumped").dump();
        if (twice != once) fuzz::fail("dump is not stable:\n" + once + "\n" + twice);
    } catch (const qlip::Error& e) {
        fuzz::fail(std::string("the reader refuses what the writer wrote: ") + e.what());
    }
    if (doc.isNumber()) {
        try { (void)doc.asInt("n"); } catch (const qlip::Error&) {}
        try { (void)doc.asUInt("n"); } catch (const qlip::Error&) {}
    }
    return 0;
}
