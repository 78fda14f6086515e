#include "folderindex_file.h"

#include "qlip/error.h"
#include "qlip/json.h"
#include "qlip/safetensors.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace qlip::indexfile {
namespace {

const Json& need(const Json& obj, const std::string& key) {
    const Json* v = obj.find(key);
    if (!v) throw Error("missing key '" + key + "'");
    return *v;
}

// size and mtime are stored as decimal strings (JSON numbers would not keep 64 bits everywhere).
int64_t decimal(const Json& v, const std::string& what) {
    const std::string& s = v.asString(what);
    int64_t out = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size())
        throw Error(what + " '" + s.substr(0, 40) + "' is not a whole number");
    return out;
}

// Raw little-endian array `name` of rows x cols `T`s, or an error message.
template <class T>
std::string readArray(const SafetensorsFile& file, const std::string& name, DType dtype, int64_t rows, int64_t cols,
                      std::vector<T>& out) {
    const TensorInfo* t = file.find(name);
    if (!t) return "it has no '" + name + "' array";
    // The file's shape matches its byte count (checked by SafetensorsFile), so rows * cols is bounded.
    if (t->dtype != dtype || t->shape != std::vector<int64_t>{rows, cols})
        return "'" + name + "' is " + dtypeName(t->dtype) + " " + t->shapeString() + ", expected [" + std::to_string(rows) + ", " +
               std::to_string(cols) + "]";
    out.resize(size_t(rows * cols));
    if (!out.empty()) std::memcpy(out.data(), file.data(*t), out.size() * sizeof(T));
    return {};
}

std::string checkValues(const std::vector<float>& emb, const std::vector<int64_t>& tok, int bits) {
    for (size_t i = 0; i < emb.size(); ++i)
        if (!std::isfinite(emb[i])) return "embedding value " + std::to_string(i) + " is NaN or infinite";
    const int64_t limit = int64_t(1) << bits;
    for (size_t i = 0; i < tok.size(); ++i)
        if (tok[i] < 0 || tok[i] >= limit)
            return "token " + std::to_string(i) + " has index " + std::to_string(tok[i]) + ", outside [0, 2^" + std::to_string(bits) + ")";
    return {};
}

} // namespace

std::string readEntries(const std::string& path, const std::string& expectedModel, int rows, int cols, int bits,
                        std::vector<IndexEntry>& out) {
    out.clear();
    auto file = SafetensorsFile::open(path);
    auto meta = file.metadata().find(kMetaKey);
    if (meta == file.metadata().end()) return "is not a qlipx folder index";
    Json doc = Json::parse(meta->second, path);
    const Json* format = doc.find("format");
    const Json* version = doc.find("version");
    if (!format || !format->isString() || format->asString() != kFormat || !version || !version->isInteger() ||
        version->asInt() != kVersion)
        return "has an unknown format or version";
    const std::string model = doc.find("model") ? doc.find("model")->asString("model") : std::string();
    if (model != expectedModel) return "was built with another model (" + model + ")";
    const auto& files = doc.find("files") ? doc.find("files")->asArray("files") : Json::Array{};
    const int64_t m = int64_t(files.size()), n = int64_t(rows) * cols;
    if (m == 0) return {};
    const int64_t dim = doc.find("dim") ? doc.find("dim")->asInt("dim") : 0;
    std::vector<float> emb;
    std::vector<int64_t> tok;
    std::string problem = dim <= 0 ? "its embedding size is missing" : std::string();
    if (problem.empty()) problem = readArray(file, "embeddings", DType::F32, m, dim, emb);
    if (problem.empty()) problem = readArray(file, "tokens", DType::I64, m, n, tok);
    if (problem.empty()) problem = checkValues(emb, tok, bits);
    if (!problem.empty()) return "is damaged (" + problem + ")";
    for (int64_t k = 0; k < m; ++k) {
        const auto& f = files[size_t(k)];
        const std::string where = "file " + std::to_string(k) + ": ";
        IndexEntry e;
        e.path = need(f, "path").asString(where + "path");
        e.size = decimal(need(f, "size"), where + "size");
        e.mtime = decimal(need(f, "mtime"), where + "mtime");
        e.embedding.assign(emb.begin() + k * dim, emb.begin() + (k + 1) * dim);
        e.tokens.assign(tok.begin() + k * n, tok.begin() + (k + 1) * n);
        out.push_back(std::move(e));
    }
    return {};
}

} // namespace qlip::indexfile
