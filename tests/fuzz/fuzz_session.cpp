// Explorer session files (*.qlipxsession, app/explorer/sessionfile.cpp, Qt Core JSON): accepted
// sessions hold a valid token grid whose whole edit history applies, and write back to a file
// that reads again.
#include "fuzz_common.h"
#include "sessionfile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const QByteArray json(reinterpret_cast<const char*>(data), int(size));
    qlipx::SessionData s;
    try {
        s = qlipx::sessionFromJson(json, QStringLiteral("fuzz.qlipxsession"));
    } catch (const qlip::Error&) {
        return 0;
    }
    try {
        (void)qlipx::sessionFromJson(qlipx::sessionToJson(s), QStringLiteral("rewritten"));
    } catch (const qlip::Error& e) {
        fuzz::fail(std::string("a session that was read does not read back after writing: ") + e.what());
    }
    return 0;
}
