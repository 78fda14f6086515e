// `qlipx tokenize-verify` and `tokenize-merge`: a shard folder is trusted only when every shard
// is finished, intact and consistent, and together they hold each input exactly once.
#include "fileio.h"
#include "qlip/error.h"
#include "qlip/hub_download.h"
#include "qlip/npy.h"
#include "qlip/processinfo.h"
#include "qlip/tar.h"
#include "qlip/tokenize.h"
#include "qlip/webdataset.h"
#include "tokenize_internal.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>


namespace fs = std::filesystem;

namespace qlip::tokenize {

namespace {

struct ShardItems {
    std::map<std::string, std::string> sources; // key -> source, every assigned item
    std::set<std::string> failed;               // keys listed as failures
};

struct Expected {
    std::string model, config, inputs; // dumps of the first manifest's objects
    int64_t inputCount = -1;
    std::string inputSha;
    int rows = 0, cols = 0, bits = 0;
};

// The member `key` of object `j`; throws when it is absent (manifests are checked, not trusted).
const Json& need(const Json& j, const char* key) {
    const Json* v = j.find(key);
    if (!v) throw Error(std::string("no '") + key + "'");
    return *v;
}

std::string shardLabel(int i, int n) { return "shard " + std::to_string(i) + "/" + std::to_string(n); }

// A tokens .npy as this tool writes it: byte-identical to a fresh encoding of its own data, with
// every index inside [0, 2^bits).
std::string checkTokensNpy(const std::vector<uint8_t>& bytes, const Expected& e) {
    const size_t dataBytes = size_t(e.rows) * size_t(e.cols) * 8;
    if (bytes.size() < dataBytes + 10) return "tokens .npy is too small for a " + std::to_string(e.rows) + "x" + std::to_string(e.cols) + " grid";
    const uint8_t* data = bytes.data() + bytes.size() - dataBytes;
    if (encodeNpy("<i8", {e.rows, e.cols}, data, dataBytes) != bytes) return "tokens .npy is not an int64 [" + std::to_string(e.rows) + ", " + std::to_string(e.cols) + "] array";
    for (size_t n = 0; n < size_t(e.rows) * size_t(e.cols); ++n) {
        int64_t v;
        std::memcpy(&v, data + n * 8, 8);
        if (v < 0 || (e.bits < 63 && v >= (int64_t(1) << e.bits))) return "token " + std::to_string(n) + " is outside [0, 2^" + std::to_string(e.bits) + ")";
    }
    return "";
}

// Reads a finished shard's tar and compares it with its manifest; problems are appended.
void checkShardTar(const std::string& tarPath, const Json& manifest, const ShardItems& items, const Expected& e,
                   const std::string& label, std::vector<std::string>& problems, size_t& samples) {
    const Json* tarInfo = manifest.find("tar");
    const Json* bytes = tarInfo ? tarInfo->find("bytes") : nullptr;
    const Json* sha = tarInfo ? tarInfo->find("sha256") : nullptr;
    if (!bytes || !sha) return problems.push_back(label + ": corrupt manifest (no tar size or sha256)");
    if (!isRegularFile(tarPath)) return problems.push_back(label + ": finished but its tar '" + tarPath + "' is missing");
    std::error_code ec;
    const auto size = fs::file_size(tarPath, ec);
    if (int64_t(size) != bytes->asInt("tar.bytes"))
        return problems.push_back(label + ": corrupt: '" + tarPath + "' has " + std::to_string(size) + " bytes, its manifest says " +
                                  std::to_string(bytes->asInt("tar.bytes")));
    if (hub::sha256OfFile(tarPath) != sha->asString("tar.sha256"))
        return problems.push_back(label + ": corrupt: the sha256 of '" + tarPath + "' differs from its manifest");
    std::ifstream in(tarPath, std::ios::binary);
    tar::Reader reader(in, tarPath);
    wds::SampleReader sampleReader(reader);
    std::set<std::string> seen;
    try {
        wds::Sample s;
        while (sampleReader.next(s)) {
            const auto it = items.sources.find(s.key);
            if (it == items.sources.end() || items.failed.count(s.key))
                { problems.push_back(label + ": sample '" + s.key + "' in the tar is not one of its tokenized items"); continue; }
            if (!seen.insert(s.key).second) { problems.push_back(label + ": sample '" + s.key + "' appears twice in the tar"); continue; }
            const auto* tokens = s.find("tokens.npy");
            const auto* meta = s.find("json");
            if (!tokens || !meta) { problems.push_back(label + ": sample '" + s.key + "' lacks its .tokens.npy or .json"); continue; }
            const std::string bad = checkTokensNpy(tokens->data, e);
            if (!bad.empty()) problems.push_back(label + ": sample '" + s.key + "': " + bad);
            const Json j = Json::parse(std::string(meta->data.begin(), meta->data.end()), tarPath + "#" + s.key + ".json");
            const Json* source = j.find("source");
            if (!source || !source->isString() || source->asString() != it->second)
                problems.push_back(label + ": sample '" + s.key + "' names another source than its manifest");
            ++samples;
        }
    } catch (const Error& err) {
        problems.push_back(label + ": corrupt: " + err.what());
    }
    const size_t expected = items.sources.size() - items.failed.size();
    if (seen.size() != expected)
        problems.push_back(label + ": its tar holds " + std::to_string(seen.size()) + " samples, its manifest " + std::to_string(expected));
}

std::string tempOf(const std::string& outDir, const std::string& base) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(outDir, ec))
        if (entry.path().filename().string().rfind(base + ".tar.tmp-", 0) == 0) return entry.path().filename().string();
    return "";
}

