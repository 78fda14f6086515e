// One shard of `qlipx tokenize`: a thread pool reads, decodes and pre-processes images ahead of
// the engine (a bounded window, in input order), the engine tokenizes them in batches, and the
// samples stream into a tar under a temporary name; the manifest is written last.
#include "fileio.h"
#include "qlip/error.h"
#include "qlip/hub_download.h"
#include "qlip/image.h"
#include "qlip/npy.h"
#include "qlip/processinfo.h"
#include "qlip/tar.h"
#include "qlip/tokenize.h"
#include "tokenize_internal.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>


namespace fs = std::filesystem;

namespace qlip::tokenize {

namespace {

struct Decoded {
    bool ok = false;
    PixelTensor pixels;
    int width = 0;
    int height = 0;
    std::string error;
};

std::vector<uint8_t> readItemBytes(const InputItem& item) {
    if (!item.inTar) return readBinaryFile(item.path, "image");
    std::ifstream in(item.path, std::ios::binary);
    if (!in) throw Error("cannot open WebDataset shard '" + item.path + "'");
    in.seekg(std::streamoff(item.offset));
    std::vector<uint8_t> data(size_t(item.size));
    in.read(reinterpret_cast<char*>(data.data()), std::streamsize(data.size()));
    if (uint64_t(in.gcount()) != item.size)
        throw Error("tar '" + item.path + "': member '" + item.member + "' at byte offset " + std::to_string(item.offset) +
                    " is truncated (the file changed since it was listed?)");
    return data;
}

Decoded decodeItem(const InputItem& item, const Engine& engine) {
    Decoded d;
    try {
        if (!item.note.empty()) throw Error(item.note);
        const auto bytes = readItemBytes(item);
        const std::string name = item.inTar ? item.path + "#" + item.member : item.path;
        const ImageRGB8 image = decodeImage(bytes.data(), bytes.size(), name, engine.preprocessConfig().alpha);
        d.width = image.width;
        d.height = image.height;
        d.pixels = engine.preprocess(image);
        d.ok = true;
    } catch (const std::bad_alloc&) {
        d.error = "'" + item.id + "': out of memory while decoding";
    } catch (const std::exception& e) {
        d.error = e.what();
    }
    return d;
}

// Workers decode items [0, n) ahead of the consumer, at most `window` items ahead, so memory
// stays bounded whatever the dataset size; take(i) hands them out in order.
class DecodePool {
public:
    DecodePool(const std::vector<const InputItem*>& items, const Engine& engine, int workers, size_t window)
        : items_(items), engine_(engine), window_(window) {
        for (int w = 0; w < std::max(1, workers); ++w) threads_.emplace_back([this] { work(); });
    }
    ~DecodePool() {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        cv_.notify_all();
        for (auto& t : threads_) t.join();
    }

    Decoded take(size_t i) {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return ready_.count(i) > 0; });
        Decoded d = std::move(ready_[i]);
        ready_.erase(i);
        consumed_ = i + 1;
        cv_.notify_all();
        return d;
    }

private:
    void work() {
        for (;;) {
            size_t i;
            {
                std::unique_lock lock(mutex_);
                cv_.wait(lock, [&] { return stop_ || next_ >= items_.size() || next_ < consumed_ + window_; });
                if (stop_ || next_ >= items_.size()) return;
                i = next_++;
            }
            Decoded d = decodeItem(*items_[i], engine_);
            {
                std::lock_guard lock(mutex_);
                ready_[i] = std::move(d);
            }
            cv_.notify_all();
        }
    }

    const std::vector<const InputItem*>& items_;
    const Engine& engine_;
    const size_t window_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::map<size_t, Decoded> ready_;
    size_t next_ = 0;
    size_t consumed_ = 0;
    bool stop_ = false;
    std::vector<std::thread> threads_;
};

std::string jsonLine(Json j) { return j.dump() + "\n"; }

bool manifestMatches(const Json& m, const Json& model, const Json& config, const Json& inputs) {
    const Json* a = m.find("model");
    const Json* b = m.find("config");
    const Json* c = m.find("inputs");
    return a && b && c && a->dump() == model.dump() && b->dump() == config.dump() && c->dump() == inputs.dump();
}

void removeStaleTemporaries(const fs::path& outDir, const std::string& base) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(outDir, ec))
        if (e.path().filename().string().rfind(base + ".tar.tmp-", 0) == 0) fs::remove(e.path(), ec);
}

