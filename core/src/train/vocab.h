#pragma once
// A compact CLIP-style BPE vocabulary: the 512 byte symbols, the first K merges of the CLIP merge
// list, and the two special tokens. Tokenising with it is valid CLIP BPE that stops merging
// earlier, so rare words split into more pieces; the embedding table shrinks from 49,408 rows.
#include <string>

namespace qlip::train {

// Writes <folder>/vocab.json and <folder>/merges.txt from the full CLIP `mergesPath`.
// Returns the vocabulary size (512 + K + 2).
int writeCompactVocabulary(const std::string& mergesPath, int mergeCount, const std::string& folder);

} // namespace qlip::train
