#pragma once
// Reading a folder index file (safetensors arrays + JSON metadata), Torch-free so that it can be
// fuzzed on its own. Every value is checked: an index file is input like any other.
#include "qlip/folderindex.h"

#include <string>
#include <vector>

namespace qlip::indexfile {

constexpr const char* kMetaKey = "qlipx_index";
constexpr const char* kFormat = "qlipx-folder-index";
constexpr int kVersion = 1;

// Reads the entries of the index file `path` built for a model with `expectedModel`'s identity
// and token grids of rows x cols x bits. Returns why it cannot be used ("was built with another
// model (...)", "is damaged (...)"), empty when `out` holds its entries. Throws qlip::Error when
// the file cannot be read at all.
std::string readEntries(const std::string& path, const std::string& expectedModel, int rows, int cols, int bits,
                        std::vector<IndexEntry>& out);

} // namespace qlip::indexfile
