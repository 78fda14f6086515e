#include "qlip/folderindex.h"
#include "qlip/image.h"

#include "engine_impl.h"
#include "fileio.h"
#include "folderindex_file.h"
#include "qlip/json.h"
#include "qlip/safetensors.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>

namespace fs = std::filesystem;

namespace qlip {
namespace {

using indexfile::kFormat;
using indexfile::kMetaKey;
using indexfile::kVersion;

struct ScannedFile {
    std::string path; // relative
    int64_t size = 0;
    int64_t mtime = 0;
};

uint64_t fnv1a(uint64_t h, const char* data, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ uint8_t(data[i])) * 1099511628211ull;
    return h;
}

// Digest of the first and last MiB of a file plus its size: cheap for gigabyte weights, yet it
// changes when the weights are retrained with the same configuration.
uint64_t fileDigest(const std::string& path, uint64_t h) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return h;
    in.seekg(0, std::ios::end);
    const int64_t size = in.tellg();
    h = fnv1a(h, reinterpret_cast<const char*>(&size), sizeof size);
    const int64_t piece = 1 << 20;
    std::string buf(size_t(std::min(size, piece)), '\0');
    for (int64_t at : {int64_t(0), std::max<int64_t>(0, size - piece)}) {
        in.seekg(at);
        in.read(buf.data(), std::streamsize(buf.size()));
        h = fnv1a(h, buf.data(), size_t(in.gcount()));
    }
    return h;
}

// The extensions of the formats this build decodes (WebP and TIFF too where linked).
bool isImageFile(const fs::path& p) { return hasImageExtension(p.string()); }

// Every image below `folder`, sorted by relative path. Unreadable folders are passed over.
std::vector<ScannedFile> scanFolder(const std::string& folder) {
    std::vector<ScannedFile> files;
    std::error_code ec;
    fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec), end;
    if (ec) throw Error("cannot read folder '" + folder + "': " + ec.message());
    for (; it != end; it.increment(ec)) {
        if (ec) break;
        const auto& p = it->path();
        std::error_code fe;
        if (!isImageFile(p) || !fs::is_regular_file(p, fe)) continue;
        ScannedFile f;
        f.path = p.lexically_relative(folder).generic_string();
        f.size = int64_t(fs::file_size(p, fe));
        f.mtime = int64_t(fs::last_write_time(p, fe).time_since_epoch().count());
        if (!fe) files.push_back(std::move(f));
    }
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
    return files;
}

double binaryEntropy(double p) {
    if (p <= 0 || p >= 1) return 0;
    return -(p * std::log2(p) + (1 - p) * std::log2(1 - p));
}

// Embeds and tokenises `todo` (one vision pass per batch), appending to `entries`; unreadable
// images go to u.skipped.
void encodeFiles(Engine& engine, const std::string& folder, const std::vector<ScannedFile>& todo, const IndexProgressFn& progress,
                 IndexUpdate& u, std::vector<IndexEntry>& entries) {
    auto& d = engine.impl();
    const size_t chunk = size_t(std::max(1, d.options.maxBatch));
    int done = 0;
    for (size_t begin = 0; begin < todo.size(); begin += chunk) {
        std::vector<PixelTensor> pixels;
        std::vector<const ScannedFile*> ok;
        for (size_t k = begin; k < std::min(todo.size(), begin + chunk); ++k) {
            const auto& f = todo[k];
            try {
                pixels.push_back(engine.preprocess(loadImage((fs::path(folder) / f.path).string(), engine.preprocessConfig().alpha)));
                ok.push_back(&f);
            } catch (const Error& e) {
                u.skipped.emplace_back(f.path, e.what());
            }
            if (progress && !progress(IndexProgress{++done, int(todo.size()), f.path})) throw Cancelled();
        }
        if (pixels.empty()) continue;
        torch::NoGradGuard noGrad;
        auto batch = d.pixelBatch(pixels, 0, pixels.size()); // [B, 3, S, S]
        auto [emb, idx] = guarded("indexing images", [&] {
            auto vision = d.model->encodeVision(batch);
            auto q = d.model->quantize(vision.lastHidden.slice(1, 1));                  // patch tokens only
            auto f = d.model->imageFeatures(vision.pooled).to(torch::kFloat32);        // [B, J]
            f = f / f.norm(2, -1, true);
            return std::make_pair(f.to(torch::kCPU).contiguous(), q.indices.to(torch::kCPU).contiguous()); // [B, J], [B, N]
        });
        for (size_t b = 0; b < ok.size(); ++b) {
            IndexEntry e;
            e.path = ok[b]->path;
            e.size = ok[b]->size;
            e.mtime = ok[b]->mtime;
            const float* ep = emb[int64_t(b)].data_ptr<float>();
            e.embedding.assign(ep, ep + emb.size(1));
            const int64_t* ip = idx[int64_t(b)].data_ptr<int64_t>();
            e.tokens.assign(ip, ip + idx.size(1));
            entries.push_back(std::move(e));
            ++u.encoded;
        }
    }
}

} // namespace