// Streams samples into the shard's tar under a temporary name.
class ShardWriter {
public:
    ShardWriter(const fs::path& tarPath, const Engine& engine, const std::string& modelSha)
        : final_(tarPath), temp_(tarPath.string() + ".tmp-" + std::to_string(qlip::processId())), engine_(engine), modelSha_(modelSha),
          out_(temp_, std::ios::binary | std::ios::trunc), tar_(out_, tarPath.string()) {
        if (!out_) throw Error("cannot create '" + temp_.string() + "'");
    }

    void add(const std::string& key, const InputItem& item, const Decoded& d, const std::vector<int64_t>& tokens,
             const std::vector<float>* embedding) {
        const auto& info = engine_.info();
        const auto npy = encodeNpy("<i8", {info.gridRows, info.gridCols}, tokens.data(), tokens.size() * sizeof(int64_t));
        tar_.add(key + ".tokens.npy", npy.data(), npy.size());
        Json::Object o;
        o["key"] = Json(key);
        o["source"] = Json(item.id);
        if (item.inTar) o["member"] = Json(item.member);
        o["width"] = Json(d.width);
        o["height"] = Json(d.height);
        o["model"] = Json(info.name);
        o["model_sha256"] = Json(modelSha_);
        const std::string meta = jsonLine(Json(std::move(o)));
        tar_.add(key + ".json", meta.data(), meta.size());
        if (embedding) {
            const auto e = encodeNpy("<f4", {int64_t(embedding->size())}, embedding->data(), embedding->size() * sizeof(float));
            tar_.add(key + ".embedding.npy", e.data(), e.size());
        }
    }

    // Ends the archive and renames it into place; returns its size and sha256.
    std::pair<uint64_t, std::string> commit() {
        tar_.finish();
        out_.close();
        if (!out_) throw Error("cannot write '" + temp_.string() + "' (disk full?)");
        const std::string sha = hub::sha256OfFile(temp_);
        const uint64_t bytes = fs::file_size(temp_);
        std::error_code ec;
        fs::rename(temp_, final_, ec);
        if (ec) throw Error("cannot rename '" + temp_.string() + "' to '" + final_.string() + "': " + ec.message());
        return {bytes, sha};
    }

    ~ShardWriter() {
        std::error_code ec;
        if (fs::exists(temp_, ec)) {
            out_.close();
            fs::remove(temp_, ec); // an exception left it half written
        }
    }

private:
    fs::path final_, temp_;
    const Engine& engine_;
    std::string modelSha_;
    std::ofstream out_;
    tar::Writer tar_;
};

} // namespace

