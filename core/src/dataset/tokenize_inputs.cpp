// Input listing and shard assignment of `qlipx tokenize`: every task of an array job lists the
// same inputs in the same order and takes its own slice, so no coordinator is needed.
#include "qlip/error.h"
#include "qlip/hub_download.h"
#include "qlip/tokenize.h"
#include "qlip/webdataset.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

namespace fs = std::filesystem;

namespace qlip::tokenize {

namespace {

bool hasExtension(const fs::path& p, const char* ext) {
    std::string e = p.extension().string();
    std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return e == ext;
}

bool isImageFile(const fs::path& p) {
    const std::string e = p.extension().string();
    return !e.empty() && wds::isImageExtension(e.substr(1));
}

InputItem fileItem(const std::string& path) {
    InputItem item;
    item.id = path;
    item.path = path;
    return item;
}

void listFolder(const fs::path& folder, std::vector<InputItem>& out) {
    std::error_code ec;
    fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec), end;
    if (ec) throw Error("cannot list folder '" + folder.string() + "': " + ec.message());
    for (; it != end; it.increment(ec)) {
        if (ec) throw Error("cannot list folder '" + folder.string() + "': " + ec.message());
        if (it->is_regular_file(ec) && isImageFile(it->path())) out.push_back(fileItem(it->path().generic_string()));
    }
}

void listFileList(const fs::path& list, std::vector<InputItem>& out) {
    std::ifstream in(list);
    if (!in) throw Error("cannot read file list '" + list.string() + "'");
    const fs::path base = list.parent_path();
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const size_t start = line.find_first_not_of(" \t");
        if (start == std::string::npos || line[start] == '#') continue;
        line = line.substr(start, line.find_last_not_of(" \t") + 1 - start);
        const fs::path p(line);
        // A missing file is not fatal here: it becomes a failure of the shard that owns it.
        out.push_back(fileItem(p.is_absolute() || base.empty() ? p.generic_string() : (base / p).generic_string()));
    }
    if (in.bad()) throw Error("read error in file list '" + list.string() + "'");
}

std::string joinExtensions(const wds::Sample& s) {
    std::string out;
    for (const auto& m : s.members) out += (out.empty() ? "." : ", .") + m.extension;
    return out;
}

// One item per sample. A tar that turns out corrupt keeps the samples before the damage and adds
// one item (the tar itself) that carries the error, so the run goes on and the manifest says why.
void listTar(const std::string& path, std::vector<InputItem>& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open WebDataset shard '" + path + "'");
    tar::Reader reader(in, path);
    wds::SampleReader samples(reader, false);
    std::map<std::string, int> seen;
    wds::Sample s;
    try {
        while (samples.next(s)) {
            InputItem item;
            const int repeat = ++seen[s.key];
            item.id = path + "#" + s.key + (repeat > 1 ? "#" + std::to_string(repeat) : "");
            item.path = path;
            item.inTar = true;
            std::vector<std::string> exts;
            for (const auto& m : s.members) exts.push_back(m.extension);
            const std::string ext = wds::pickImageExtension(exts);
            if (repeat > 1) item.note = "'" + path + "': sample key '" + s.key + "' appears again after other samples";
            else if (ext.empty()) item.note = "'" + path + "': sample '" + s.key + "' has no image member (it has " + joinExtensions(s) + ")";
            else {
                const auto* m = s.find(ext);
                item.member = m->member.name;
                item.offset = m->member.dataOffset;
                item.size = m->member.size;
            }
            out.push_back(std::move(item));
        }
    } catch (const Error& e) {
        InputItem broken = fileItem(path);
        broken.note = e.what();
        out.push_back(std::move(broken));
    }
}

} // namespace

