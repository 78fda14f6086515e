// The hub cache as huggingface_hub lays it out: locating it, scanning it, resolving repo ids.
#include "qlip/hub.h"

#include "qlip/error.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

namespace qlip::hub {
namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

fs::path homeFolder() {
#ifdef _WIN32
    if (auto p = env("USERPROFILE"); !p.empty()) return pathFromUtf8(p);
#endif
    if (auto p = env("HOME"); !p.empty()) return pathFromUtf8(p);
    return fs::temp_directory_path();
}

bool validPart(const std::string& s) {
    if (s.empty() || s.size() > 96 || s == "." || s == ".." || s.find("..") != std::string::npos) return false;
    if (s.front() == '-' || s.front() == '.' || s.back() == '.') return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    });
}

std::string readFirstLine(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::string line;
    std::getline(in, line);
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' ')) line.pop_back();
    return line;
}

// A file that exists and can be read: a regular file, or a symlink to one (a dangling link,
// whose blob was deleted, does not count).
bool presentFile(const fs::path& p, uint64_t& bytes) {
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) return false;
    bytes = fs::file_size(p, ec);
    return !ec;
}

fs::path canonicalOr(const fs::path& p) {
    std::error_code ec;
    auto c = fs::weakly_canonical(p, ec);
    return ec ? p : c;
}

// Fills the file-dependent fields of `e` from `folder` (and, in the hub cache, its .no_exist).
void inspectFiles(ModelEntry& e, const fs::path& folder, const fs::path& noExist) {
    std::set<fs::path> seenTargets; // blobs shared by several names are counted once
    bool haveConfig = false, haveWeights = false;
    for (const auto& name : modelFiles()) {
        uint64_t bytes = 0;
        const fs::path p = folder / name;
        if (presentFile(p, bytes)) {
            if (seenTargets.insert(canonicalOr(p)).second) e.bytes += bytes;
            if (name == "config.json") haveConfig = true;
            if (name == "model.safetensors") haveWeights = true;
            continue;
        }
        std::error_code ec;
        const bool knownAbsent = !noExist.empty() && fs::exists(noExist / name, ec) && !isRequiredFile(name);
        if (!knownAbsent) e.missing.push_back(name);
    }
    e.usable = haveConfig && haveWeights;
    e.complete = e.usable && e.missing.empty();
}

std::vector<std::string> refsPointingAt(const fs::path& repoDir, const std::string& commit) {
    std::vector<std::string> out;
    std::error_code ec;
    const fs::path refs = repoDir / "refs";
    if (!fs::is_directory(refs, ec)) return out;
    for (auto it = fs::recursive_directory_iterator(refs, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        if (readFirstLine(it->path()) == commit) out.push_back(fs::relative(it->path(), refs, ec).generic_string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

uint64_t partialBytes(const fs::path& repoDir) {
    uint64_t total = 0;
    std::error_code ec;
    for (auto it = fs::directory_iterator(repoDir / "blobs", ec); !ec && it != fs::directory_iterator(); it.increment(ec))
        if (it->path().extension() == ".incomplete") total += it->file_size(ec);
    return total;
}

std::vector<fs::path> splitPathList(const std::string& list) {
#ifdef _WIN32
    const char sep = ';';
#else
    const char sep = ':';
#endif
    std::vector<fs::path> out;
    size_t start = 0;
    while (start <= list.size()) {
        size_t end = list.find(sep, start);
        if (end == std::string::npos) end = list.size();
        if (end > start) out.push_back(pathFromUtf8(list.substr(start, end - start)));
        start = end + 1;
    }
    return out;
}

std::vector<fs::path> readUserFoldersFile() {
    std::vector<fs::path> out;
    std::ifstream in(userFoldersFile(), std::ios::binary);
    for (std::string line; std::getline(in, line);) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (!line.empty() && line[0] != '#') out.push_back(pathFromUtf8(line));
    }
    return out;
}

void writeUserFoldersFile(const std::vector<fs::path>& folders) {
    const fs::path file = userFoldersFile();
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    const fs::path tmp = file.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << "# Model folders added to QLIP Explorer (one per line); each is a model folder or a folder of them.\n";
        for (const auto& f : folders) out << pathString(f) << "\n";
        if (!out) throw Error("cannot write '" + pathString(tmp) + "'");
    }
    fs::rename(tmp, file, ec);
    if (ec) throw Error("cannot replace '" + pathString(file) + "': " + ec.message());
}

bool looksLikeModelFolder(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p / "config.json", ec) || fs::is_regular_file(p / "model.safetensors", ec);
}

} // namespace

