// Loading, saving and sampling of the AR prior. Sampling runs the cond and uncond branches as one
// batch ([cond samples; uncond samples]) so a position costs one forward step; the group logits
// are then mixed, filtered and drawn on the CPU per sample (qlip/sampling.h).
#include "prior/prior_impl.h"

#include "engine_impl.h"
#include "fileio.h"
#include "model/weights.h"
#include "qlip/json.h"
#include "qlip/safetensors.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>

namespace qlip {

using prior::KvCache;

torch::Tensor Prior::Impl::textHidden(Engine& qlip, const std::vector<std::string>& texts,
                                      std::vector<std::string>* notices) const {
    auto& d = qlip.impl();
    if (!d.tokenizer) throw Error("model '" + d.info.name + "' has no tokenizer: prompts cannot be read");
    auto batch = d.tokenizer->encodeBatch(texts, config.condLength, ClipTokenizer::Padding::MaxLength);
    for (size_t i = 0; i < texts.size(); ++i)
        if (batch.truncated[i] && notices)
            notices->push_back("the prompt \"" + texts[i].substr(0, 40) + (texts[i].size() > 40 ? "…" : "") +
                               "\" was cut to the model's " + std::to_string(config.condLength) + "-token context");
    auto ids = torch::tensor(batch.ids, torch::kLong).view({batch.rows, batch.length}).to(d.device);
    torch::NoGradGuard noGrad;
    auto hidden = guarded("reading the prompt", [&] { return d.model->text_model(ids).lastHidden; }); // [T, L, Dt]
    return hidden.to(device, dtype);
}

torch::Tensor Prior::Impl::conditions(Engine& qlip, const std::vector<std::string>& texts,
                                      std::vector<std::string>* notices) const {
    // Empty text = the learned null condition (what caption dropout trained).
    std::vector<std::string> nonEmpty;
    for (const auto& t : texts)
        if (!t.empty()) nonEmpty.push_back(t);
    torch::Tensor hidden = nonEmpty.empty() ? torch::Tensor() : textHidden(qlip, nonEmpty, notices);
    std::vector<torch::Tensor> rows;
    size_t next = 0;
    for (const auto& t : texts) rows.push_back(t.empty() ? model->null_condition.detach() : hidden[int64_t(next++)]);
    return torch::stack(rows); // [T, L, Dt]
}

namespace {

std::unique_ptr<Prior::Impl> makeImpl(const PriorConfig& c, const Engine& qlip, const PriorOptions& o) {
    auto d = std::make_unique<Prior::Impl>();
    d->config = c;
    d->device = qlip.impl().device;
    if (o.precision == "fp32" || o.precision == "f32") d->dtype = torch::kFloat32;
    else if (o.precision == "bf16") d->dtype = torch::kBFloat16;
    else throw Error("prior precision '" + o.precision + "' is not supported (use fp32 or bf16)");
    d->model = prior::PriorTransformer(c);
    return d;
}

void place(Prior::Impl& d) {
    d.model->to(d.device, d.dtype);
    d.model->placeRope(torch::TensorOptions().device(d.device).dtype(d.dtype));
    d.model->eval();
}

// Copies every tensor of `file` into `module`, after checking names, shapes and dtypes; reports
// every problem at once.
void loadPriorWeights(torch::nn::Module& module, const SafetensorsFile& file) {
    std::map<std::string, torch::Tensor> expected;
    for (const auto& p : module.named_parameters()) expected[p.key()] = p.value();
    std::vector<std::string> problems;
    std::vector<std::pair<torch::Tensor, const TensorInfo*>> copies;
    for (const auto& info : file.tensors()) {
        auto it = expected.find(info.name);
        if (it == expected.end()) {
            problems.push_back("unexpected tensor " + info.name + " " + info.shapeString());
            continue;
        }
        std::string shape = "[";
        for (int64_t i = 0; i < it->second.dim(); ++i) shape += (i ? ", " : "") + std::to_string(it->second.size(i));
        shape += "]";
        if (info.shape != it->second.sizes().vec()) problems.push_back(info.name + ": file " + info.shapeString() + ", prior expects " + shape);
        else if (info.dtype == DType::I64) problems.push_back(info.name + ": I64, expected a floating-point dtype");
        else copies.emplace_back(it->second, &info);
        expected.erase(it);
    }
    for (const auto& [name, param] : expected) problems.push_back("missing tensor " + name);
    if (!problems.empty()) {
        std::string msg = "'" + file.path() + "' does not match the prior described by config.json (" + std::to_string(problems.size()) +
                          " problem" + (problems.size() > 1 ? "s" : "") + "):";
        for (size_t i = 0; i < problems.size() && i < 40; ++i) msg += "\n    " + problems[i];
        if (problems.size() > 40) msg += "\n    ... and " + std::to_string(problems.size() - 40) + " more";
        throw Error(msg);
    }
    torch::NoGradGuard noGrad;
    for (auto& [param, info] : copies) param.copy_(model::tensorFromFile(file, *info).to(param.scalar_type()));
}

void initialiseRandom(prior::PriorTransformerImpl& m, uint64_t seed) {
    torch::manual_seed(seed);
    torch::NoGradGuard g;
    for (auto& p : m.named_parameters()) {
        const std::string& k = p.key();
        const bool norm = k.find("norm.weight") != std::string::npos;
        if (norm) p.value().fill_(1);
        else if (k == "null_condition") p.value().normal_(0, 1);
        else p.value().normal_(0, 0.02);
    }
}

} // namespace

Prior::Prior(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Prior::~Prior() = default;

std::unique_ptr<Prior> Prior::open(const std::string& folder, const Engine& qlip, const PriorOptions& options) {
    const std::string configPath = folder + "/config.json", weightsPath = folder + "/model.safetensors";
    if (!isDirectory(folder)) throw Error("prior folder '" + folder + "' does not exist");
    auto config = PriorConfig::fromJson(Json::parse(readTextFile(configPath, "prior config"), configPath), configPath);
    auto d = makeImpl(config, qlip, options);
    d->folder = folder;
    auto prior = std::unique_ptr<Prior>(new Prior(std::move(d)));
    prior->checkCompatible(qlip);
    loadPriorWeights(*prior->impl_->model, SafetensorsFile::open(weightsPath));
    place(*prior->impl_);
    return prior;
}

std::unique_ptr<Prior> Prior::random(const PriorConfig& config, const Engine& qlip, const PriorOptions& options, uint64_t seed) {
    config.validate("prior config");
    auto d = makeImpl(config, qlip, options);
    initialiseRandom(*d->model, seed);
    auto prior = std::unique_ptr<Prior>(new Prior(std::move(d)));
    prior->checkCompatible(qlip);
    place(*prior->impl_);
    return prior;
}

const PriorConfig& Prior::config() const { return impl_->config; }
std::string Prior::folder() const { return impl_->folder; }

int64_t Prior::parameters() const {
    int64_t n = 0;
    for (const auto& p : impl_->model->parameters()) n += p.numel();
    return n;
}

void Prior::checkCompatible(const Engine& qlip) const {
    const auto& c = impl_->config;
    const auto& info = qlip.info();
    const auto& q = qlip.config();
    std::vector<std::string> why;
    if (c.gridRows != info.gridRows || c.gridCols != info.gridCols)
        why.push_back("grid " + std::to_string(c.gridRows) + "x" + std::to_string(c.gridCols) + " vs the model's " +
                      std::to_string(info.gridRows) + "x" + std::to_string(info.gridCols));
    if (c.bits != info.bits) why.push_back(std::to_string(c.bits) + " bits vs the model's " + std::to_string(info.bits));
    if (c.condWidth != q.text.hiddenSize) why.push_back("text width " + std::to_string(c.condWidth) + " vs " + std::to_string(q.text.hiddenSize));
    if (c.condLength != q.text.maxPositions)
        why.push_back("text context " + std::to_string(c.condLength) + " vs " + std::to_string(q.text.maxPositions));
    if (!c.qlipModel.empty() && c.qlipModel != info.name)
        why.push_back("it was trained on the tokens of '" + c.qlipModel + "', not '" + info.name + "'");
    if (why.empty()) return;
    std::string msg = "the prior '" + c.name + "' does not belong to the QLIP model '" + info.name + "':";
    for (const auto& w : why) msg += "\n    " + w;
    throw Error(msg);
}

void Prior::save(const std::string& folder, const std::string& weightDtype) const {
    std::map<std::string, std::pair<torch::ScalarType, DType>> kinds = {
        {"F32", {torch::kFloat32, DType::F32}}, {"F16", {torch::kFloat16, DType::F16}}, {"BF16", {torch::kBFloat16, DType::BF16}}};
    auto kind = kinds.find(weightDtype);
    if (kind == kinds.end()) throw Error("cannot save prior weights as '" + weightDtype + "' (use F32, F16 or BF16)");
    std::filesystem::create_directories(folder);
    const std::string config = impl_->config.toJson().dump() + "\n";
    writeFileAtomic(folder + "/config.json", config.data(), config.size());
    SafetensorsWriter writer;
    writer.setMetadata("format", "pt");
    std::vector<torch::Tensor> keepAlive;
    for (const auto& p : impl_->model->named_parameters()) {
        auto t = p.value().detach().to(torch::kCPU, kind->second.first).contiguous();
        keepAlive.push_back(t);
        writer.addBorrowed(p.key(), kind->second.second, t.sizes().vec(), t.data_ptr(), size_t(t.numel()) * t.element_size());
    }
    writer.save(folder + "/model.safetensors");
}

} // namespace qlip