int dominantCount(const std::vector<detail::ShardFile>& a, const std::vector<detail::ShardFile>& b, std::set<int>& all) {
    std::map<int, int> votes;
    for (const auto* list : {&a, &b})
        for (const auto& f : *list) {
            ++votes[f.count];
            all.insert(f.count);
        }
    int best = 0, bestVotes = 0;
    for (const auto& [n, v] : votes)
        if (v > bestVotes) best = n, bestVotes = v;
    return best;
}

// Reads a manifest and records its items; returns false (with a problem) when it is unusable.
bool readManifest(const std::string& path, int index, int count, Expected& e, ShardItems& items, Json& manifest,
                  std::vector<std::string>& problems) {
    const std::string label = shardLabel(index, count);
    try {
        manifest = Json::parse(readTextFile(path, "shard manifest"), path);
        if (need(manifest, "shard").asInt("shard") != index || need(manifest, "num_shards").asInt("num_shards") != count)
            throw Error("its shard number disagrees with its file name");
        const Json& model = need(manifest, "model");
        const Json& config = need(manifest, "config");
        const Json& inputs = need(manifest, "inputs");
        if (e.model.empty()) {
            e.model = model.dump(), e.config = config.dump(), e.inputs = inputs.dump();
            e.inputCount = need(inputs, "count").asInt("inputs.count");
            e.inputSha = need(inputs, "sha256").asString("inputs.sha256");
            const auto& grid = need(config, "grid").asArray("config.grid");
            e.rows = int(grid.at(0).asInt("grid")), e.cols = int(grid.at(1).asInt("grid"));
            e.bits = int(need(config, "bits").asInt("config.bits"));
        } else {
            if (model.dump() != e.model) problems.push_back(label + ": made with another model (" + model.dump() + ")");
            if (config.dump() != e.config) problems.push_back(label + ": made with another configuration");
            if (inputs.dump() != e.inputs) problems.push_back(label + ": made from another input set");
        }
        for (const auto& entry : need(manifest, "items").asArray("items")) {
            const auto& pair = entry.asArray("item");
            items.sources[pair.at(0).asString("item key")] = pair.at(1).asString("item source");
        }
        for (const auto& f : need(manifest, "failures").asArray("failures")) items.failed.insert(need(f, "key").asString("failure key"));
        return true;
    } catch (const std::exception& err) {
        problems.push_back(label + ": corrupt manifest '" + path + "': " + err.what());
        return false;
    }
}

} // namespace

VerifyReport verify(const std::string& outDir) {
    VerifyReport r;
    if (!isDirectory(outDir)) {
        r.problems.push_back("output folder '" + outDir + "' does not exist");
        return r;
    }
    const auto manifests = detail::findShardFiles(outDir, ".manifest.json");
    const auto tars = detail::findShardFiles(outDir, ".tar");
    std::set<int> counts;
    r.numShards = dominantCount(manifests, tars, counts);
    if (counts.empty()) {
        r.problems.push_back("'" + outDir + "' holds no shards (shard-IIIII-of-NNNNN.tar / .manifest.json)");
        return r;
    }
    if (counts.size() > 1) {
        std::string list;
        for (int n : counts) list += (list.empty() ? "" : ", ") + std::to_string(n);
        r.problems.push_back("'" + outDir + "' mixes shards of different counts N (" + list + "): checking N = " + std::to_string(r.numShards));
    }
    const int n = r.numShards;
    Expected expected;
    std::map<std::string, std::string> allKeys;   // key -> source over every shard
    std::map<std::string, std::string> sourceKey; // source -> key
    int finished = 0;
    for (int i = 0; i < n; ++i) {
        const std::string label = shardLabel(i, n);
        const std::string base = shardBaseName({i, n});
        const std::string manifestPath = (fs::path(outDir) / detail::manifestName(base)).string();
        const std::string tarPath = (fs::path(outDir) / detail::tarName(base)).string();
        if (!isRegularFile(manifestPath)) {
            const std::string temp = tempOf(outDir, base);
            if (isRegularFile(tarPath)) r.problems.push_back(label + ": unfinished: its tar exists but not its manifest (the task stopped before the end, or is running)");
            else if (!temp.empty()) r.problems.push_back(label + ": unfinished: only the partial '" + temp + "' exists (the task was killed, or is running); rerun it with --resume");
            else r.problems.push_back(label + ": missing: no output at all (the task never ran, or failed before starting)");
            continue;
        }
        Json manifest;
        ShardItems items;
        if (!readManifest(manifestPath, i, n, expected, items, manifest, r.problems)) continue;
        ++finished;
        for (const auto& [key, source] : items.sources) {
            const auto [it, fresh] = allKeys.emplace(key, source);
            if (!fresh) r.problems.push_back(label + ": key '" + key + "' also belongs to another shard");
            const auto [it2, freshSource] = sourceKey.emplace(source, key);
            if (!freshSource) r.problems.push_back(label + ": input '" + source + "' is also in another shard (key " + it2->second + ")");
        }
        r.failures += items.failed.size();
        checkShardTar(tarPath, manifest, items, expected, label, r.problems, r.samples);
    }
    r.inputs = expected.inputCount < 0 ? 0 : size_t(expected.inputCount);
    if (finished == n) {
        hub::Sha256 sha;
        for (const auto& [source, key] : sourceKey) {
            sha.update(source.data(), source.size());
            sha.update("\n", 1);
        }
        if (int64_t(sourceKey.size()) != expected.inputCount || sha.hexDigest() != expected.inputSha)
            r.problems.push_back("the union of the shards (" + std::to_string(sourceKey.size()) + " items) is not the input set (" +
                                 std::to_string(expected.inputCount) + " items)");
    }
    r.ok = r.problems.empty();
    return r;
}

