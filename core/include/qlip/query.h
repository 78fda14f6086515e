#pragma once
// Text queries beyond plain zero-shot: label files, CLIP prompt-template ensembles, and two
// "where in the image" maps (per-token text similarity and occlusion sensitivity).
// Torch-free header.
#include "qlip/engine.h"

#include <functional>
#include <string>
#include <vector>

namespace qlip {

// One label per line, trimmed; empty lines and lines starting with '#' are skipped; a UTF-8 BOM
// on the first line is ignored. Duplicates are dropped (the first one is kept) and counted in
// `duplicates` when given. No cap on the count. Throws qlip::Error naming the file (and line, for
// text that is not valid UTF-8).
std::vector<std::string> readLabelFile(const std::string& path, int* duplicates = nullptr);

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or code points > U+10FFFF).
bool isValidUtf8(const std::string& text);

// `tmpl` with every "{}" replaced by `label`.
std::string applyTemplate(const std::string& tmpl, const std::string& label);

// CLIP prompt ensemble: for each label, embed every template with "{}" replaced by the label,
// L2-normalise each, average and re-normalise. One template gives the plain (normalised) text
// embedding; no templates means {"{}"}. [labels.size()][projection_dim].
// Throws qlip::Error on an empty label list or a template without "{}".
std::vector<std::vector<float>> embedPrompts(Engine& engine, const std::vector<std::string>& labels,
                                             const std::vector<std::string>& templates);

// Which patch-token state the per-token map projects. ValuePath is the default: on the emoji
// model the final hidden states give reversed maps (the matching half scores lower in 55 of 56
// two-emoji pairs; ValuePath is right in 44 of 56), as is known for CLIP-style towers.
enum class TokenMapMethod {
    FinalHidden, // the final hidden state of each patch token
    ValuePath,   // MaskCLIP/ClearCLIP: last layer's value path only (no query-key mixing, residual or MLP)
};

// MaskCLIP-style per-token similarity: one vision forward pass; every patch token's state (not the
// class token) goes through the same post_layernorm and visual projection as the class token, is
// L2-normalised, and is compared (cosine) with the normalised text embedding.
// Result: [rows * cols] in raster order (token n = row * cols + col).
std::vector<float> tokenTextMap(Engine& engine, const PixelTensor& image, const std::vector<float>& textEmbedding,
                                TokenMapMethod method = TokenMapMethod::ValuePath);

// Occlusion sensitivity: a window of windowTokens x windowTokens patches slides over the image
// with a stride of one token; its pixels are replaced by the mean colour (0 after normalisation)
// and the occluded image is embedded (in batches). Per token: the mean drop of
// cosine(image, text) over every window that covers it. [rows * cols], raster order.
// `progress` hears the fraction done; returning false throws qlip::Cancelled.
std::vector<float> occlusionMap(Engine& engine, const PixelTensor& image, const std::vector<float>& textEmbedding,
                                int windowTokens, const std::function<bool(double)>& progress = {});

} // namespace qlip
