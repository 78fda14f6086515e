// Label files and prompt templates of zero-shot queries (Torch-free, so the label file reader
// can be fuzzed on its own).
#include "qlip/query.h"

#include "qlip/error.h"

#include <fstream>
#include <unordered_set>

namespace qlip {
namespace {

std::string trim(const std::string& s) {
    const char* ws = " \t\r\n\f\v";
    const size_t begin = s.find_first_not_of(ws);
    if (begin == std::string::npos) return {};
    return s.substr(begin, s.find_last_not_of(ws) - begin + 1);
}

// Length of the UTF-8 sequence starting at s[i] (0 when malformed).
size_t utf8SequenceLength(const std::string& s, size_t i) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    if (c < 0x80) return 1;
    size_t len = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07;
    else return 0;
    if (i + len > s.size()) return 0;
    for (size_t k = 1; k < len; ++k) {
        if ((b(i + k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b(i + k) & 0x3F);
    }
    static const uint32_t minimum[5] = {0, 0, 0x80, 0x800, 0x10000}; // rejects overlong forms
    if (cp < minimum[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

} // namespace

bool isValidUtf8(const std::string& text) {
    for (size_t i = 0; i < text.size();) {
        const size_t len = utf8SequenceLength(text, i);
        if (len == 0) return false;
        i += len;
    }
    return true;
}

std::vector<std::string> readLabelFile(const std::string& path, int* duplicates) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open label file '" + path + "'");
    std::vector<std::string> labels;
    std::unordered_set<std::string> seen;
    int dropped = 0, lineNo = 0;
    for (std::string line; std::getline(in, line);) {
        ++lineNo;
        if (lineNo == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
        if (!isValidUtf8(line))
            throw Error("label file '" + path + "', line " + std::to_string(lineNo) + ": not valid UTF-8 text (save the file as UTF-8)");
        line = trim(line);
        if (line.empty() || line[0] == '#') continue;
        if (!seen.insert(line).second) {
            ++dropped;
            continue;
        }
        labels.push_back(std::move(line));
    }
    if (in.bad()) throw Error("cannot read label file '" + path + "'");
    if (duplicates) *duplicates = dropped;
    return labels;
}

std::string applyTemplate(const std::string& tmpl, const std::string& label) {
    std::string out;
    size_t start = 0;
    for (size_t at; (at = tmpl.find("{}", start)) != std::string::npos; start = at + 2) out += tmpl.substr(start, at - start) + label;
    return out + tmpl.substr(start);
}

} // namespace qlip