namespace {

// One shard's samples in key order, read one at a time for the k-way merge.
struct ShardCursor {
    std::unique_ptr<std::ifstream> in;
    std::unique_ptr<tar::Reader> reader;
    std::unique_ptr<wds::SampleReader> samples;
    wds::Sample current;
    bool valid = false;
    void advance() { valid = samples->next(current); }
};

} // namespace

MergeResult merge(const std::string& outDir, const std::string& mergedDir) {
    const VerifyReport report = verify(outDir);
    if (!report.ok) {
        std::string text = "tokenize-merge: '" + outDir + "' does not verify, nothing merged:";
        for (const auto& p : report.problems) text += "\n  " + p;
        throw Error(text);
    }
    std::error_code ec;
    fs::create_directories(mergedDir, ec);
    if (ec) throw Error("cannot create '" + mergedDir + "': " + ec.message());
    MergeResult result;
    result.tarPath = (fs::path(mergedDir) / "tokens.tar").string();
    result.manifestPath = (fs::path(mergedDir) / "manifest.json").string();

    std::vector<ShardCursor> cursors(size_t(report.numShards));
    std::vector<std::pair<std::string, Json>> failures; // sorted by key below
    Json first;
    for (int i = 0; i < report.numShards; ++i) {
        const std::string base = shardBaseName({i, report.numShards});
        const Json m = Json::parse(readTextFile((fs::path(outDir) / detail::manifestName(base)).string(), "shard manifest"), base);
        if (i == 0) first = m;
        for (const auto& f : need(m, "failures").asArray("failures")) failures.emplace_back(need(f, "key").asString("key"), f);
        auto& c = cursors[size_t(i)];
        const std::string tarPath = (fs::path(outDir) / detail::tarName(base)).string();
        c.in = std::make_unique<std::ifstream>(tarPath, std::ios::binary);
        c.reader = std::make_unique<tar::Reader>(*c.in, tarPath);
        c.samples = std::make_unique<wds::SampleReader>(*c.reader);
        c.advance();
    }
    const std::string temp = result.tarPath + ".tmp-" + std::to_string(qlip::processId());
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out) throw Error("cannot create '" + temp + "'");
        tar::Writer writer(out, result.tarPath);
        for (;;) {
            ShardCursor* next = nullptr;
            for (auto& c : cursors)
                if (c.valid && (!next || c.current.key < next->current.key)) next = &c;
            if (!next) break;
            for (const auto& m : next->current.members) writer.add(m.member.name, m.data.data(), m.data.size());
            ++result.samples;
            next->advance();
        }
        writer.finish();
    }
    const std::string tarSha = hub::sha256OfFile(temp);
    const auto tarBytes = fs::file_size(temp);
    fs::rename(temp, result.tarPath, ec);
    if (ec) throw Error("cannot rename '" + temp + "' to '" + result.tarPath + "': " + ec.message());

    std::sort(failures.begin(), failures.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    Json::Array failureList;
    for (auto& f : failures) failureList.push_back(f.second);
    result.failures = failureList.size();
    Json::Object m;
    m["format"] = Json("qlip-token-set");
    m["version"] = Json(1);
    m["model"] = need(first, "model");
    m["config"] = need(first, "config");
    m["inputs"] = need(first, "inputs");
    m["samples"] = Json(int64_t(result.samples));
    m["failures"] = Json(std::move(failureList));
    m["tar"] = Json(Json::Object{{"name", Json("tokens.tar")}, {"bytes", Json(int64_t(tarBytes))}, {"sha256", Json(tarSha)}});
    const std::string text = Json(std::move(m)).dump() + "\n";
    writeFileAtomic(result.manifestPath, text.data(), text.size());
    return result;
}

} // namespace qlip::tokenize
