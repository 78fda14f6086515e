#pragma once
// Training a small QLIP (BSQ autoencoder + CLIP text tower) from scratch on a packed image/caption
// set, with the QLIP recipe scaled down. Torch-free header; used by `qlipx train-tokenizer`.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace qlip {

struct TokenizerTrainOptions {
    std::string data;            // folder from tools/emoji_data.py: train_images.npy + train.json
    std::string out;             // model folder to write (checkpoints go to <out>/checkpoint)
    std::string merges;          // CLIP merges.txt; the first `merges` lines form the vocabulary
    int mergeCount = 8000;
    // Architecture (same config keys as the released models, small sizes).
    int width = 192, layers = 4, heads = 4, mlp = 512;
    int decoderLayers = 4;
    int textWidth = 192, textLayers = 4, textHeads = 4, textMlp = 768;
    int contextLength = 32;
    int patch = 8, imageSize = 64, bits = 28, projectionDim = 128;
    // Optimisation.
    int steps = 4000, batch = 64, warmup = 200;
    double lr = 1e-3, minLrFraction = 0.1, weightDecay = 0.05;
    double clipWeight = 0.1;     // contrastive loss weight
    double entropyWeight = 0.05; // BSQ entropy terms weight
    double codebookEntropyGamma = 1.0;
    int entropyGroup = 7;        // bits per group for the exact group entropy
    double invTemperature = 2.0; // on the sqrt(E)-scaled latent
    int shift = 4;               // random translation (pixels) on a white pad
    double augment = 0;          // art-style augmentation strength in [0, 1] (zoom, blur, gamma, saturation)
    uint64_t seed = 0;
    int threads = 0;
    int checkpointEvery = 500;
    int logEvery = 25;
    bool resume = true;          // continue from <out>/checkpoint when present
    std::string init;            // warm start: weights of this model folder (same sizes), fresh optimizer
    std::string device = "auto";
    double maxMinutes = 0;       // stop (and save) after this wall time; 0 = no limit
    int stopAt = 0;              // stop (and save) after this step, keeping the schedule of `steps`; 0 = no
};

struct TrainProgress {
    int step = 0;
    int steps = 0;
    double loss = 0, recon = 0, psnr = 0, entropy = 0, codebookEntropy = 0, clip = 0, logitScale = 0;
    double imagesPerSecond = 0;
    double etaSeconds = 0;
};

// Runs the training; `report` is called every logEvery steps (and may throw qlip::Cancelled).
// Writes <out>/ (config.json, model.safetensors as BF16, vocab.json, merges.txt,
// preprocessor_config.json), <out>/checkpoint/ and <out>/train-log.csv + train-loss.png.
void trainTokenizer(const TokenizerTrainOptions& options, const std::function<void(const TrainProgress&)>& report);

// Training the AR prior (issue #7) on images pre-tokenized with a QLIP model. `data` is either a
// folder from tools/emoji_data.py (train_images.npy + train.json; captions from its templates) or
// any folder of images with a same-named .txt caption file each (one caption per line; a line is
// drawn per step).
struct PriorTrainOptions {
    std::string data;
    std::string qlip;            // QLIP model folder: tokens and the text tower for captions
    std::string out;             // prior folder to write (checkpoints go to <out>/checkpoint)
    std::string init;            // warm start: weights and sizes of this prior folder, fresh optimizer
    int groups = 4, width = 256, layers = 6, heads = 4, mlp = 768, headMlp = 512;
    int steps = 3000, batch = 32, warmup = 100;
    double lr = 1e-3, minLrFraction = 0.1, weightDecay = 0.05;
    double captionDropout = 0.1; // the caption is replaced by the null condition (for guidance)
    uint64_t seed = 0;
    int threads = 0;
    int checkpointEvery = 250;
    int logEvery = 25;
    bool resume = true;
    std::string device = "auto";
    double maxMinutes = 0;
    int stopAt = 0;
};

struct PriorTrainProgress {
    int step = 0, steps = 0;
    double loss = 0;                 // mean cross-entropy per group (nats)
    double bitsPerToken = 0;         // sum over groups, in bits (of the token's 28)
    std::vector<double> groupLoss;   // per group (nats)
    double tokensPerSecond = 0;
    double etaSeconds = 0;
    int64_t images = 0;              // training images after pre-tokenization
};

// Writes <out>/config.json + model.safetensors (F16), <out>/checkpoint/, <out>/train-log.csv and
// train-loss.png. `report` is called every logEvery steps and once after pre-tokenization (step 0).
void trainPrior(const PriorTrainOptions& options, const std::function<void(const PriorTrainProgress&)>& report);

} // namespace qlip
