#include "tokencolor.h"

namespace qlipx {

uint32_t tokenKey(int64_t index) {
    const auto u = uint64_t(index);
    return uint32_t(u) ^ uint32_t(u >> 32);
}

uint32_t tokenHash(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

QColor tokenColor(int64_t index) {
    const uint32_t h = tokenHash(tokenKey(index));
    // Same split of the hash as the shader: hue from the low 16 bits, saturation and value from
    // the next two bytes.
    const double hue = double(h & 0xffffu) / 65536.0;
    const double sat = 0.55 + 0.40 * double((h >> 16) & 0xffu) / 255.0;
    const double val = 0.75 + 0.25 * double((h >> 24) & 0xffu) / 255.0;
    return QColor::fromHsvF(float(hue), float(sat), float(val));
}

} // namespace qlipx
