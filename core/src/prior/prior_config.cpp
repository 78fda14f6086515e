// PriorConfig <-> config.json of a prior folder. Unknown keys are ignored; missing required keys
// and impossible sizes are errors that name the file.
#include "qlip/engine.h"
#include "qlip/error.h"
#include "qlip/json.h"
#include "qlip/prior.h"

#include <limits>

namespace qlip {

Json PriorConfig::toJson() const {
    Json::Object o;
    o["model_type"] = Json("qlipx_prior");
    o["_name_or_path"] = Json(name);
    o["qlip_model"] = Json(qlipModel);
    o["grid_rows"] = Json(gridRows);
    o["grid_cols"] = Json(gridCols);
    o["bits"] = Json(bits);
    o["groups"] = Json(groups);
    o["hidden_size"] = Json(width);
    o["num_hidden_layers"] = Json(layers);
    o["num_attention_heads"] = Json(heads);
    o["intermediate_size"] = Json(mlp);
    o["head_intermediate_size"] = Json(headMlp);
    o["cond_length"] = Json(condLength);
    o["cond_hidden_size"] = Json(condWidth);
    o["rope_theta"] = Json(ropeTheta);
    o["rms_norm_eps"] = Json(normEps);
    return Json(std::move(o));
}

PriorConfig PriorConfig::fromJson(const Json& j, const std::string& where) {
    if (!j.isObject()) throw Error(where + ": a prior config must be a JSON object");
    const Json* type = j.find("model_type");
    if (!type || !type->isString() || type->asString() != "qlipx_prior")
        throw Error(where + ": not a QLIP Explorer prior (model_type must be \"qlipx_prior\"; is this a QLIP tokenizer folder?)");
    PriorConfig c;
    auto integer = [&](const char* key, int& out, bool required) {
        const Json* v = j.find(key);
        if (!v) {
            if (required) throw Error(where + ": required key '" + key + "' is missing");
            return;
        }
        const int64_t i = v->asInt(where + " '" + key + "'");
        if (i < 0 || i > (int64_t(1) << 20)) // no truncation to int: 2^32+8 must not read as 8
            throw Error(where + " '" + key + "': " + std::to_string(i) + " is out of range (0..1048576)");
        out = int(i);
    };
    auto number = [&](const char* key, double& out) {
        if (const Json* v = j.find(key)) out = v->asNumber(where + " '" + key + "'");
    };
    if (const Json* v = j.find("_name_or_path")) c.name = v->asString(where + " '_name_or_path'");
    if (const Json* v = j.find("qlip_model")) c.qlipModel = v->asString(where + " 'qlip_model'");
    integer("grid_rows", c.gridRows, true);
    integer("grid_cols", c.gridCols, true);
    integer("bits", c.bits, true);
    integer("groups", c.groups, true);
    integer("hidden_size", c.width, true);
    integer("num_hidden_layers", c.layers, true);
    integer("num_attention_heads", c.heads, true);
    integer("intermediate_size", c.mlp, true);
    integer("head_intermediate_size", c.headMlp, true);
    integer("cond_length", c.condLength, true);
    integer("cond_hidden_size", c.condWidth, true);
    number("rope_theta", c.ropeTheta);
    number("rms_norm_eps", c.normEps);
    c.validate(where);
    return c;
}

void PriorConfig::validate(const std::string& where) const {
    auto fail = [&](const std::string& why) { throw Error(where + ": " + why); };
    if (gridRows <= 0 || gridCols <= 0 || gridRows > 4096 || gridCols > 4096 || gridRows * gridCols > 4096)
        fail("the token grid must be 1..4096 tokens");
    if (bits <= 0 || bits > 62) fail("bits must be 1..62");
    if (groups <= 0 || bits % groups != 0) fail("groups (" + std::to_string(groups) + ") must divide bits (" + std::to_string(bits) + ")");
    if (groupBits() > 16) fail("each group would have " + std::to_string(groupBits()) + " bits; at most 16 (65,536-way softmax) are supported");
    if (width <= 0 || heads <= 0 || width % heads != 0) fail("hidden_size must be a multiple of num_attention_heads");
    if ((width / heads) % 4 != 0) fail("the head size must be a multiple of 4 (2-D RoPE rotates pairs on two axes)");
    if (layers <= 0 || mlp <= 0 || headMlp <= 0) fail("layers and MLP sizes must be positive");
    if (condLength <= 0 || condWidth <= 0) fail("cond_length and cond_hidden_size must be positive");
    // Finite bounds, generous above the shipped prior, so a hostile config cannot allocate gigabytes.
    if (width > 16384 || heads > 256 || layers > 256 || mlp > 65536 || headMlp > 65536 || condLength > 4096 || condWidth > 16384)
        fail("sizes beyond the supported bounds (hidden_size 16384, heads 256, layers 256, MLP 65536, cond_length 4096, "
             "cond_hidden_size 16384)");
    if (!(ropeTheta > 1) || !(normEps > 0)) fail("rope_theta must be > 1 and rms_norm_eps > 0");
}

PriorConfig PriorConfig::forModel(const Engine& qlip) {
    PriorConfig c;
    c.qlipModel = qlip.info().name;
    c.gridRows = qlip.info().gridRows;
    c.gridCols = qlip.info().gridCols;
    c.bits = qlip.info().bits;
    c.condLength = qlip.config().text.maxPositions;
    c.condWidth = qlip.config().text.hiddenSize;
    return c;
}

PriorConfig PriorConfig::gptB(int gridRows, int gridCols, int bits, int groups, int condLength, int condWidth) {
    PriorConfig c;
    c.name = "gpt-b-random";
    c.gridRows = gridRows;
    c.gridCols = gridCols;
    c.bits = bits;
    c.groups = groups;
    c.width = 768;
    c.layers = 12;
    c.heads = 12;
    c.mlp = 2048; // LlamaGen: 4·768·2/3 rounded up to a multiple of 256
    c.headMlp = 1536;
    c.condLength = condLength;
    c.condWidth = condWidth;
    return c;
}

std::string generationJson(const GenerateRequest& r, int sample, const std::string& qlipModel, const std::string& priorName) {
    const auto& p = r.sampling;
    Json::Object o;
    o["prompt"] = Json(r.prompt);
    o["negative_prompt"] = Json(r.negativePrompt);
    o["seed"] = Json(std::to_string(p.seed)); // a string: 64-bit seeds do not fit a JSON number exactly
    o["sample"] = Json(sample);
    o["samples"] = Json(r.samples);
    o["cfg"] = Json(double(p.cfgScale));
    o["cfg_first"] = Json(p.cfgFirst);
    o["cfg_last"] = Json(p.cfgLast == std::numeric_limits<int>::max() ? -1 : p.cfgLast);
    o["temperature"] = Json(double(p.temperature));
    o["top_k"] = Json(p.topK);
    o["top_p"] = Json(double(p.topP));
    o["masked"] = Json(!r.keep.indices.empty());
    o["qlip_model"] = Json(qlipModel);
    o["prior"] = Json(priorName);
    return Json(std::move(o)).dump();
}

std::vector<std::pair<std::string, std::string>> generationMetadata(const GenerateRequest& r, int sample, const std::string& qlipModel,
                                                                    const std::string& priorName) {
    return {{"Title", r.prompt.empty() ? "(unconditional)" : r.prompt},
            {"Software", "QLIP Explorer"},
            {"qlipx-generation", generationJson(r, sample, qlipModel, priorName)}};
}

} // namespace qlip