FolderIndex::FolderIndex(std::string folder, std::string indexPath)
    : folder_(std::move(folder)), indexPath_(indexPath.empty() ? defaultIndexPath(folder_) : std::move(indexPath)) {}

std::string FolderIndex::defaultIndexPath(const std::string& folder) { return (fs::path(folder) / ".qlipx-index.safetensors").string(); }

std::string FolderIndex::modelIdentity(const Engine& engine) {
    const auto& i = engine.info();
    std::ostringstream id;
    id << i.name << " " << i.gridRows << "x" << i.gridCols << " " << i.bits << "bits " << i.projectionDim << "d ";
    if (i.folder.empty()) {
        id << "random";
        return id.str();
    }
    uint64_t h = 1469598103934665603ull;
    h = fileDigest((fs::path(i.folder) / "config.json").string(), h);
    h = fileDigest((fs::path(i.folder) / "model.safetensors").string(), h);
    id << std::hex << h;
    return id.str();
}

FolderIndex FolderIndex::build(const std::string& folder, Engine& engine, const std::string& indexPath,
                               const IndexProgressFn& progress, IndexUpdate* report) {
    FolderIndex index(folder, indexPath);
    IndexUpdate u = index.update(engine, progress);
    if (report) *report = std::move(u);
    return index;
}

std::vector<std::string> FolderIndex::load(const std::string& expectedModel) {
    entries_.clear();
    if (!fs::exists(indexPath_)) return {};
    const std::string prefix = "index file '" + indexPath_ + "' ";
    try {
        std::string problem = indexfile::readEntries(indexPath_, expectedModel, rows_, cols_, bits_, entries_);
        if (problem.empty()) return {};
        entries_.clear();
        if (problem.rfind("was built with another model", 0) == 0) problem += "; rebuilding it for " + expectedModel;
        else problem += "; rebuilding it";
        return {prefix + problem};
    } catch (const std::exception& e) {
        entries_.clear();
        return {prefix + "cannot be read (" + e.what() + "); rebuilding it"};
    }
}

void FolderIndex::save() const {
    Json::Array files;
    std::vector<float> emb;
    std::vector<int64_t> tok;
    const int64_t dim = entries_.empty() ? 0 : int64_t(entries_.front().embedding.size());
    for (const auto& e : entries_) {
        files.push_back(Json(Json::Object{{"path", Json(e.path)}, {"size", Json(std::to_string(e.size))},
                                          {"mtime", Json(std::to_string(e.mtime))}}));
        emb.insert(emb.end(), e.embedding.begin(), e.embedding.end());
        tok.insert(tok.end(), e.tokens.begin(), e.tokens.end());
    }
    Json doc(Json::Object{{"format", Json(kFormat)}, {"version", Json(kVersion)}, {"model", Json(modelId_)},
                          {"rows", Json(rows_)}, {"cols", Json(cols_)}, {"bits", Json(bits_)}, {"dim", Json(dim)},
                          {"files", Json(std::move(files))}});
    SafetensorsWriter w;
    w.setMetadata(kMetaKey, doc.dump());
    const int64_t m = int64_t(entries_.size());
    if (m > 0) { // zero-sized arrays are left out; an empty index is metadata only
        w.addBorrowed("embeddings", DType::F32, {m, dim}, emb.data(), emb.size() * sizeof(float));
        w.addBorrowed("tokens", DType::I64, {m, int64_t(rows_) * cols_}, tok.data(), tok.size() * sizeof(int64_t));
    }
    w.save(indexPath_);
}

