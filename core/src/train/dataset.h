#pragma once
// The packed image/caption set written by tools/emoji_data.py: train_images.npy (uint8
// [N, S, S, 3], composited on white) and train.json (label, category, keywords per image).
#include "qlip/tokenizer.h"

#include <torch/torch.h>

#include <random>
#include <string>
#include <vector>

namespace qlip::train {

struct Sample {
    std::string label;
    std::string category;
    std::vector<std::string> keywords;
};

class CaptionedImages {
public:
    // `imagesFile` / `metaFile` inside `folder`; throws qlip::Error naming the file on any mismatch.
    CaptionedImages(const std::string& folder, const std::string& imagesFile, const std::string& metaFile);

    int64_t size() const { return images_.size(0); }
    int imageSize() const { return int(images_.size(1)); }
    const Sample& sample(int64_t i) const { return samples_[size_t(i)]; }
    const torch::Tensor& images() const { return images_; } // uint8 [N, S, S, 3]

    // Caption drawn from the templates `{label}`, `an emoji of {label}`, `{label}, k1, k2, k3`,
    // `{category}: {label}`.
    std::string caption(int64_t i, std::mt19937_64& rng) const;
    // Same label text = same concept (used as a positive pair in the contrastive loss).
    int64_t conceptId(int64_t i) const { return conceptIds_[size_t(i)]; }

private:
    torch::Tensor images_;
    std::vector<Sample> samples_;
    std::vector<int64_t> conceptIds_;
};

// A training batch: pixels CLIP-normalised [B, 3, S, S] (randomly shifted on a white pad),
// caption ids [B, L], and concept ids [B].
struct Batch {
    torch::Tensor pixels, ids, concepts;
};

Batch makeBatch(const CaptionedImages& data, const std::vector<int64_t>& indices, const ClipTokenizer& tokenizer,
                int contextLength, int shift, std::mt19937_64& rng);

// uint8 [B, S, S, 3] -> CLIP-normalised float [B, 3, S, S].
torch::Tensor normalizeImages(const torch::Tensor& uint8Images);

} // namespace qlip::train
