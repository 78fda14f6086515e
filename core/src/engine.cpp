#include "engine_impl.h"
#include "configcheck.h"

#include "fileio.h"
#include "model/mapped_weights.h"
#include "model/weights.h"
#include "qlip/hub.h"
#include "qlip/json.h"
#include "qlip/safetensors.h"

#include <mutex>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <chrono>
#include <filesystem>
#include <map>
#include <cmath>

namespace qlip {
namespace {

std::string joinPath(const std::string& folder, const std::string& file) {
    return folder.empty() || folder.back() == '/' ? folder + file : folder + "/" + file;
}

std::string baseName(const std::string& path) {
    std::string p = path;
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    auto slash = p.find_last_of('/');
    return slash == std::string::npos ? p : p.substr(slash + 1);
}

std::vector<float> toVector(const torch::Tensor& t) {
    auto c = t.to(torch::kCPU, torch::kFloat32).contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// Weights holding NaN/inf give NaN outputs: an all-zero token grid or "-nan" scores would look
// like results. Refuse them, pointing at the load warning.
const torch::Tensor& requireFinite(const torch::Tensor& t, const std::string& what) {
    if (t.is_floating_point() && !torch::isfinite(t).all().item<bool>())
        throw Error(what + " produced NaN or infinite values: the model's weights hold NaN or infinite values (qlipx info lists them)");
    return t;
}

// Rows of `features` [B, J], L2-normalised, appended to `out`.
void appendUnitRows(torch::Tensor features, std::vector<std::vector<float>>& out, const std::string& what) {
    requireFinite(features, what);
    features = features.to(torch::kFloat32);
    features = features / features.norm(2, -1, true);
    for (int64_t b = 0; b < features.size(0); ++b) out.push_back(toVector(features[b]));
}

// Run `fn(begin, end)` over [0, n) in chunks of at most `chunk`.
template <class Fn>
void forChunks(size_t n, int chunk, Fn&& fn) {
    const size_t step = size_t(std::max(1, chunk));
    for (size_t begin = 0; begin < n; begin += step) fn(begin, std::min(n, begin + step));
}

void fillInfo(Engine::Impl& d) {
    const auto& c = d.config;
    auto& i = d.info;
    i.name = c.name;
    i.imageSize = c.vision.imageSize;
    i.patchSize = c.vision.patchSize;
    i.gridRows = i.gridCols = c.grid();
    i.bits = c.bits();
    i.groupSize = c.vision.bsq.groupSize;
    i.projectionDim = c.projectionDim;
    i.contextLength = c.text.maxPositions;
    i.device = d.device.str();
    i.precision = precisionName(d.options.precision);
    i.threads = torch::get_num_threads();
    i.parameters = 0;
    for (const auto& p : d.model->parameters()) i.parameters += p.numel();
    i.logitScale = d.model->logit_scale.item<float>();
    i.hasTokenizer = d.tokenizer.has_value();
}

// LibTorch's CPU allocator takes every tensor from malloc. glibc serves blocks above its mmap
// threshold (128 KiB at first) with fresh mmap()s and gives freed memory back to the system, so
// every activation of a layer (megabytes) is new memory and pays page faults on first touch. At
// 1,025 tokens in bf16 that was 20 % of a layer's time. Keeping freed memory in the heap for reuse
// removes it; the process keeps its peak working set instead of shrinking between calls.
void keepFreedMemoryForReuse() {
#if defined(__GLIBC__)
    static std::once_flag once;
    std::call_once(once, [] {
        mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's maximum; larger blocks still use mmap
        mallopt(M_TRIM_THRESHOLD, 1 << 30);
        mallopt(M_TOP_PAD, 16 << 20);
    });
#endif
}

// While a model is built and loaded, every block above 128 KiB gets a mapping of its own and goes
// back to the system when freed. The float32 tensors that each layer allocates and initialises
// as it is built, and that DeferredParameters drops at once, would otherwise stay in the heap:
// the small objects allocated between them (modules, placeholders) fragment the freed space, so
// the next layer cannot reuse it (measured: B-16 kept 0.5 GB that way). Afterwards the
// inference settings above apply again.
class LoadAllocations {
public:
    explicit LoadAllocations(bool keepFreedMemory) : keep_(keepFreedMemory) {
#if defined(__GLIBC__)
        mallopt(M_MMAP_THRESHOLD, 128 << 10);
#endif
    }
    ~LoadAllocations() {
#if defined(__GLIBC__)
        if (keep_) {
            keepFreedMemoryForReuse();
            mallopt(M_MMAP_THRESHOLD, 32 << 20);
        }
#endif
    }
    LoadAllocations(const LoadAllocations&) = delete;
    LoadAllocations& operator=(const LoadAllocations&) = delete;

private:
    bool keep_;
};

// `deferred`: the parameters get their storage from the file (model/weights.h), so the random
// initial values are never kept (model::DeferredParameters).
std::unique_ptr<Engine::Impl> makeImpl(const QlipConfig& config, const EngineOptions& options, bool deferred = false) {
    auto d = std::make_unique<Engine::Impl>();
    d->config = config;
    d->options = options;
    d->device = resolveDevice(options.device);
    d->dtype = resolveDtype(options.precision, d->device);
    applyThreadCount(options.threads);
    d->preprocess = PreprocessConfig::forImageSize(config.vision.imageSize);
    if (deferred) {
        model::DeferredParameters building;
        d->model = model::QLIPModel(config);
        model::dropParameterStorage(*d->model);
    } else {
        d->model = model::QLIPModel(config);
    }
    d->model->eval();
    return d;
}

// Whether most of the file's bytes already have the dtype the engine computes in.
bool mostlyOfType(const SafetensorsFile& file, DType type) {
    uint64_t match = 0, total = 0;
    for (const auto& t : file.tensors()) {
        total += t.end - t.begin;
        if (t.dtype == type) match += t.end - t.begin;
    }
    return total > 0 && 2 * match > total;
}

void moveToDevice(Engine::Impl& d) {
    guarded("moving the model to " + d.device.str(), [&] {
        d.model->to(d.device, d.dtype);
        return 0;
    });
}

} // namespace

torch::Tensor Engine::Impl::pixelBatch(const std::vector<PixelTensor>& pixels, size_t begin, size_t end) const {
    const int s = config.vision.imageSize;
    auto batch = torch::empty({int64_t(end - begin), 3, s, s}, torch::kFloat32);
    for (size_t i = begin; i < end; ++i) {
        const auto& p = pixels[i];
        if (p.height != s || p.width != s || p.chw.size() != size_t(3) * s * s)
            throw Error("image " + std::to_string(i) + " is " + std::to_string(p.width) + "x" + std::to_string(p.height) +
                        " after pre-processing; the model needs exactly " + std::to_string(s) + "x" + std::to_string(s));
        std::memcpy(batch[int64_t(i - begin)].data_ptr<float>(), p.chw.data(), p.chw.size() * sizeof(float));
    }
    return batch.to(device, dtype);
}

torch::Tensor Engine::Impl::tokenIds(const std::vector<std::string>& texts) const {
    if (!tokenizer) throw Error("model '" + info.name + "' has no tokenizer (vocab.json + merges.txt): text queries are unavailable");
    auto batch = tokenizer->encodeBatch(texts, config.text.maxPositions, ClipTokenizer::Padding::Longest);
    for (int64_t id : batch.ids)
        if (id < 0 || id >= config.text.vocabSize)
            throw Error("token id " + std::to_string(id) + " is outside the model's vocabulary of " + std::to_string(config.text.vocabSize));
    return torch::tensor(batch.ids, torch::kLong).view({batch.rows, batch.length}).to(device);
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

std::unique_ptr<Engine> Engine::open(const std::string& folderOrRepo, const EngineOptions& options, const LoadProgress& progress) {
    const auto start = std::chrono::steady_clock::now();
    // "ORG/NAME[@REV]" that is not a folder: the snapshot in the Hugging Face cache (qlip/hub.h).
    const std::string folder = hub::resolveModelArgument(folderOrRepo);
    const std::string repoId = hub::repoIdOfSnapshot(hub::pathFromUtf8(folder));
    if (!isDirectory(folder)) throw Error("model folder '" + folder + "' does not exist or is not a folder");
    const std::string configPath = joinPath(folder, "config.json");
    if (!isRegularFile(configPath)) throw Error("model folder '" + folder + "' has no config.json");
    QlipConfig config = QlipConfig::fromFile(configPath);
    if (!repoId.empty()) config.name = repoId; // the official configs all say "EVA-BSQCLIP"
    if (config.name.empty()) config.name = baseName(folder);
    const std::string weightsPath = joinPath(folder, "model.safetensors");
    if (!isRegularFile(weightsPath))
        throw Error("model folder '" + folder + "' has no model.safetensors (only safetensors weights are read; pickled .bin files never are)");
    SafetensorsFile weights = SafetensorsFile::open(weightsPath);
    checkConfigMatchesWeights(config, weights.tensors(), weightsPath); // before anything is allocated

    // Stages as fractions of the whole: building the modules 0-10 %, copying weights 10-95 %.
    auto loadStep = [&](double f) { return !progress || progress(f); };
    if (!loadStep(0.0)) throw Cancelled();
    // Where the weights come from. Building the model in float32 and copying the file into it is
    // the leanest way when the engine computes in float32 and the file has to be converted anyway
    // (BF16 file, fp32 engine). Otherwise the model is built without storage, and each parameter
    // gets the engine's dtype straight away: a view of the memory-mapped file where the dtypes
    // match (fp32 engine with the released F32 files, bf16 engine with BF16 files), else one
    // converted copy (bf16 engine with F32 files: never a float32 copy of the whole model).
    const torch::ScalarType engineType = resolveDtype(options.precision, resolveDevice(options.device));
    const bool mapFile = options.mapWeights && engineType == torch::kFloat32 ? mostlyOfType(weights, DType::F32)
                         : options.mapWeights && engineType == torch::kBFloat16 ? mostlyOfType(weights, DType::BF16)
                                                                                   : false;
    const bool deferred = engineType != torch::kFloat32 || mapFile;
    LoadAllocations allocations(options.keepFreedMemory);
    auto d = makeImpl(config, options, deferred);
    if (!loadStep(0.1)) throw Cancelled();
    d->info.folder = folder;
    const std::string prePath = joinPath(folder, "preprocessor_config.json");
    if (isRegularFile(prePath))
        d->preprocess = PreprocessConfig::fromJson(Json::parse(readTextFile(prePath, "preprocessor config"), prePath), d->preprocess, prePath);
    const std::string vocab = joinPath(folder, "vocab.json"), merges = joinPath(folder, "merges.txt");
    if (isRegularFile(vocab) && isRegularFile(merges)) {
        d->tokenizer = ClipTokenizer::fromFiles(vocab, merges);
        for (auto [token, id] : {std::pair{"<|startoftext|>", d->tokenizer->bosId()}, std::pair{"<|endoftext|>", d->tokenizer->eosId()}})
            if (id < 0 || id >= config.text.vocabSize)
                throw Error("'" + vocab + "': " + token + " has id " + std::to_string(id) + ", outside the model's vocabulary of " +
                            std::to_string(config.text.vocabSize) + " (config.json text_config.vocab_size)");
    }
    else if (isRegularFile(vocab) || isRegularFile(merges))
        d->info.warnings.push_back("only one of vocab.json and merges.txt is present: text queries are unavailable");

    auto copyProgress = [&](double f) { return loadStep(0.1 + 0.85 * f); };
    model::LoadOptions load;
    load.replaceStorage = deferred;
    load.dtype = d->dtype;
    if (mapFile) load.mapping = model::MappedWeights::open(weightsPath);
    auto report = guarded("loading '" + weightsPath + "'", [&] {
        return model::loadWeights(*d->model, weights, progress ? std::function<bool(double)>(copyProgress) : nullptr, load);
    });
    d->info.mappedBytes = report.mappedBytes;
    if (const NonFiniteWeights bad = findNonFiniteWeights(weights); bad.tensors)
        d->info.warnings.push_back("'" + weightsPath + "' holds " + describe(bad) + ": outputs will be refused as NaN");
    for (auto& w : report.warnings) d->info.warnings.push_back(std::move(w));
    moveToDevice(*d);
    fillInfo(*d);
    if (!loadStep(1.0)) throw Cancelled();
    d->info.loadSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return std::unique_ptr<Engine>(new Engine(std::move(d)));
}

std::unique_ptr<Engine> Engine::random(const QlipConfig& config, const EngineOptions& options, uint64_t seed) {
    config.validate(config.name.empty() ? "model config" : config.name);
    if (options.keepFreedMemory) keepFreedMemoryForReuse();
    torch::manual_seed(seed);
    auto d = makeImpl(config, options);
    moveToDevice(*d);
    fillInfo(*d);
    return std::unique_ptr<Engine>(new Engine(std::move(d)));
}

const ModelInfo& Engine::info() const { return impl_->info; }
const QlipConfig& Engine::config() const { return impl_->config; }
const PreprocessConfig& Engine::preprocessConfig() const { return impl_->preprocess; }
bool Engine::hasTokenizer() const { return impl_->tokenizer.has_value(); }

const ClipTokenizer& Engine::tokenizer() const {
    if (!impl_->tokenizer) throw Error("model '" + impl_->info.name + "' has no tokenizer");
    return *impl_->tokenizer;
}

PixelTensor Engine::preprocess(const ImageRGB8& image) const { return qlip::preprocess(image, impl_->preprocess); }

std::vector<TokenGrid> Engine::encode(const std::vector<PixelTensor>& pixels) {
    auto& d = *impl_;
    torch::NoGradGuard noGrad;
    std::vector<TokenGrid> out;
    forChunks(pixels.size(), d.options.maxBatch, [&](size_t begin, size_t end) {
        auto batch = d.pixelBatch(pixels, begin, end);
        auto q = guarded("encoding", [&] {
            auto vision = d.model->encodeVision(batch);
            return d.model->quantize(vision.lastHidden.slice(1, 1));          // patch tokens only
        });
        requireFinite(q.latent, "encoding");
        auto indices = q.indices.to(torch::kCPU).contiguous();
        auto latents = q.latent.to(torch::kCPU, torch::kFloat32).contiguous();
        for (int64_t b = 0; b < indices.size(0); ++b) {
            TokenGrid g;
            g.rows = g.cols = d.config.grid();
            g.bits = d.config.bits();
            g.groupSize = d.config.vision.bsq.groupSize;
            const int64_t* ip = indices[b].data_ptr<int64_t>();
            g.indices.assign(ip, ip + g.count());
            const float* lp = latents[b].data_ptr<float>();
            g.latents.assign(lp, lp + size_t(g.count()) * g.bits);
            out.push_back(std::move(g));
        }
    });
    return out;
}

TokenGrid Engine::encodeImage(const ImageRGB8& image) { return encode({preprocess(image)}).front(); }

std::vector<PixelTensor> Engine::decode(const std::vector<TokenGrid>& tokens) {
    auto& d = *impl_;
    const int g = d.config.grid(), bits = d.config.bits(), s = d.config.decoder.imageSize;
    for (size_t i = 0; i < tokens.size(); ++i) {
        const auto& t = tokens[i];
        if (t.rows != g || t.cols != g || t.bits != bits)
            throw Error("token grid " + std::to_string(i) + " is " + std::to_string(t.rows) + "x" + std::to_string(t.cols) + " of " +
                        std::to_string(t.bits) + " bits; model '" + d.info.name + "' uses " + std::to_string(g) + "x" +
                        std::to_string(g) + " of " + std::to_string(bits) + " bits");
        t.validate("token grid " + std::to_string(i));
    }
    torch::NoGradGuard noGrad;
    std::vector<PixelTensor> out;
    forChunks(tokens.size(), d.options.maxBatch, [&](size_t begin, size_t end) {
        auto indices = torch::empty({int64_t(end - begin), int64_t(g) * g}, torch::kLong);
        for (size_t i = begin; i < end; ++i)
            std::memcpy(indices[int64_t(i - begin)].data_ptr<int64_t>(), tokens[i].indices.data(), tokens[i].indices.size() * 8);
        auto pixels = guarded("decoding", [&] {
            return requireFinite(d.model->decodeCodes(d.model->codesFromIndices(indices.to(d.device))), "decoding");
        }).to(torch::kCPU, torch::kFloat32).contiguous();
        for (int64_t b = 0; b < pixels.size(0); ++b) {
            PixelTensor p;
            p.height = p.width = s;
            p.chw = toVector(pixels[b]);
            out.push_back(std::move(p));
        }
    });
    return out;
}

ImageRGB8 Engine::decodeToImage(const TokenGrid& tokens) {
    auto p = decode({tokens}).front();
    return denormalize(p.chw.data(), p.height, p.width, impl_->preprocess);
}

std::vector<std::vector<float>> Engine::embedImages(const std::vector<PixelTensor>& pixels) {
    auto& d = *impl_;
    torch::NoGradGuard noGrad;
    std::vector<std::vector<float>> out;
    forChunks(pixels.size(), d.options.maxBatch, [&](size_t begin, size_t end) {
        auto batch = d.pixelBatch(pixels, begin, end);
        appendUnitRows(guarded("embedding images", [&] { return d.model->imageFeatures(d.model->encodeVision(batch).pooled); }),
                       out, "embedding images");
    });
    return out;
}

std::vector<std::vector<float>> Engine::embedTexts(const std::vector<std::string>& texts) {
    auto& d = *impl_;
    if (texts.empty()) throw Error("no text to embed: the label list is empty");
    torch::NoGradGuard noGrad;
    std::vector<std::vector<float>> out;
    forChunks(texts.size(), std::max(d.options.maxBatch, 64), [&](size_t begin, size_t end) {
        std::vector<std::string> part(texts.begin() + long(begin), texts.begin() + long(end));
        auto ids = d.tokenIds(part);
        appendUnitRows(guarded("embedding texts", [&] { return d.model->textFeatures(d.model->encodeText(ids).pooled); }), out,
                       "embedding texts");
    });
    return out;
}

ZeroShotResult Engine::zeroShot(const std::vector<float>& image, const std::vector<std::vector<float>>& texts,
                                ZeroShotScale scale) const {
    if (texts.empty()) throw Error("zero-shot needs at least one label");
    ZeroShotResult r;
    r.scale = scale == ZeroShotScale::Fixed100 ? 100.0 : std::exp(double(impl_->info.logitScale));
    double maxLogit = -1e300;
    for (const auto& t : texts) {
        if (t.size() != image.size()) throw Error("zero-shot: text and image embeddings differ in size");
        double dot = 0;
        for (size_t i = 0; i < t.size(); ++i) dot += double(t[i]) * image[i];
        r.cosine.push_back(float(dot));
        maxLogit = std::max(maxLogit, r.scale * dot);
    }
    double sum = 0;
    std::vector<double> e(texts.size());
    for (size_t i = 0; i < e.size(); ++i) sum += e[i] = std::exp(r.scale * r.cosine[i] - maxLogit);
    for (double v : e) r.probabilities.push_back(float(v / sum));
    return r;
}

} // namespace qlip

namespace qlip {

void Engine::saveModelFolder(const std::string& folder, const std::string& weightDtype) {
    auto& d = *impl_;
    std::map<std::string, std::pair<torch::ScalarType, DType>> kinds = {
        {"F32", {torch::kFloat32, DType::F32}}, {"F16", {torch::kFloat16, DType::F16}}, {"BF16", {torch::kBFloat16, DType::BF16}}};
    auto kind = kinds.find(weightDtype);
    if (kind == kinds.end()) throw Error("cannot save weights as '" + weightDtype + "' (use F32, F16 or BF16)");
    std::filesystem::create_directories(folder);
    std::string config = d.config.toJson().dump() + "\n";
    writeFileAtomic(joinPath(folder, "config.json"), config.data(), config.size());
    SafetensorsWriter writer;
    writer.setMetadata("format", "pt");
    std::vector<torch::Tensor> keepAlive;
    for (const auto& p : d.model->named_parameters()) {
        auto t = p.value().detach().to(torch::kCPU, kind->second.first).contiguous();
        keepAlive.push_back(t);
        writer.addBorrowed(p.key(), kind->second.second, t.sizes().vec(), t.data_ptr(), size_t(t.numel()) * t.element_size());
    }
    writer.save(joinPath(folder, "model.safetensors"));
}

} // namespace qlip
