#include "qlip/config.h"

#include "fileio.h"
#include "qlip/error.h"
#include "qlip/json.h"

#include <limits>

namespace qlip {
namespace {

// Reads optional keys of one JSON object into typed fields, naming "<file>: <section>.<key>"
// in errors.
class Reader {
public:
    Reader(const Json* obj, std::string prefix) : obj_(obj), prefix_(std::move(prefix)) {}

    void get(const char* key, int& out) const {
        if (const Json* v = find(key)) {
            // Exact integers only, and no silent truncation: 2^32+192 must not load as 192.
            int64_t i = v->asInt(name(key));
            if (i < std::numeric_limits<int>::min() || i > std::numeric_limits<int>::max())
                throw Error(name(key) + ": " + std::to_string(i) + " is out of range");
            out = int(i);
        }
    }
    void get(const char* key, double& out) const {
        if (const Json* v = find(key)) out = v->asNumber(name(key));
    }
    void get(const char* key, bool& out) const {
        if (const Json* v = find(key)) out = v->asBool(name(key));
    }
    void get(const char* key, std::string& out) const {
        if (const Json* v = find(key)) out = v->asString(name(key));
    }
    const Json* find(const char* key) const {
        const Json* v = obj_ ? obj_->find(key) : nullptr;
        return v && !v->isNull() ? v : nullptr;
    }
    std::string name(const char* key) const { return prefix_ + key; }

private:
    const Json* obj_;
    std::string prefix_;
};

void readTower(const Reader& r, TowerConfig& t) {
    r.get("hidden_size", t.hiddenSize);
    r.get("intermediate_size", t.intermediateSize);
    r.get("num_hidden_layers", t.numLayers);
    r.get("num_attention_heads", t.numHeads);
    r.get("layer_norm_eps", t.layerNormEps);
    r.get("q_bias", t.qBias);
    r.get("k_bias", t.kBias);
    r.get("v_bias", t.vBias);
    r.get("subln", t.subln);
    r.get("swiglu", t.swiglu);
    r.get("rope", t.rope);
    r.get("hidden_act", t.hiddenAct);
}

void readImageTower(const Reader& r, ImageTowerConfig& t) {
    readTower(r, t);
    r.get("image_size", t.imageSize);
    r.get("patch_size", t.patchSize);
    r.get("num_channels", t.numChannels);
}

const Json* section(const Json& doc, const char* key, const std::string& what) {
    const Json* s = doc.find(key);
    if (s && !s->isNull() && !s->isObject()) throw Error(what + ": " + key + " must be an object");
    return s && s->isObject() ? s : nullptr;
}

// Upper bounds, generous above the largest released model (QLIP-L-14-392: 24 layers, width 1024,
// MLP 2730, 16 heads, 392 px in patches of 14) but finite, so that a hostile config.json is refused
// before anything is allocated (a model is built from these numbers before its weights are read).
constexpr int kMaxLayers = 256;
constexpr int kMaxHidden = 16384;
constexpr int kMaxIntermediate = 65536;
constexpr int kMaxHeads = 256;
constexpr int kMaxImageSize = 4096;
constexpr int kMaxGrid = 256;          // patches per side: 65,536 tokens per image
constexpr int kMaxVocab = 1 << 20;
constexpr int kMaxPositions = 4096;

void checkRange(int v, int lo, int hi, const std::string& what, const char* key) {
    if (v < lo || v > hi)
        throw Error(what + "." + key + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " +
                    std::to_string(v));
}

void checkTower(const TowerConfig& t, const std::string& what, bool needsAct) {
    checkRange(t.hiddenSize, 1, kMaxHidden, what, "hidden_size");
    checkRange(t.intermediateSize, 1, kMaxIntermediate, what, "intermediate_size");
    checkRange(t.numHeads, 1, kMaxHeads, what, "num_attention_heads");
    checkRange(t.numLayers, 0, kMaxLayers, what, "num_hidden_layers");
    if (t.hiddenSize % t.numHeads)
        throw Error(what + ": hidden_size " + std::to_string(t.hiddenSize) + " is not divisible by num_attention_heads " +
                    std::to_string(t.numHeads));
    if (t.rope && t.headDim() % 4)
        throw Error(what + ": 2-D RoPE needs a head dimension divisible by 4, got " + std::to_string(t.headDim()));
    if (t.layerNormEps <= 0) throw Error(what + ".layer_norm_eps must be positive");
    if (needsAct && !t.swiglu && t.hiddenAct != "gelu")
        throw Error(what + ".hidden_act '" + t.hiddenAct + "' is not supported (only \"gelu\")");
}

void checkImageTower(const ImageTowerConfig& t, const std::string& what) {
    checkTower(t, what, true);
    checkRange(t.imageSize, 1, kMaxImageSize, what, "image_size");
    checkRange(t.patchSize, 1, kMaxImageSize, what, "patch_size");
    if (t.imageSize % t.patchSize)
        throw Error(what + ": image_size " + std::to_string(t.imageSize) + " is not a multiple of patch_size " +
                    std::to_string(t.patchSize));
    if (t.numChannels != 3) throw Error(what + ".num_channels must be 3");
    if (t.grid() > kMaxGrid)
        throw Error(what + ": a grid of " + std::to_string(t.grid()) + "x" + std::to_string(t.grid()) + " patches is larger than " +
                    std::to_string(kMaxGrid) + "x" + std::to_string(kMaxGrid));
}

} // namespace

QlipConfig QlipConfig::fromJson(const Json& doc, const std::string& what) {
    if (!doc.isObject()) throw Error(what + ": expected a JSON object at the top level");
    QlipConfig c;
    Reader top(&doc, what + ": ");
    top.get("_name_or_path", c.name);
    top.get("projection_dim", c.projectionDim);
    // The reference config class has no default for these two; released files always carry them.
    for (const char* key : {"vision_projection_bias", "text_projection_bias"})
        if (!top.find(key)) throw Error(what + ": required key '" + key + "' is missing");
    top.get("vision_projection_bias", c.visionProjectionBias);
    top.get("text_projection_bias", c.textProjectionBias);

    Reader vision(section(doc, "vision_config", what), what + ": vision_config.");
    readImageTower(vision, c.vision);
    vision.get("quantizer", c.vision.quantizer);
    vision.get("quantizer_embed_type", c.vision.quantizerEmbedType);
    vision.get("quantizer_l2_norm", c.vision.quantizerL2Norm);
    vision.get("hidden_size_post_q", c.vision.hiddenSizePostQ);
    if (const Json* q = vision.find("quantizer_cfg")) {
        if (!q->isObject()) throw Error(what + ": vision_config.quantizer_cfg must be an object");
        Reader bsq(q, what + ": vision_config.quantizer_cfg.");
        bsq.get("embed_dim", c.vision.bsq.embedDim);
        bsq.get("group_size", c.vision.bsq.groupSize);
        bsq.get("l2_norm", c.vision.bsq.l2Norm);
    }

    Reader decoder(section(doc, "decoder_config", what), what + ": decoder_config.");
    readImageTower(decoder, c.decoder);

    Reader text(section(doc, "text_config", what), what + ": text_config.");
    readTower(text, c.text);
    text.get("vocab_size", c.text.vocabSize);
    text.get("max_position_embeddings", c.text.maxPositions);
    text.get("bos_token_id", c.text.bosTokenId);
    text.get("eos_token_id", c.text.eosTokenId);
    text.get("pad_token_id", c.text.padTokenId);
    // The text tower never gets RoPE, SwiGLU-free by default; a `rope` key there is ignored
    // by the reference, so it is ignored here too.
    c.text.rope = false;

    c.validate(what);
    return c;
}

void QlipConfig::validate(const std::string& what) const {
    if (vision.quantizer != "bsq")
        throw Error(what + ": vision_config.quantizer is \"" + vision.quantizer +
                    "\"; only \"bsq\" (binary spherical quantization) is supported");
    checkImageTower(vision, what + ": vision_config");
    checkImageTower(decoder, what + ": decoder_config");
    checkTower(text, what + ": text_config", true);
    const auto& b = vision.bsq;
    if (b.embedDim <= 0 || b.embedDim > 62)
        throw Error(what + ": quantizer_cfg.embed_dim must be in 1..62 (bits per token), got " + std::to_string(b.embedDim));
    if (b.groupSize <= 0 || b.embedDim % b.groupSize)
        throw Error(what + ": quantizer_cfg.group_size " + std::to_string(b.groupSize) + " does not divide embed_dim " +
                    std::to_string(b.embedDim));
    if (vision.quantizerEmbedType != "mlp" && b.embedDim != vision.hiddenSize)
        throw Error(what + ": quantizer_embed_type \"" + vision.quantizerEmbedType +
                    "\" (identity) needs embed_dim == hidden_size");
    if (vision.postQuantWidth() != decoder.hiddenSize)
        throw Error(what + ": hidden_size_post_q " + std::to_string(vision.postQuantWidth()) +
                    " must equal decoder_config.hidden_size " + std::to_string(decoder.hiddenSize));
    if (decoder.numPatches() != vision.numPatches())
        throw Error(what + ": the decoder grid " + std::to_string(decoder.grid()) + "x" + std::to_string(decoder.grid()) +
                    " differs from the encoder grid " + std::to_string(vision.grid()) + "x" + std::to_string(vision.grid()));
    checkRange(text.vocabSize, 1, kMaxVocab, what + ": text_config", "vocab_size");
    checkRange(text.maxPositions, 2, kMaxPositions, what + ": text_config", "max_position_embeddings");
    // Token ids the tokenizer and the model rely on must exist in the embedding table.
    checkRange(text.bosTokenId, 0, text.vocabSize - 1, what + ": text_config", "bos_token_id");
    checkRange(text.eosTokenId, 0, text.vocabSize - 1, what + ": text_config", "eos_token_id");
    checkRange(projectionDim, 1, kMaxHidden, what, "projection_dim");
    if (vision.hiddenSizePostQ > kMaxHidden)
        throw Error(what + ": vision_config.hidden_size_post_q must be at most " + std::to_string(kMaxHidden));
}

QlipConfig QlipConfig::fromFile(const std::string& path) {
    std::string text = readTextFile(path, "model config");
    return fromJson(Json::parse(text, path), path);
}

QlipConfig QlipConfig::preset(const std::string& name) {
    QlipConfig c;
    c.name = name;
    auto imageTower = [](ImageTowerConfig& t, int width, int layers, int heads, int mlp, int size, int patch) {
        t.hiddenSize = width;
        t.numLayers = layers;
        t.numHeads = heads;
        t.intermediateSize = mlp;
        t.imageSize = size;
        t.patchSize = patch;
        t.layerNormEps = 1e-6;
        t.kBias = false;
        t.subln = t.swiglu = t.rope = true;
    };
    int width, layers, heads, mlp, size, patch, textWidth, textHeads, textMlp;
    if (name == "QLIP-B-16-256") { width = 768; layers = 12; heads = 12; mlp = 2048; size = 256; patch = 16; textWidth = 512; textHeads = 8; textMlp = 2048; c.projectionDim = 512; }
    else if (name == "QLIP-B-8-256") { width = 768; layers = 12; heads = 12; mlp = 2048; size = 256; patch = 8; textWidth = 512; textHeads = 8; textMlp = 2048; c.projectionDim = 512; }
    else if (name == "QLIP-L-14-392") { width = 1024; layers = 24; heads = 16; mlp = 2730; size = 392; patch = 14; textWidth = 768; textHeads = 12; textMlp = 3072; c.projectionDim = 768; }
    else throw Error("unknown model preset '" + name + "' (known: QLIP-B-16-256, QLIP-B-8-256, QLIP-L-14-392)");
    imageTower(c.vision, width, layers, heads, mlp, size, patch);
    imageTower(c.decoder, width, layers, heads, mlp, size, patch);
    c.vision.quantizer = "bsq";
    c.vision.quantizerEmbedType = "mlp";
    c.vision.quantizerL2Norm = true;
    c.vision.bsq = BsqConfig{28, 1, true};
    c.text.hiddenSize = textWidth;
    c.text.numHeads = textHeads;
    c.text.intermediateSize = textMlp;
    c.text.numLayers = 12;
    c.text.bosTokenId = 0;
    c.text.eosTokenId = 2;
    c.visionProjectionBias = true;
    c.textProjectionBias = false;
    c.validate(name);
    return c;
}

namespace {

Json::Object towerJson(const TowerConfig& t) {
    Json::Object o;
    o["hidden_size"] = Json(t.hiddenSize);
    o["intermediate_size"] = Json(t.intermediateSize);
    o["num_hidden_layers"] = Json(t.numLayers);
    o["num_attention_heads"] = Json(t.numHeads);
    o["layer_norm_eps"] = Json(t.layerNormEps);
    o["q_bias"] = Json(t.qBias);
    o["k_bias"] = Json(t.kBias);
    o["v_bias"] = Json(t.vBias);
    o["subln"] = Json(t.subln);
    o["swiglu"] = Json(t.swiglu);
    o["rope"] = Json(t.rope);
    o["hidden_act"] = Json(t.hiddenAct);
    return o;
}

Json::Object imageTowerJson(const ImageTowerConfig& t) {
    Json::Object o = towerJson(t);
    o["image_size"] = Json(t.imageSize);
    o["patch_size"] = Json(t.patchSize);
    o["num_channels"] = Json(t.numChannels);
    return o;
}

} // namespace

Json QlipConfig::toJson() const {
    Json::Object visionJson = imageTowerJson(vision);
    visionJson["model_type"] = Json("clip_vision_model");
    visionJson["quantizer"] = Json(vision.quantizer);
    visionJson["quantizer_embed_type"] = Json(vision.quantizerEmbedType);
    visionJson["quantizer_l2_norm"] = Json(vision.quantizerL2Norm);
    visionJson["hidden_size_post_q"] = Json(vision.postQuantWidth());
    visionJson["quantizer_cfg"] = Json(Json::Object{{"embed_dim", Json(vision.bsq.embedDim)},
                                                {"group_size", Json(vision.bsq.groupSize)},
                                                {"l2_norm", Json(vision.bsq.l2Norm)},
                                                {"input_format", Json("blc")}});
    Json::Object decoderJson = imageTowerJson(decoder);
    decoderJson["model_type"] = Json("clip_decoder_model");
    Json::Object textJson = towerJson(text);
    textJson["model_type"] = Json("clip_text_model");
    textJson["vocab_size"] = Json(text.vocabSize);
    textJson["max_position_embeddings"] = Json(text.maxPositions);
    textJson["bos_token_id"] = Json(text.bosTokenId);
    textJson["eos_token_id"] = Json(text.eosTokenId);
    textJson["pad_token_id"] = Json(text.padTokenId);
    Json::Object top;
    top["_name_or_path"] = Json(name);
    top["architectures"] = Json(Json::Array{Json("QLIPModel")});
    top["model_type"] = Json("clip");
    top["projection_dim"] = Json(projectionDim);
    top["vision_projection_bias"] = Json(visionProjectionBias);
    top["text_projection_bias"] = Json(textProjectionBias);
    top["vision_config"] = Json(std::move(visionJson));
    top["decoder_config"] = Json(std::move(decoderJson));
    top["text_config"] = Json(std::move(textJson));
    return Json(std::move(top));
}

} // namespace qlip
