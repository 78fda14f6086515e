#pragma once
// An incremental index of the images under a folder: one image embedding and one token grid per
// file, kept in a single safetensors file (arrays) whose metadata holds a JSON description
// (model identity, file list with size + mtime). Torch-free header.
#include "qlip/engine.h"

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace qlip {

struct IndexEntry {
    std::string path;              // relative to the folder, '/'-separated
    int64_t size = 0;              // bytes
    int64_t mtime = 0;             // last write time, file clock ticks
    std::vector<float> embedding;  // L2-normalised image embedding [projection_dim]
    std::vector<int64_t> tokens;   // token indices [rows * cols], raster order
};

struct IndexProgress {
    int done = 0;      // files looked at so far (encoded or skipped)
    int total = 0;     // files that need encoding
    std::string path;  // the file just handled
};

struct IndexUpdate {
    int encoded = 0;   // new or changed files embedded in this update
    int reused = 0;    // unchanged files taken from the index file
    int removed = 0;   // entries whose file is gone
    std::vector<std::pair<std::string, std::string>> skipped; // (relative path, reason): unreadable images
    std::vector<std::string> messages; // why the index file was not used (model changed, corrupt, ...)
    bool saved = false;                // the index file was (re)written
};

struct SearchHit {
    std::string path; // relative path
    float score = 0;  // cosine similarity
};

struct TokenCount {
    int64_t token = 0;
    int64_t count = 0;
    std::string file; // an exemplar: the first occurrence (file order, then raster order)
    int row = 0;
    int col = 0;
};

struct IndexStats {
    int images = 0;
    int64_t tokens = 0;              // all tokens of all images
    int64_t distinct = 0;            // distinct token indices
    std::vector<double> bitOnes;     // per bit channel (0 = MSB): fraction of tokens with the bit set
    std::vector<double> bitEntropy;  // per bit channel: binary entropy in bits
    double entropySum = 0;           // sum of bitEntropy (at most `bits`)
    std::vector<TokenCount> top;     // most frequent tokens, most frequent first
};

using IndexProgressFn = std::function<bool(const IndexProgress&)>; // return false to cancel (qlip::Cancelled)

class FolderIndex {
public:
    // `indexPath` empty: defaultIndexPath(folder).
    explicit FolderIndex(std::string folder, std::string indexPath = {});

    // FOLDER/.qlipx-index.safetensors
    static std::string defaultIndexPath(const std::string& folder);
    // The identity an index records: name, grid, bits, dims, and a digest of config.json's bytes
    // and model.safetensors' size (or "random" for a model without a folder).
    static std::string modelIdentity(const Engine& engine);
    // Open the index for `folder` and bring it up to date (see update()).
    static FolderIndex build(const std::string& folder, Engine& engine, const std::string& indexPath = {},
                             const IndexProgressFn& progress = {}, IndexUpdate* report = nullptr);

    // Recursively scans the folder for images (png, jpg, jpeg, bmp, gif, tga, ppm), loading the
    // index file on the first call. Only new or changed files (size or mtime) are encoded; entries
    // of removed files are dropped; unreadable files are skipped and listed, never fatal. An index
    // file of another model, or one that cannot be read, is rebuilt from scratch (with a message).
    // The index file is rewritten when anything changed.
    IndexUpdate update(Engine& engine, const IndexProgressFn& progress = {});

    const std::string& folder() const { return folder_; }
    const std::string& indexPath() const { return indexPath_; }
    const std::string& modelId() const { return modelId_; }
    int gridRows() const { return rows_; }
    int gridCols() const { return cols_; }
    int bits() const { return bits_; }
    const std::vector<IndexEntry>& entries() const { return entries_; } // sorted by path

    // Entries ranked by cosine with `embedding` (a text or image embedding), best first.
    // topK <= 0: all.
    std::vector<SearchHit> search(const std::vector<float>& embedding, int topK = 10) const;

    IndexStats stats(int topTokens = 20) const;
    // CSV: kind,id,count,fraction,entropy_bits,file,row,col with one "bit" row per channel and one
    // "token" row per frequent token (atomic write).
    void writeStatsCsv(const std::string& path, int topTokens = 20) const;

private:
    std::vector<std::string> load(const std::string& expectedModel); // messages; entries_ empty when unusable
    void save() const;

    std::string folder_, indexPath_, modelId_;
    int rows_ = 0, cols_ = 0, bits_ = 0;
    bool loaded_ = false;
    std::vector<IndexEntry> entries_;
};

} // namespace qlip
