#pragma once
// The QLIP model configuration (HF `config.json` layout: top level + vision_config /
// decoder_config / text_config). Absent keys take the defaults of the reference config classes
// (spec §1.4); unknown keys are ignored; values of the wrong type are errors naming the key.
#include <string>

namespace qlip {

class Json;

// Shared by the three transformer towers.
struct TowerConfig {
    int hiddenSize = 768;
    int intermediateSize = 3072;
    int numLayers = 12;
    int numHeads = 12;
    double layerNormEps = 1e-5;
    bool qBias = true;
    bool kBias = true;
    bool vBias = true;
    bool subln = false;
    bool swiglu = false;
    bool rope = false;
    std::string hiddenAct = "gelu";

    int headDim() const { return hiddenSize / numHeads; }
};

struct ImageTowerConfig : TowerConfig {
    int imageSize = 224;
    int patchSize = 32;
    int numChannels = 3;

    int grid() const { return imageSize / patchSize; }
    int numPatches() const { return grid() * grid(); }
};

struct BsqConfig {
    int embedDim = 18;   // bits per token
    int groupSize = 9;
    bool l2Norm = true;  // scale codes by 1/sqrt(embedDim)
};

struct VisionConfig : ImageTowerConfig {
    std::string quantizer = "none";
    std::string quantizerEmbedType = "identity";
    bool quantizerL2Norm = false;
    int hiddenSizePostQ = -1; // -1: same as hiddenSize
    BsqConfig bsq;

    int postQuantWidth() const { return hiddenSizePostQ > 0 ? hiddenSizePostQ : hiddenSize; }
};

struct TextConfig : TowerConfig {
    int vocabSize = 49408;
    int maxPositions = 77;
    int bosTokenId = 49406;
    int eosTokenId = 49407;
    int padTokenId = 1;

    TextConfig() { hiddenSize = 512; intermediateSize = 2048; numHeads = 8; }
};

struct QlipConfig {
    std::string name;       // `_name_or_path`, or the folder name
    VisionConfig vision;
    ImageTowerConfig decoder;
    TextConfig text;
    int projectionDim = 512;
    bool visionProjectionBias = true;
    bool textProjectionBias = false;

    // Parse a config.json document. `what` names the file in error messages. Checks that the
    // result is a model we can run (bsq quantizer, divisible sizes, decoder grid = encoder grid...).
    static QlipConfig fromJson(const Json& doc, const std::string& what);
    static QlipConfig fromFile(const std::string& path);

    // The released checkpoints' configurations (spec §1.1), for benchmarks and key-list tests:
    // "QLIP-B-16-256", "QLIP-B-8-256", "QLIP-L-14-392". Throws for other names.
    static QlipConfig preset(const std::string& name);

    void validate(const std::string& what) const;
    // HF-layout config.json document with every size spelled out (fromJson(toJson()) == *this).
    Json toJson() const;
    int bits() const { return vision.bsq.embedDim; }
    int grid() const { return vision.grid(); }
};

} // namespace qlip
