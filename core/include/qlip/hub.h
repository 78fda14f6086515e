#pragma once
// The Hugging Face hub cache, shared with Python's huggingface_hub: where it is, which QLIP
// models it holds, and how a repo id ("nvidia/QLIP-B-16-256") becomes a snapshot folder.
// Layout (huggingface_hub's "cache system"):
//   <root>/models--ORG--NAME/blobs/<etag>                 file contents, named by ETag (sha256 for LFS)
//   <root>/models--ORG--NAME/refs/<revision>              text: the commit hash of a branch or tag
//   <root>/models--ORG--NAME/snapshots/<commit>/<file>    relative symlink to ../../blobs/<etag>
//   <root>/models--ORG--NAME/.no_exist/<commit>/<file>    empty: the file is known to be absent
// Qt-free and torch-free; paths go through std::filesystem (UTF-8).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace qlip::hub {

namespace fs = std::filesystem;

// UTF-8 text of a path and back (std::filesystem's u8 functions use char8_t in C++20).
std::string pathString(const fs::path& p);
fs::path pathFromUtf8(const std::string& s);

// $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub (%USERPROFILE% on Windows).
fs::path cacheRoot();
fs::path hfHome(); // $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface
// Folders added by the user: $QLIPX_MODEL_PATH (':'-separated, ';' on Windows) and the lines of
// userFoldersFile(). Each is a model folder or a folder of model folders.
fs::path userFoldersFile(); // $XDG_CONFIG_HOME/qlip-explorer/model-folders.txt (%APPDATA% on Windows)
std::vector<fs::path> userFolders();
void addUserFolder(const fs::path& folder);    // no-op when already listed
bool removeUserFolder(const fs::path& folder); // false when it was not listed

// The files the engine reads from a model folder. Required: config.json, model.safetensors;
// the others are optional (without vocab.json + merges.txt text queries are unavailable).
const std::vector<std::string>& modelFiles();
bool isRequiredFile(const std::string& name);

// The released QLIP checkpoints and their approximate download size (bytes of the five files).
struct OfficialModel {
    std::string repoId;
    uint64_t approxBytes;
};
const std::vector<OfficialModel>& officialModels();

// "ORG/NAME" with [A-Za-z0-9._-] parts, no "..", optional "@REVISION" suffix.
bool looksLikeRepoId(const std::string& s);
void splitRepoRevision(const std::string& s, std::string& repoId, std::string& revision); // revision "" when none
std::string repoFolderName(const std::string& repoId);                                    // "models--ORG--NAME"
bool isCommitHash(const std::string& s);                                                  // 40 lowercase hex digits
// "ORG/NAME" when `folder` is <root>/models--ORG--NAME/snapshots/<rev>; "" otherwise.
std::string repoIdOfSnapshot(const fs::path& folder);

struct ModelEntry {
    enum class Source { HubCache, UserFolder, Embedded, Official };
    Source source = Source::HubCache;
    std::string repoId;                  // hub: "ORG/NAME"; folders: the folder's name
    std::string revision;                // hub: the commit hash of the snapshot
    std::vector<std::string> refs;       // hub: branches/tags that point at it ("main")
    fs::path folder;                     // empty for an official model that is not downloaded
    uint64_t bytes = 0;                  // size of the files present (each blob counted once)
    bool usable = false;                 // config.json + model.safetensors present
    bool complete = false;               // every model file present (or known absent upstream)
    std::vector<std::string> missing;    // model files that are neither present nor known absent
    uint64_t partialBytes = 0;           // hub: bytes in interrupted downloads (blobs/*.incomplete)
    std::string status() const;          // "complete", "incomplete (no vocab.json)", "not downloaded", ...
};

// Every snapshot under `root` that holds at least one model file, newest commit first per repo.
std::vector<ModelEntry> scanCache(const fs::path& root);
// What one model folder (any folder) holds.
ModelEntry describeFolder(const fs::path& folder, ModelEntry::Source source);
// Hub cache + user folders (deduplicated by folder).
std::vector<ModelEntry> listModels();
// What a model picker offers: the embedded model (when `embeddedFolder` is not empty) first, then
// listModels(), then each official model that has no snapshot in the cache ("not downloaded").
std::vector<ModelEntry> modelsToOffer(const fs::path& embeddedFolder);

// The snapshot folder of `repoId` at `revision` ("" = main): refs/<revision>, a commit hash, or a
// unique prefix of one (7+ digits). nullopt when the cache has no such snapshot.
std::optional<fs::path> findSnapshot(const fs::path& root, const std::string& repoId, const std::string& revision = "");

// What `-m ARG` means: an existing folder as is; else a repo id ("ORG/NAME[@REV]") resolved in the
// cache; else a qlip::Error that says how to get the model (`qlipx download ...`).
std::string resolveModelArgument(const std::string& arg);

std::string formatBytes(uint64_t bytes); // "958 MB", "2.95 GB", "316 B"

} // namespace qlip::hub