ShardResult tokenizeShard(Engine& engine, const std::vector<InputItem>& items, const Options& options) {
    const auto t0 = std::chrono::steady_clock::now();
    const fs::path outDir(options.outDir);
    std::error_code ec;
    fs::create_directories(outDir, ec);
    if (ec) throw Error("cannot create output folder '" + options.outDir + "': " + ec.message());
    const std::string base = shardBaseName(options.shard);
    ShardResult result;
    result.tarPath = (outDir / detail::tarName(base)).string();
    result.manifestPath = (outDir / detail::manifestName(base)).string();

    Json::Object model{{"id", Json(engine.info().name)}, {"sha256", Json(options.modelSha256)}};
    const Json modelJson(std::move(model));
    const Json config = detail::configJson(engine, options.embeddings);
    const Json inputs(Json::Object{{"count", Json(int64_t(items.size()))}, {"sha256", Json(inputDigest(items))}});

    if (isRegularFile(result.manifestPath)) {
        if (options.resume) {
            const Json old = Json::parse(readTextFile(result.manifestPath, "shard manifest"), result.manifestPath);
            if (!manifestMatches(old, modelJson, config, inputs))
                throw Error("'" + result.manifestPath + "' was made with another model, configuration or input set; "
                            "use a new output folder, or run without --resume to redo the shard");
            result.skipped = true;
            return result;
        }
        fs::remove(result.manifestPath, ec); // redo: the shard is unfinished until the new manifest lands
    }
    removeStaleTemporaries(outDir, base);

    const auto positions = assignedItems(items.size(), options.shard);
    std::vector<const InputItem*> mine;
    for (size_t p : positions) mine.push_back(&items[p]);

    const size_t batch = size_t(std::max(1, options.batch));
    DecodePool pool(mine, engine, options.workers, std::max<size_t>(4 * batch, size_t(2 * options.workers)));
    ShardWriter writer(result.tarPath, engine, options.modelSha256);

    Json::Array itemList, failures;
    std::vector<size_t> pending; // indices into `mine` of the images in the batch
    std::vector<Decoded> decoded;
    auto lastReport = t0;
    size_t lastDone = size_t(-1);
    Progress progress{0, mine.size(), 0, 0};
    auto report = [&](bool force) {
        const auto now = std::chrono::steady_clock::now();
        if (!options.progress || progress.done == lastDone || (!force && now - lastReport < std::chrono::seconds(1))) return;
        lastReport = now;
        lastDone = progress.done;
        progress.seconds = std::chrono::duration<double>(now - t0).count();
        options.progress(progress);
    };
    auto flush = [&] {
        if (pending.empty()) return;
        std::vector<PixelTensor> pixels;
        for (auto& d : decoded) pixels.push_back(std::move(d.pixels));
        const auto e0 = std::chrono::steady_clock::now();
        const auto encoded = encodeBatch(engine, pixels, options.embeddings);
        result.engineSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - e0).count();
        for (size_t b = 0; b < pending.size(); ++b) {
            const size_t k = pending[b];
            writer.add(sampleKey(positions[k]), *mine[k], decoded[b], encoded.tokens[b], options.embeddings ? &encoded.embeddings[b] : nullptr);
        }
        result.samples += pending.size();
        progress.done += pending.size();
        pending.clear();
        decoded.clear();
        report(false);
    };
    for (size_t k = 0; k < mine.size(); ++k) {
        const std::string key = sampleKey(positions[k]);
        itemList.push_back(Json(Json::Array{Json(key), Json(mine[k]->id)}));
        const auto w0 = std::chrono::steady_clock::now();
        Decoded d = pool.take(k);
        result.waitSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
        if (!d.ok) {
            failures.push_back(Json(Json::Object{{"key", Json(key)}, {"source", Json(mine[k]->id)}, {"reason", Json(d.error)}}));
            ++progress.failed;
            ++progress.done;
            continue;
        }
        pending.push_back(k);
        decoded.push_back(std::move(d));
        if (pending.size() == batch) flush();
    }
    flush();
    const auto [tarBytes, tarSha] = writer.commit();

    result.failures = failures.size();
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    Json::Object m;
    m["format"] = Json("qlip-token-shard");
    m["version"] = Json(1);
    m["shard"] = Json(options.shard.index);
    m["num_shards"] = Json(options.shard.count);
    m["model"] = modelJson;
    m["config"] = config;
    m["inputs"] = inputs;
    m["samples"] = Json(int64_t(result.samples));
    m["items"] = Json(std::move(itemList));
    m["failures"] = Json(std::move(failures));
    m["tar"] = Json(Json::Object{{"name", Json(detail::tarName(base))}, {"bytes", Json(int64_t(tarBytes))}, {"sha256", Json(tarSha)}});
    m["run"] = Json(Json::Object{{"seconds", Json(result.seconds)},
                                 {"images_per_second", Json(result.seconds > 0 ? double(mine.size()) / result.seconds : 0.0)},
                                 {"engine_seconds", Json(result.engineSeconds)},
                                 {"waiting_for_images_seconds", Json(result.waitSeconds)},
                                 {"batch", Json(int64_t(batch))},
                                 {"workers", Json(options.workers)}});
    const std::string text = jsonLine(Json(std::move(m)));
    writeFileAtomic(result.manifestPath, text.data(), text.size());
    report(true);
    return result;
}

namespace detail {

std::string manifestName(const std::string& base) { return base + ".manifest.json"; }
std::string tarName(const std::string& base) { return base + ".tar"; }

std::vector<ShardFile> findShardFiles(const std::string& outDir, const std::string& suffix) {
    std::vector<ShardFile> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(outDir, ec)) {
        const std::string name = e.path().filename().string();
        int i = 0, n = 0;
        char tail[64] = {};
        if (std::sscanf(name.c_str(), "shard-%5d-of-%5d%63s", &i, &n, tail) == 3 && suffix == tail)
            out.push_back({i, n, e.path().string()});
    }
    if (ec) throw Error("cannot list '" + outDir + "': " + ec.message());
    std::sort(out.begin(), out.end(), [](const ShardFile& a, const ShardFile& b) { return a.index < b.index; });
    return out;
}

} // namespace detail

} // namespace qlip::tokenize