std::vector<InputItem> listInputs(const std::vector<std::string>& inputs) {
    if (inputs.empty()) throw Error("tokenize: no INPUT given");
    std::vector<InputItem> items;
    for (const auto& input : inputs) {
        const fs::path p(input);
        std::error_code ec;
        const auto status = fs::status(p, ec);
        if (ec || !fs::exists(status)) throw Error("input '" + input + "' does not exist");
        if (fs::is_directory(status)) listFolder(p, items);
        else if (hasExtension(p, ".tar")) listTar(input, items);
        else if (hasExtension(p, ".txt")) listFileList(p, items);
        else if (isImageFile(p)) items.push_back(fileItem(input));
        else throw Error("input '" + input + "' is neither a folder, a .txt file list, a .tar shard nor an image file");
    }
    std::stable_sort(items.begin(), items.end(), [](const InputItem& a, const InputItem& b) { return a.id < b.id; });
    items.erase(std::unique(items.begin(), items.end(), [](const InputItem& a, const InputItem& b) { return a.id == b.id; }), items.end());
    return items;
}

std::string inputDigest(const std::vector<InputItem>& items) {
    hub::Sha256 sha;
    for (const auto& item : items) {
        sha.update(item.id.data(), item.id.size());
        sha.update("\n", 1);
    }
    return sha.hexDigest();
}

ShardSpec parseShardSpec(const std::string& text) {
    const size_t slash = text.find('/');
    auto number = [&](const std::string& s) {
        if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos)
            throw Error("--shard '" + text + "': expected I/N with 0 <= I < N, e.g. 3/8");
        return std::stoi(s);
    };
    if (slash == std::string::npos) throw Error("--shard '" + text + "': expected I/N with 0 <= I < N, e.g. 3/8");
    ShardSpec s{number(text.substr(0, slash)), number(text.substr(slash + 1))};
    if (s.count < 1 || s.index >= s.count) throw Error("--shard '" + text + "': expected I/N with 0 <= I < N, e.g. 3/8");
    return s;
}

ShardSpec shardFromEnvironment(int numShards, const std::function<const char*(const char*)>& getenv) {
    auto number = [&](const char* name) -> int {
        const char* v = getenv(name);
        if (!v || !*v) return -1;
        const std::string s(v);
        if (s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos)
            throw Error(std::string("environment variable ") + name + "='" + s + "' is not a non-negative integer");
        return std::stoi(s);
    };
    ShardSpec s;
    const int slurmId = number("SLURM_ARRAY_TASK_ID");
    const int k8sIndex = number("JOB_COMPLETION_INDEX");
    if (slurmId >= 0) {
        if (numShards > 0) {
            // Array ids are the shard numbers, so a subset can be resubmitted (--array=2,5).
            s.count = numShards;
            s.index = slurmId;
        } else {
            const int slurmCount = number("SLURM_ARRAY_TASK_COUNT");
            const int slurmMin = std::max(0, number("SLURM_ARRAY_TASK_MIN")); // --array=1-8 starts at 1
            if (slurmCount < 1) throw Error("SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor --num-shards gives N");
            s.count = slurmCount;
            s.index = slurmId - slurmMin;
        }
    } else if (k8sIndex >= 0) {
        if (numShards < 1) throw Error("JOB_COMPLETION_INDEX is set: give --num-shards N (the Job's completions)");
        s.count = numShards;
        s.index = k8sIndex;
    } else {
        throw Error("no shard given: pass --shard I/N, or run as a Slurm array task (SLURM_ARRAY_TASK_ID) or a Kubernetes "
                    "Indexed Job (JOB_COMPLETION_INDEX) with --num-shards N");
    }
    if (s.index < 0 || s.index >= s.count)
        throw Error("task index " + std::to_string(s.index) + " is outside 0.." + std::to_string(s.count - 1) + " (N = " +
                    std::to_string(s.count) + ")");
    return s;
}

std::vector<size_t> assignedItems(size_t total, ShardSpec shard) {
    std::vector<size_t> out;
    for (size_t i = size_t(shard.index); i < total; i += size_t(shard.count)) out.push_back(i);
    return out;
}

std::string shardBaseName(ShardSpec shard) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "shard-%05d-of-%05d", shard.index, shard.count);
    return buf;
}

std::string sampleKey(size_t position) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%09zu", position);
    return buf;
}

std::string modelDigest(const std::string& modelFolder) {
    return hub::sha256OfFile(fs::path(modelFolder) / "model.safetensors");
}

} // namespace qlip::tokenize
