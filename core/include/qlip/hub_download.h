#pragma once
// Downloads a model from the Hugging Face hub into the hub cache, exactly as huggingface_hub lays
// it out (see qlip/hub.h), so Python and QLIP Explorer share one copy. The protocol lives here;
// the HTTP transport is supplied by the caller: libcurl for qlipx (makeCurlTransport), Qt Network
// for the explorer. The download runs synchronously on the calling thread (a worker thread in
// the GUI); progress and cancel go through a callback.
//
// Protocol (huggingface_hub's snapshot_download / hf_hub_download):
//  1. GET  {endpoint}/api/models/{repo}/revision/{rev}  -> JSON "sha" (the commit) and "siblings"
//  2. HEAD {endpoint}/{repo}/resolve/{commit}/{file}    -> X-Repo-Commit, ETag or X-Linked-Etag
//     (LFS: the sha256), X-Linked-Size or Content-Length; an absolute redirect (302 to a CDN) gives
//     the download URL, a relative one (renamed repo) is followed
//  3. GET the file into blobs/{etag}.incomplete (HTTP Range resumes a partial one), check size and,
//     for LFS, the sha256, rename to blobs/{etag}, link snapshots/{commit}/{file} -> ../../blobs/{etag}
//  4. refs/{rev} holds the commit.
#include "qlip/hub.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace qlip::hub {

// ---- transport --------------------------------------------------------------------------------

struct HttpRequest {
    std::string method = "GET"; // "GET" or "HEAD"
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    bool followRedirects = true;
    int timeoutSeconds = 10;       // to connect, and then the longest wait for the next byte
};

struct HttpResponse {
    enum class Failure { None, Timeout, NoConnection, Other, Cancelled };
    Failure failure = Failure::None; // transport failure (then status is 0)
    std::string failureText;         // the transport's own words
    int status = 0;
    std::map<std::string, std::string> headers; // names lower-case
    std::string body;                // GET without a sink: the whole body
    std::string url;                 // the URL finally answered (after redirects)
    int timeoutSeconds = 0;          // the request's timeout (for messages)
    std::string header(const std::string& lowerName) const;
};

// Streams the body of a successful (2xx) GET: `begin` once with the status and headers (also for
// an empty body), then `data` per chunk. Either returns false to abort the transfer (cancel).
struct BodySink {
    std::function<bool(const HttpResponse& head)> begin;
    std::function<bool(const char* data, size_t size)> data;
    explicit operator bool() const { return bool(data); }
};

class HttpTransport {
public:
    virtual ~HttpTransport() = default;
    // Performs one request. With a sink, the body of a 2xx answer goes to the sink and not into
    // `body`; error bodies (4xx/5xx) always land in `body` (they are small).
    virtual HttpResponse perform(const HttpRequest& request, const BodySink& sink) = 0;
};

// libcurl transport; nullptr when qlipx was built without libcurl (curlAvailable() is false).
std::unique_ptr<HttpTransport> makeCurlTransport();
bool curlAvailable();

// ---- download ---------------------------------------------------------------------------------

struct DownloadOptions {
    std::string repoId;                // "ORG/NAME"
    std::string revision = "main";     // branch, tag or commit hash
    fs::path cacheRoot;                // empty: cacheRoot()
    std::string endpoint;              // empty: $HF_ENDPOINT, else https://huggingface.co
    std::string token;                 // empty: $HF_TOKEN, else the file $HF_HOME/token
    std::vector<std::string> files;    // empty: modelFiles() (only what the engine reads)
    int retries = 3;                   // per file, on a dropped connection (resumes with Range)
    uint64_t keepFreeBytes = 16ull << 20; // disk space that must stay free after the download
    int metadataTimeoutSeconds = 0;    // 0: $HF_HUB_ETAG_TIMEOUT, else 10
    int downloadTimeoutSeconds = 0;    // 0: $HF_HUB_DOWNLOAD_TIMEOUT, else 10 (longest silence)
};

struct DownloadProgress {
    std::string file;          // the file being fetched
    int fileIndex = 0;         // 1-based among the files to fetch
    int fileCount = 0;
    uint64_t done = 0;         // bytes of all files to fetch, present or received so far
    uint64_t total = 0;
    double bytesPerSecond = 0; // over the last seconds
    double etaSeconds = -1;    // -1: unknown
    std::string stage;         // "resolving", "checking", "downloading", "verifying", "done"
};
// Return false to cancel: download() then throws qlip::Cancelled, keeping the partial file for a
// later resume.
using DownloadCallback = std::function<bool(const DownloadProgress&)>;

struct DownloadResult {
    std::string commit;
    fs::path snapshot;             // snapshots/<commit>
    std::vector<std::string> files; // the files now in the snapshot
    int fetched = 0;               // files transferred in this run
    uint64_t bytesReceived = 0;    // over the network in this run
    uint64_t bytesResumed = 0;     // bytes of partial files that a Range request continued
    double seconds = 0;
    bool upToDate() const { return fetched == 0; }
};

// Throws qlip::Error with a message for the user (401/403 gated, 404 repo/revision/file, timeout,
// no network, not enough disk space, checksum mismatch), or qlip::Cancelled.
DownloadResult download(HttpTransport& transport, const DownloadOptions& options, const DownloadCallback& progress = {});

std::string defaultEndpoint(); // $HF_ENDPOINT or https://huggingface.co (no trailing slash)
std::string defaultToken();    // $HF_TOKEN, else $HF_TOKEN_PATH / $HF_HOME/token, else ""

// Lower-case hex SHA-256 (FIPS 180-4) of a byte stream, fed in pieces.
class Sha256 {
public:
    Sha256();
    void update(const void* data, size_t size);
    std::string hexDigest(); // finishes; the object must not be updated afterwards
private:
    void block(const uint8_t* p);
    uint32_t h_[8];
    uint8_t buffer_[64];
    size_t buffered_ = 0;
    uint64_t length_ = 0;
};
std::string sha256Hex(const std::string& bytes);
std::string sha256OfFile(const fs::path& file); // throws qlip::Error when unreadable

} // namespace qlip::hub
