#include "train/vocab.h"

#include "fileio.h"
#include "qlip/error.h"
#include "qlip/json.h"

#include <sstream>
#include <vector>

namespace qlip::train {
namespace {

std::string utf8(unsigned cp) {
    std::string s;
    if (cp < 0x80) s += char(cp);
    else { s += char(0xC0 | (cp >> 6)); s += char(0x80 | (cp & 0x3F)); } // all byte symbols are < 0x800
    return s;
}

// The byte -> printable symbol table of byte-level BPE, in vocabulary order: printable Latin-1
// bytes keep their code point, the others are moved to 256 + n.
std::vector<std::string> byteSymbols() {
    std::vector<int> bytes;
    for (int b = 33; b <= 126; ++b) bytes.push_back(b);
    for (int b = 161; b <= 172; ++b) bytes.push_back(b);
    for (int b = 174; b <= 255; ++b) bytes.push_back(b);
    std::vector<bool> printable(256, false);
    for (int b : bytes) printable[size_t(b)] = true;
    std::vector<std::string> symbols;
    for (int b : bytes) symbols.push_back(utf8(unsigned(b)));
    unsigned n = 0;
    for (int b = 0; b < 256; ++b)
        if (!printable[size_t(b)]) symbols.push_back(utf8(256 + n++));
    return symbols;
}

} // namespace

int writeCompactVocabulary(const std::string& mergesPath, int mergeCount, const std::string& folder) {
    std::istringstream in(readTextFile(mergesPath, "CLIP merges"));
    std::string line, mergesOut = "#version: 0.2\n";
    std::vector<std::string> tokens = byteSymbols();
    const size_t byteCount = tokens.size();
    for (size_t i = 0; i < byteCount; ++i) tokens.push_back(tokens[i] + "</w>");
    int taken = 0;
    bool first = true;
    while (taken < mergeCount && std::getline(in, line)) {
        if (first && line.rfind("#version", 0) == 0) { first = false; continue; }
        first = false;
        if (line.empty()) continue;
        auto space = line.find(' ');
        if (space == std::string::npos) throw Error("'" + mergesPath + "': malformed merge line '" + line + "'");
        tokens.push_back(line.substr(0, space) + line.substr(space + 1));
        mergesOut += line + "\n";
        ++taken;
    }
    if (taken < mergeCount)
        throw Error("'" + mergesPath + "' has only " + std::to_string(taken) + " merges, " + std::to_string(mergeCount) + " requested");
    tokens.push_back("<|startoftext|>");
    tokens.push_back("<|endoftext|>");
    Json::Object vocab;
    for (size_t i = 0; i < tokens.size(); ++i) vocab[tokens[i]] = Json(int64_t(i));
    std::string json = Json(std::move(vocab)).dump();
    writeFileAtomic(folder + "/vocab.json", json.data(), json.size());
    writeFileAtomic(folder + "/merges.txt", mergesOut.data(), mergesOut.size());
    return int(tokens.size());
}

} // namespace qlip::train
