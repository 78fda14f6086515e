#include "qlip/tokens.h"

#include "fileio.h"
#include "qlip/error.h"
#include "qlip/json.h"
#include "qlip/npy.h"

#include <cstring>

namespace qlip {

void TokenGrid::setBit(int n, int e, bool on) {
    const int64_t mask = int64_t(1) << (bits - 1 - e);
    auto& v = indices[size_t(n)];
    v = on ? (v | mask) : (v & ~mask);
}

std::vector<int64_t> TokenGrid::groupIndices() const {
    const int groups = bits / groupSize;
    std::vector<int64_t> out(size_t(count()) * groups);
    for (int n = 0; n < count(); ++n)
        for (int g = 0; g < groups; ++g) {
            // group g holds channels [g*gs, (g+1)*gs): the next gs bits below the top
            const int shift = bits - (g + 1) * groupSize;
            out[size_t(n) * groups + g] = (indices[size_t(n)] >> shift) & ((int64_t(1) << groupSize) - 1);
        }
    return out;
}

void TokenGrid::validate(const std::string& what) const {
    if (rows <= 0 || cols <= 0) throw Error(what + ": empty token grid");
    if (rows > 4096 || cols > 4096) throw Error(what + ": a token grid side must be at most 4096"); // rows * cols fits int
    if (bits <= 0 || bits > 62) throw Error(what + ": bits per token must be in 1..62, got " + std::to_string(bits));
    if (groupSize <= 0 || bits % groupSize) throw Error(what + ": group size " + std::to_string(groupSize) + " does not divide " + std::to_string(bits) + " bits");
    if (indices.size() != size_t(count()))
        throw Error(what + ": " + std::to_string(indices.size()) + " indices for a " + std::to_string(rows) + "x" + std::to_string(cols) + " grid");
    if (!latents.empty() && latents.size() != size_t(count()) * bits) throw Error(what + ": latents do not match the grid");
    const int64_t limit = int64_t(1) << bits;
    for (size_t n = 0; n < indices.size(); ++n)
        if (indices[n] < 0 || indices[n] >= limit)
            throw Error(what + ": token " + std::to_string(n) + " (row " + std::to_string(int(n) / cols) + ", col " +
                        std::to_string(int(n) % cols) + ") has index " + std::to_string(indices[n]) +
                        ", outside [0, 2^" + std::to_string(bits) + ")");
}

static std::string sidecarPath(const std::string& npyPath) {
    const std::string ext = ".npy";
    if (npyPath.size() > ext.size() && npyPath.compare(npyPath.size() - ext.size(), ext.size(), ext) == 0)
        return npyPath.substr(0, npyPath.size() - ext.size()) + ".json";
    return npyPath + ".json";
}

void saveTokens(const std::string& npyPath, const TokenGrid& grid, const TokenFileInfo& info) {
    grid.validate("tokens for '" + npyPath + "'");
    saveNpy(npyPath, "<i8", {grid.rows, grid.cols}, grid.indices.data(), grid.indices.size() * 8);
    Json::Object o;
    o["format"] = Json("qlip-tokens");
    o["version"] = Json(1);
    o["model"] = Json(info.model);
    o["grid"] = Json(Json::Array{Json(grid.rows), Json(grid.cols)});
    o["bits"] = Json(grid.bits);
    o["group_size"] = Json(grid.groupSize);
    o["bit_order"] = Json("msb-first: bit e of the index is BSQ channel e, channel 0 is the most significant bit");
    o["index_dtype"] = Json("int64");
    o["layout"] = Json("raster: token n = row * cols + col");
    if (!info.source.empty()) o["source"] = Json(info.source);
    o["preprocessing"] = Json::parse(info.preprocessingJson, "preprocessing description");
    std::string text = Json(std::move(o)).dump() + "\n";
    writeFileAtomic(sidecarPath(npyPath), text.data(), text.size());
}

TokenGrid loadTokens(const std::string& npyPath, int expectRows, int expectCols, int expectBits, int groupSize) {
    NpyArray a = loadNpy(npyPath);
    if (a.shape.size() != 2) throw Error("'" + npyPath + "': tokens must be a 2-D array [rows, cols], got " + std::to_string(a.shape.size()) + " dimensions");
    // A grid side beyond 4096 is no model's; it also keeps rows * cols far inside int.
    for (int64_t side : a.shape)
        if (side < 1 || side > 4096)
            throw Error("'" + npyPath + "': a token grid side must be between 1 and 4096, got " + std::to_string(side));
    TokenGrid g;
    g.rows = int(a.shape[0]);
    g.cols = int(a.shape[1]);
    g.bits = expectBits > 0 ? expectBits : 28;
    g.groupSize = groupSize;
    std::string side = sidecarPath(npyPath);
    if (isRegularFile(side)) {
        Json doc = Json::parse(readTextFile(side, "token sidecar"), side);
        if (const Json* b = doc.find("bits")) g.bits = int(b->asInt(side + ": bits"));
        if (const Json* gs = doc.find("group_size")) g.groupSize = int(gs->asInt(side + ": group_size"));
    }
    g.indices.resize(size_t(g.count()));
    if (a.descr == "<i8") std::memcpy(g.indices.data(), a.bytes.data(), a.bytes.size());
    else if (a.descr == "<i4") {
        for (size_t i = 0; i < g.indices.size(); ++i) { int32_t v; std::memcpy(&v, a.bytes.data() + 4 * i, 4); g.indices[i] = v; }
    } else throw Error("'" + npyPath + "': token indices must be int64 or int32, got '" + a.descr + "'");
    if ((expectRows > 0 && g.rows != expectRows) || (expectCols > 0 && g.cols != expectCols))
        throw Error("'" + npyPath + "' holds a " + std::to_string(g.rows) + "x" + std::to_string(g.cols) +
                    " token grid, but the model uses " + std::to_string(expectRows) + "x" + std::to_string(expectCols));
    if (expectBits > 0 && g.bits != expectBits)
        throw Error("'" + npyPath + "' holds " + std::to_string(g.bits) + "-bit tokens, but the model uses " + std::to_string(expectBits) + " bits");
    g.validate("'" + npyPath + "'");
    return g;
}

} // namespace qlip
