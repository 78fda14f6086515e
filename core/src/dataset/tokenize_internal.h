#pragma once
// Pieces of the tokenize pipeline shared between its source files (not a public API).
#include "qlip/engine.h"
#include "qlip/json.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qlip::tokenize::detail {

// What decides the bytes of the tokens: identical in every shard of one run.
Json configJson(const Engine& engine, bool embeddings);

std::string manifestName(const std::string& base);  // "<base>.manifest.json"
std::string tarName(const std::string& base);       // "<base>.tar"

// The file list of a shard folder: (index, count) of every "shard-I-of-N.manifest.json" / ".tar".
struct ShardFile {
    int index = 0;
    int count = 0;
    std::string path;
};
std::vector<ShardFile> findShardFiles(const std::string& outDir, const std::string& suffix);

} // namespace qlip::tokenize::detail