IndexUpdate FolderIndex::update(Engine& engine, const IndexProgressFn& progress) {
    IndexUpdate u;
    const std::string model = modelIdentity(engine);
    bool dirty = !fs::exists(indexPath_);
    rows_ = engine.info().gridRows;
    cols_ = engine.info().gridCols;
    bits_ = engine.info().bits;
    if (!loaded_) {
        u.messages = load(model);
        loaded_ = true;
    } else if (model != modelId_) {
        u.messages.push_back("the model changed (" + modelId_ + " -> " + model + "); rebuilding the index");
        entries_.clear();
    }
    dirty = dirty || !u.messages.empty();
    modelId_ = model;

    const auto files = scanFolder(folder_);
    std::map<std::string, IndexEntry> old;
    for (auto& e : entries_) old.emplace(e.path, std::move(e));
    const size_t previous = old.size();
    std::vector<IndexEntry> kept;
    std::vector<ScannedFile> todo;
    for (const auto& f : files) {
        auto it = old.find(f.path);
        if (it != old.end() && it->second.size == f.size && it->second.mtime == f.mtime) {
            kept.push_back(std::move(it->second));
            ++u.reused;
        } else {
            todo.push_back(f);
        }
        if (it != old.end()) old.erase(it);
    }
    u.removed = int(old.size()); // what is left had no file
    entries_ = std::move(kept);
    encodeFiles(engine, folder_, todo, progress, u, entries_);
    std::sort(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
    const bool replaced = size_t(u.reused + u.removed) != previous; // a changed file was re-encoded or skipped
    if (dirty || replaced || u.encoded > 0 || u.removed > 0) {
        save();
        u.saved = true;
    }
    return u;
}

std::vector<SearchHit> FolderIndex::search(const std::vector<float>& embedding, int topK) const {
    double norm = 0;
    for (float v : embedding) norm += double(v) * v;
    norm = std::sqrt(norm);
    if (!(norm > 0)) throw Error("search: the query embedding is empty or zero");
    std::vector<SearchHit> hits;
    for (const auto& e : entries_) {
        if (e.embedding.size() != embedding.size())
            throw Error("search: the query has " + std::to_string(embedding.size()) + " values; the index stores " +
                        std::to_string(e.embedding.size()));
        double dot = 0;
        for (size_t i = 0; i < embedding.size(); ++i) dot += double(embedding[i]) * e.embedding[i];
        hits.push_back({e.path, float(dot / norm)});
    }
    std::stable_sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
    if (topK > 0 && hits.size() > size_t(topK)) hits.resize(size_t(topK));
    return hits;
}

IndexStats FolderIndex::stats(int topTokens) const {
    IndexStats s;
    s.images = int(entries_.size());
    std::vector<int64_t> ones(size_t(bits_), 0);
    std::unordered_map<int64_t, TokenCount> counts;
    for (const auto& e : entries_)
        for (size_t n = 0; n < e.tokens.size(); ++n) {
            const int64_t t = e.tokens[n];
            for (int b = 0; b < bits_; ++b) ones[size_t(b)] += (t >> (bits_ - 1 - b)) & 1;
            auto [it, fresh] = counts.try_emplace(t);
            if (fresh) it->second = {t, 0, e.path, int(n) / std::max(1, cols_), int(n) % std::max(1, cols_)};
            ++it->second.count;
            ++s.tokens;
        }
    s.distinct = int64_t(counts.size());
    for (int b = 0; b < bits_; ++b) {
        const double p = s.tokens ? double(ones[size_t(b)]) / double(s.tokens) : 0.0;
        s.bitOnes.push_back(p);
        s.bitEntropy.push_back(binaryEntropy(p));
        s.entropySum += s.bitEntropy.back();
    }
    for (auto& kv : counts) s.top.push_back(kv.second);
    std::sort(s.top.begin(), s.top.end(), [](const auto& a, const auto& b) { return a.count != b.count ? a.count > b.count : a.token < b.token; });
    if (topTokens >= 0 && s.top.size() > size_t(topTokens)) s.top.resize(size_t(topTokens));
    return s;
}

void FolderIndex::writeStatsCsv(const std::string& path, int topTokens) const {
    const auto s = stats(topTokens);
    std::ostringstream out;
    out << "kind,id,count,fraction,entropy_bits,file,row,col\n";
    out << "summary,images," << s.images << ",,,,,\n";
    out << "summary,tokens," << s.tokens << ",,,,,\n";
    out << "summary,distinct," << s.distinct << ",,,,,\n";
    out << "summary,entropy_sum,,," << s.entropySum << ",,,\n";
    for (int b = 0; b < bits_; ++b)
        out << "bit," << b << "," << int64_t(std::llround(s.bitOnes[size_t(b)] * double(s.tokens))) << "," << s.bitOnes[size_t(b)] << ","
            << s.bitEntropy[size_t(b)] << ",,,\n";
    for (const auto& t : s.top) {
        std::string file; // CSV-quoted: every quote doubled
        for (char c : t.file) file += c == '"' ? std::string(2, c) : std::string(1, c);
        out << "token," << t.token << "," << t.count << "," << (s.tokens ? double(t.count) / double(s.tokens) : 0.0) << ",,\"" << file
            << "\"," << t.row << "," << t.col << "\n";
    }
    const std::string text = out.str();
    writeFileAtomic(path, text.data(), text.size());
}

} // namespace qlip
