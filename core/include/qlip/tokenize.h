#pragma once
// Dataset tokenization at scale (`qlipx tokenize`): inputs are listed in one deterministic order,
// split into N shards with no coordinator (item i of the sorted list belongs to shard i % N), and
// each shard is written as a WebDataset tar of token grids plus a manifest.
//
// Output of shard I of N in OUTDIR:
//   shard-IIIII-of-NNNNN.tar            per sample KEY.tokens.npy (int64 [rows, cols], as
//                                       `qlipx encode` writes), KEY.json (source, size, model) and,
//                                       with embeddings, KEY.embedding.npy (float32 [dim])
//   shard-IIIII-of-NNNNN.manifest.json  counts, model id + sha256, config, input-list digest,
//                                       every assigned item (key, source), failures with reasons,
//                                       size and sha256 of the tar
// KEY is the item's position in the sorted input list (9 digits), the same whatever N is, so
// merging any number of shards gives the same bytes. Both files are written under a temporary
// name and renamed; the manifest comes last, so a shard is finished iff its manifest exists.
#include "qlip/engine.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace qlip::tokenize {

struct InputItem {
    std::string id;        // unique and stable: the file path, or "<tar path>#<sample key>"
    std::string path;      // the file to read: the image, or the tar holding it
    bool inTar = false;
    std::string member;    // tar: the image member's name ("" when the sample has no image)
    uint64_t offset = 0;   // tar: where the member's data starts
    uint64_t size = 0;     // tar: its size
    std::string note;      // why the item cannot be tokenized, known at listing time (or "")
};

// Lists the inputs: image files, folders (recursively, image files by extension), file lists
// (`.txt`: one path per line, relative paths from the list's folder, '#' comments) and
// WebDataset `.tar` shards (one item per sample key). Sorted by id, repeats dropped. A missing
// or unreadable input throws qlip::Error naming it.
std::vector<InputItem> listInputs(const std::vector<std::string>& inputs);
// sha256 of the sorted ids, one per line: the identity of an input set.
std::string inputDigest(const std::vector<InputItem>& items);

struct ShardSpec {
    int index = 0;
    int count = 1;
};
ShardSpec parseShardSpec(const std::string& text); // "I/N", 0 <= I < N
// The task's shard from the scheduler. Slurm array: with `numShards` > 0 the array id is the
// shard (ids 0..N-1, so a subset such as --array=2 can be resubmitted); without it the shard is
// SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT. Kubernetes Indexed Job:
// JOB_COMPLETION_INDEX of `numShards` (required). Throws when neither scheduler variable is set.
ShardSpec shardFromEnvironment(int numShards, const std::function<const char*(const char*)>& getenv);
// Positions in the sorted list that belong to `shard`: i with i % N == I.
std::vector<size_t> assignedItems(size_t total, ShardSpec shard);
std::string shardBaseName(ShardSpec shard);      // "shard-00003-of-00008"
std::string sampleKey(size_t position);          // "000000042"

struct Progress {
    size_t done = 0;    // items finished (tokenized or failed)
    size_t total = 0;   // items of this shard
    size_t failed = 0;
    double seconds = 0;
};

struct Options {
    std::string outDir;
    ShardSpec shard;
    int batch = 16;           // images per engine call
    int workers = 2;          // decode + pre-processing threads
    bool resume = false;      // skip the shard when its manifest exists and matches
    bool embeddings = false;  // also store the L2-normalised image embedding
    std::string modelSha256;  // digest of the weights, recorded in the manifests
    std::function<void(const Progress&)> progress; // called about once a second and at the end
};

struct ShardResult {
    bool skipped = false;     // finished before (--resume)
    size_t samples = 0;
    size_t failures = 0;
    double seconds = 0;
    double engineSeconds = 0; // inside the engine (batches)
    double waitSeconds = 0;   // the engine's thread waiting for decoded images
    std::string tarPath;
    std::string manifestPath;
};

// Tokenizes this shard's items with `engine`, `options.batch` images per forward pass.
// Unreadable images become manifest failures; only I/O on the outputs and engine errors throw.
ShardResult tokenizeShard(Engine& engine, const std::vector<InputItem>& items, const Options& options);

struct EncodedBatch {
    std::vector<std::vector<int64_t>> tokens;   // per image, rows * cols indices
    std::vector<std::vector<float>> embeddings; // per image, L2-normalised (when asked)
};
// The engine step of the pipeline: one vision pass per batch gives both the tokens and (when
// asked) the pooled embedding, instead of Engine::encode + Engine::embedImages running it twice.
EncodedBatch encodeBatch(Engine& engine, const std::vector<PixelTensor>& pixels, bool embeddings);

// sha256 of <model folder>/model.safetensors (the weights that made the tokens).
std::string modelDigest(const std::string& modelFolder);

struct VerifyReport {
    bool ok = false;
    int numShards = 0;
    size_t inputs = 0;       // items in the input set (from the manifests)
    size_t samples = 0;      // token samples found
    size_t failures = 0;     // items listed as failures
    std::vector<std::string> problems; // one line each: missing / unfinished / corrupt shards, ...
};

// Checks every shard of OUTDIR: all N manifests present, each tar intact (size, sha256, headers)
// and holding exactly its assigned samples, the same model/config/input set everywhere, and the
// union of the shards equal to the input set with no item twice.
VerifyReport verify(const std::string& outDir);

struct MergeResult {
    size_t samples = 0;
    size_t failures = 0;
    std::string tarPath;
    std::string manifestPath;
};
// Merges a verified OUTDIR into MERGED/tokens.tar + MERGED/manifest.json, samples in key order;
// the bytes do not depend on how many shards there were. Throws qlip::Error listing the problems
// when verify fails.
MergeResult merge(const std::string& outDir, const std::string& mergedDir);

} // namespace qlip::tokenize