std::string pathString(const fs::path& p) {
    const auto u = p.u8string();
    return std::string(u.begin(), u.end());
}

fs::path pathFromUtf8(const std::string& s) { return fs::path(std::u8string(s.begin(), s.end())); }

fs::path hfHome() {
    if (auto p = env("HF_HOME"); !p.empty()) return pathFromUtf8(p);
    if (auto p = env("XDG_CACHE_HOME"); !p.empty()) return pathFromUtf8(p) / "huggingface";
    return homeFolder() / ".cache" / "huggingface";
}

fs::path cacheRoot() {
    if (auto p = env("HF_HUB_CACHE"); !p.empty()) return pathFromUtf8(p);
    if (auto p = env("HUGGINGFACE_HUB_CACHE"); !p.empty()) return pathFromUtf8(p); // the older name
    return hfHome() / "hub";
}

fs::path userFoldersFile() {
#ifdef _WIN32
    if (auto p = env("APPDATA"); !p.empty()) return pathFromUtf8(p) / "qlip-explorer" / "model-folders.txt";
#endif
    if (auto p = env("XDG_CONFIG_HOME"); !p.empty()) return pathFromUtf8(p) / "qlip-explorer" / "model-folders.txt";
    return homeFolder() / ".config" / "qlip-explorer" / "model-folders.txt";
}

std::vector<fs::path> userFolders() {
    std::vector<fs::path> out = splitPathList(env("QLIPX_MODEL_PATH"));
    for (auto& f : readUserFoldersFile()) out.push_back(std::move(f));
    return out;
}

void addUserFolder(const fs::path& folder) {
    auto list = readUserFoldersFile();
    const fs::path abs = canonicalOr(fs::absolute(folder));
    for (const auto& f : list)
        if (canonicalOr(f) == abs) return;
    list.push_back(abs);
    writeUserFoldersFile(list);
}

bool removeUserFolder(const fs::path& folder) {
    auto list = readUserFoldersFile();
    const fs::path abs = canonicalOr(fs::absolute(folder));
    auto it = std::remove_if(list.begin(), list.end(), [&](const fs::path& f) { return canonicalOr(f) == abs || f == folder; });
    if (it == list.end()) return false;
    list.erase(it, list.end());
    writeUserFoldersFile(list);
    return true;
}

const std::vector<std::string>& modelFiles() {
    // What Engine::open reads (core/src/engine.cpp); nothing else is downloaded.
    static const std::vector<std::string> files = {"config.json", "model.safetensors", "preprocessor_config.json", "vocab.json",
                                                   "merges.txt"};
    return files;
}

bool isRequiredFile(const std::string& name) { return name == "config.json" || name == "model.safetensors"; }

