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

// `augment` in [0, 1] scales the art-style augmentation (0 = none): see augmentStyle.
Batch makeBatch(const CaptionedImages& data, const std::vector<int64_t>& indices, const ClipTokenizer& tokenizer,
                int contextLength, int shift, std::mt19937_64& rng, double augment = 0);

// Per-image random changes of drawing style that keep an emoji's meaning, so that the model sees
// more than the two training art styles: zoom out (to 80 %) or in (to 105 %) on white, a slight blur
// (half of the images), a gamma change and a saturation change. Hue is kept (a red and a blue heart
// are different emoji) and white stays white. float [B, 3, S, S] in [0, 1] -> same shape.
torch::Tensor augmentStyle(const torch::Tensor& images01, double strength, std::mt19937_64& rng);

// uint8 [B, S, S, 3] -> CLIP-normalised float [B, 3, S, S].
torch::Tensor normalizeImages(const torch::Tensor& uint8Images);
// float [B, 3, S, S] in [0, 1] -> CLIP-normalised.
torch::Tensor normalizeUnit(const torch::Tensor& images01);

} // namespace qlip::train