const std::vector<OfficialModel>& officialModels() {
    // model.safetensors sizes as listed on the hub (958 MB / 957 MB / 2.95 GB) plus 1.4 MB of
    // tokenizer and config files.
    static const std::vector<OfficialModel> models = {
        {"nvidia/QLIP-B-16-256", 959'400'000ull}, {"nvidia/QLIP-B-8-256", 958'400'000ull}, {"nvidia/QLIP-L-14-392", 2'951'400'000ull}};
    return models;
}

bool looksLikeRepoId(const std::string& s) {
    std::string repo, rev;
    splitRepoRevision(s, repo, rev);
    const auto slash = repo.find('/');
    if (slash == std::string::npos || repo.find('/', slash + 1) != std::string::npos) return false;
    return validPart(repo.substr(0, slash)) && validPart(repo.substr(slash + 1));
}

void splitRepoRevision(const std::string& s, std::string& repoId, std::string& revision) {
    const auto at = s.find('@');
    repoId = s.substr(0, at);
    revision = at == std::string::npos ? std::string() : s.substr(at + 1);
}

std::string repoFolderName(const std::string& repoId) {
    std::string out = "models--";
    for (char c : repoId) {
        if (c == '/') out += "--";
        else out += c;
    }
    return out;
}

bool isCommitHash(const std::string& s) {
    return s.size() == 40 && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string repoIdOfSnapshot(const fs::path& folder) {
    fs::path p = folder;
    if (!p.has_filename()) p = p.parent_path(); // a trailing slash
    const fs::path snapshots = p.parent_path();
    const std::string repoDir = pathString(snapshots.parent_path().filename());
    if (snapshots.filename() != "snapshots" || repoDir.rfind("models--", 0) != 0) return {};
    const std::string rest = repoDir.substr(8);
    const auto sep = rest.find("--");
    if (sep == std::string::npos) return {};
    return rest.substr(0, sep) + "/" + rest.substr(sep + 2);
}

std::string ModelEntry::status() const {
    if (folder.empty()) return "not downloaded";
    std::string s = complete ? "complete" : "incomplete";
    if (!missing.empty()) {
        s += " (no ";
        for (size_t i = 0; i < missing.size(); ++i) s += (i ? ", " : "") + missing[i];
        s += ")";
    }
    if (partialBytes) s += ", " + formatBytes(partialBytes) + " of an interrupted download";
    return s;
}

ModelEntry describeFolder(const fs::path& folder, ModelEntry::Source source) {
    ModelEntry e;
    e.source = source;
    e.folder = folder;
    e.repoId = pathString(folder.filename());
    inspectFiles(e, folder, {});
    return e;
}

std::vector<ModelEntry> scanCache(const fs::path& root) {
    std::vector<ModelEntry> out;
    std::error_code ec;
    std::vector<fs::path> repos;
    for (auto it = fs::directory_iterator(root, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
        if (it->is_directory(ec) && pathString(it->path().filename()).rfind("models--", 0) == 0) repos.push_back(it->path());
    std::sort(repos.begin(), repos.end());
    for (const auto& repoDir : repos) {
        const std::string repoId = repoIdOfSnapshot(repoDir / "snapshots" / "x");
        if (repoId.empty()) continue;
        std::vector<std::pair<fs::file_time_type, ModelEntry>> snaps;
        for (auto it = fs::directory_iterator(repoDir / "snapshots", ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
            if (!it->is_directory(ec)) continue;
            ModelEntry e;
            e.source = ModelEntry::Source::HubCache;
            e.repoId = repoId;
            e.revision = pathString(it->path().filename());
            e.folder = it->path();
            inspectFiles(e, e.folder, repoDir / ".no_exist" / e.revision);
            if (e.missing.size() == modelFiles().size()) continue; // not a model snapshot (another repo type)
            e.refs = refsPointingAt(repoDir, e.revision);
            snaps.emplace_back(fs::last_write_time(it->path(), ec), std::move(e));
        }
        std::sort(snaps.begin(), snaps.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
        for (size_t i = 0; i < snaps.size(); ++i) {
            if (i == 0) snaps[i].second.partialBytes = partialBytes(repoDir);
            out.push_back(std::move(snaps[i].second));
        }
    }
    return out;
}

std::vector<ModelEntry> listModels() {
    std::vector<ModelEntry> out = scanCache(cacheRoot());
    std::set<fs::path> seen;
    for (const auto& e : out) seen.insert(canonicalOr(e.folder));
    auto add = [&](const fs::path& f) {
        if (seen.insert(canonicalOr(f)).second) out.push_back(describeFolder(f, ModelEntry::Source::UserFolder));
    };
    for (const auto& folder : userFolders()) {
        std::error_code ec;
        if (!fs::is_directory(folder, ec)) continue;
        if (looksLikeModelFolder(folder)) {
            add(folder);
            continue;
        }
        std::vector<fs::path> children;
        for (auto it = fs::directory_iterator(folder, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
            if (it->is_directory(ec) && looksLikeModelFolder(it->path())) children.push_back(it->path());
        std::sort(children.begin(), children.end());
        for (const auto& c : children) add(c);
    }
    return out;
}

std::vector<ModelEntry> modelsToOffer(const fs::path& embeddedFolder) {
    std::vector<ModelEntry> out;
    if (!embeddedFolder.empty()) out.push_back(describeFolder(embeddedFolder, ModelEntry::Source::Embedded));
    std::set<std::string> cached;
    for (auto& e : listModels()) {
        if (e.source == ModelEntry::Source::HubCache) cached.insert(e.repoId); // complete or not: one row per repo
        out.push_back(std::move(e));
    }
    for (const auto& o : officialModels()) {
        if (cached.count(o.repoId)) continue;
        ModelEntry e;
        e.source = ModelEntry::Source::Official;
        e.repoId = o.repoId;
        e.bytes = o.approxBytes;
        out.push_back(std::move(e));
    }
    return out;
}

std::optional<fs::path> findSnapshot(const fs::path& root, const std::string& repoId, const std::string& revision) {
    const fs::path repoDir = root / repoFolderName(repoId);
    const std::string rev = revision.empty() ? "main" : revision;
    std::error_code ec;
    std::string commit;
    if (isCommitHash(rev)) commit = rev;
    else if (fs::is_regular_file(repoDir / "refs" / pathFromUtf8(rev), ec)) commit = readFirstLine(repoDir / "refs" / pathFromUtf8(rev));
    else if (rev.size() >= 7 && rev.size() < 40) { // a unique prefix of a commit
        for (auto it = fs::directory_iterator(repoDir / "snapshots", ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
            const std::string name = pathString(it->path().filename());
            if (name.rfind(rev, 0) != 0) continue;
            if (!commit.empty()) return std::nullopt; // ambiguous
            commit = name;
        }
    }
    if (commit.empty() || commit.find('/') != std::string::npos || commit.find('\\') != std::string::npos) return std::nullopt;
    const fs::path snap = repoDir / "snapshots" / pathFromUtf8(commit);
    if (!fs::is_directory(snap, ec)) return std::nullopt;
    return snap;
}

std::string resolveModelArgument(const std::string& arg) {
    std::error_code ec;
    if (arg.empty() || fs::is_directory(pathFromUtf8(arg), ec) || !looksLikeRepoId(arg)) return arg;
    std::string repo, rev;
    splitRepoRevision(arg, repo, rev);
    const fs::path root = cacheRoot();
    auto snap = findSnapshot(root, repo, rev);
    const std::string get = "run `qlipx download " + repo + (rev.empty() ? "" : " --revision " + rev) +
                            "` or use File > Models... in the explorer";
    if (!snap)
        throw Error("'" + arg + "' is neither a folder nor a model in the Hugging Face cache (" + pathString(root) + "): " + get);
    ModelEntry e;
    inspectFiles(e, *snap, root / repoFolderName(repo) / ".no_exist" / snap->filename());
    if (!e.usable)
    {
        std::string missing;
        for (const auto& m : e.missing) missing += (missing.empty() ? "" : ", ") + m;
        throw Error("the cached snapshot of '" + arg + "' (" + pathString(*snap) + ") is incomplete (no " + missing + "): " + get +
                    " to finish it");
    }
    return pathString(*snap);
}

std::string formatBytes(uint64_t bytes) {
    char buf[32];
    if (bytes < 1000) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
    else if (bytes < 1000'000) std::snprintf(buf, sizeof buf, "%.0f kB", double(bytes) / 1e3);
    else if (bytes < 1000'000'000) std::snprintf(buf, sizeof buf, "%.0f MB", double(bytes) / 1e6);
    else std::snprintf(buf, sizeof buf, "%.2f GB", double(bytes) / 1e9);
    return buf;
}

} // namespace qlip::hub
