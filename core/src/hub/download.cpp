// The hub's download protocol over any HttpTransport, writing the huggingface_hub cache layout.
#include "qlip/hub_download.h"

#include "hub/filelock.h"
#include "qlip/error.h"
#include "qlip/json.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <thread>

namespace qlip::hub {
namespace {

using Clock = std::chrono::steady_clock;

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

int envSeconds(const char* name, int fallback) {
    const std::string v = env(name);
    if (v.empty()) return fallback;
    char* end = nullptr;
    const double s = std::strtod(v.c_str(), &end);
    return end && *end == '\0' && s >= 1 && s <= 3600 ? int(s) : fallback;
}

// Percent-encoding of one URL path segment (RFC 3986 unreserved characters stay).
std::string encodeSegment(const std::string& s, bool keepSlash) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                           c == '.' || c == '~' || (keepSlash && c == '/');
        if (plain) out += char(c);
        else out += std::string("%") + hex[c >> 4] + hex[c & 15];
    }
    return out;
}

// "https://host:port" of a URL (scheme and authority), lower-case.
std::string originOf(const std::string& url) {
    const auto scheme = url.find("://");
    if (scheme == std::string::npos) return {};
    const auto pathStart = url.find('/', scheme + 3);
    std::string o = url.substr(0, pathStart);
    std::transform(o.begin(), o.end(), o.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return o;
}

// ETags come quoted, weak ones with "W/"; huggingface_hub names blobs by the bare value.
std::string normalizeEtag(std::string e) {
    if (e.rfind("W/", 0) == 0) e = e.substr(2);
    if (e.size() >= 2 && e.front() == '"' && e.back() == '"') e = e.substr(1, e.size() - 2);
    return e;
}

bool isSha256Hex(const std::string& s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool safeRelativeName(const std::string& name) {
    if (name.empty() || name.front() == '/' || name.find('\\') != std::string::npos || name.find(':') != std::string::npos) return false;
    for (const auto& part : fs::path(name)) if (part == ".." || part == ".") return false;
    return true;
}

uint64_t parseSize(const std::string& s) {
    if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return UINT64_MAX;
    return std::strtoull(s.c_str(), nullptr, 10);
}

uint64_t fileSizeOr0(const fs::path& p) {
    std::error_code ec;
    const auto n = fs::file_size(p, ec);
    return ec ? 0 : n;
}

struct RemoteFile {
    std::string name;
    std::string etag;        // blob name
    uint64_t size = 0;
    std::string url;         // where the bytes are (after an absolute redirect: the CDN)
    bool lfs = false;        // etag is the sha256 of the content
};

class Downloader {
public:
    Downloader(HttpTransport& t, const DownloadOptions& o, const DownloadCallback& cb) : t_(t), o_(o), cb_(cb) {
        if (o_.repoId.empty() || !looksLikeRepoId(o_.repoId) || o_.repoId.find('@') != std::string::npos)
            throw Error("'" + o_.repoId + "' is not a Hugging Face repo id (ORG/NAME, e.g. nvidia/QLIP-B-16-256)");
        if (o_.revision.empty()) o_.revision = "main";
        if (o_.cacheRoot.empty()) o_.cacheRoot = cacheRoot();
        if (o_.endpoint.empty()) o_.endpoint = defaultEndpoint();
        while (!o_.endpoint.empty() && o_.endpoint.back() == '/') o_.endpoint.pop_back();
        if (o_.token.empty()) o_.token = defaultToken();
        if (o_.files.empty()) o_.files = modelFiles();
        metaTimeout_ = o_.metadataTimeoutSeconds > 0 ? o_.metadataTimeoutSeconds : envSeconds("HF_HUB_ETAG_TIMEOUT", 10);
        downloadTimeout_ = o_.downloadTimeoutSeconds > 0 ? o_.downloadTimeoutSeconds : envSeconds("HF_HUB_DOWNLOAD_TIMEOUT", 10);
        repoDir_ = o_.cacheRoot / repoFolderName(o_.repoId);
    }

    DownloadResult run();

private:
    // ---- requests
    HttpResponse send(const std::string& method, const std::string& url, bool follow, const BodySink& sink = {},
                      std::vector<std::pair<std::string, std::string>> extra = {}, int timeout = 0) {
        HttpRequest r;
        r.method = method;
        r.url = url;
        r.followRedirects = follow;
        r.timeoutSeconds = timeout ? timeout : metaTimeout_;
        r.headers = std::move(extra);
        r.headers.emplace_back("User-Agent", "qlip-explorer/0.1 (hub cache compatible with huggingface_hub)");
        // The token goes to the hub only, never to the CDN that a redirect points at.
        if (!o_.token.empty() && originOf(url) == originOf(o_.endpoint)) r.headers.emplace_back("Authorization", "Bearer " + o_.token);
        HttpResponse resp = t_.perform(r, sink);
        resp.timeoutSeconds = r.timeoutSeconds;
        if (resp.url.empty()) resp.url = url;
        return resp;
    }

    [[noreturn]] void fail(const HttpResponse& r, const std::string& file) const;
    void checkStatus(const HttpResponse& r, const std::string& file) const {
        if (r.failure == HttpResponse::Failure::Cancelled) throw Cancelled();
        if (r.failure != HttpResponse::Failure::None || r.status < 200 || r.status >= 400) fail(r, file);
    }

    // ---- steps
    void resolveRevision();
    RemoteFile fileMetadata(const std::string& name);
    void checkDiskSpace(const std::vector<RemoteFile>& fetch) const;
    void fetchBlob(const RemoteFile& f, const fs::path& blob);
    bool attempt(const RemoteFile& f, const fs::path& part, Sha256& hash, uint64_t& have);
    void link(const fs::path& blob, const fs::path& pointer, bool newBlob) const;

    // ---- progress
    void report(const std::string& stage, bool force);

    HttpTransport& t_;
    DownloadOptions o_;
    const DownloadCallback& cb_;
    int metaTimeout_ = 10, downloadTimeout_ = 10;
    fs::path repoDir_;
    std::string commit_;
    std::vector<std::string> siblings_;
    DownloadResult result_;
    DownloadProgress p_;
    Clock::time_point lastReport_{};
    std::deque<std::pair<Clock::time_point, uint64_t>> window_; // for the speed: (time, bytes received so far)
    uint64_t received_ = 0;
    HttpResponse lastFailure_;
};

void Downloader::fail(const HttpResponse& r, const std::string& file) const {
    const std::string host = originOf(r.url.empty() ? o_.endpoint : r.url);
    const std::string page = o_.endpoint + "/" + o_.repoId;
    using F = HttpResponse::Failure;
    if (r.failure == F::Timeout)
        throw Error("timed out talking to " + host + " (no answer within " + std::to_string(r.timeoutSeconds) +
                    " s); check the network or HF_ENDPOINT, or raise HF_HUB_ETAG_TIMEOUT / HF_HUB_DOWNLOAD_TIMEOUT");
    if (r.failure == F::NoConnection)
        throw Error("cannot reach " + host + ": " + r.failureText + ". No network? (HF_ENDPOINT selects another hub or a mirror)");
    if (r.failure != F::None) throw Error("the connection to " + host + " failed: " + r.failureText);
    const std::string code = r.header("x-error-code"), message = r.header("x-error-message");
    const std::string what = file.empty() ? "repository " + o_.repoId : "'" + file + "' of " + o_.repoId;
    const std::string said = message.empty() ? "" : " (the hub says: " + message + ")";
    if (r.status == 401) {
        const std::string gated = ": if it is gated, accept its licence at " + page + " while logged in, then set HF_TOKEN to an access token of that account";
        if (code == "GatedRepo")
            throw Error(o_.repoId + " is gated (401 unauthorized)" + said +
                        (o_.token.empty() ? ": accept its licence at " + page + " while logged in, then set HF_TOKEN to an access token of that account"
                                          : ": the token in HF_TOKEN was refused; accept the licence at " + page + " with the account the token belongs to") +
                        ".");
        throw Error(o_.repoId + ": 401 unauthorized" + said + ". The repository does not exist, or it is private or gated" +
                    (o_.token.empty() ? gated : ", and the token in HF_TOKEN has no access to it") + ".");
    }
    if (r.status == 403)
        throw Error(o_.repoId + " is gated or restricted (403)" + said + ": accept its licence at " + page +
                    " while logged in, and set HF_TOKEN to an access token of that account" +
                    (o_.token.empty() ? " (none is set)" : " (the one set was refused)") + ".");
    if (r.status == 404) {
        if (code == "RevisionNotFound") throw Error("revision '" + o_.revision + "' not found in " + o_.repoId + said);
        if (code == "EntryNotFound" || !file.empty()) throw Error(what + " not found at revision " + o_.revision + " (404)" + said);
        throw Error("repository " + o_.repoId + " not found on " + host + " (404)" + said + "; check the name");
    }
    if (r.status == 416) throw Error(what + ": the server refused the resume range (416)");
    if (r.status == 429) throw Error(host + " is rate-limiting requests (429); try again in a minute");
    if (r.status >= 500) throw Error(host + " answered " + std::to_string(r.status) + " (a server error) for " + what + "; try again later");
    throw Error(host + " answered " + std::to_string(r.status) + " for " + what + said);
}

void Downloader::report(const std::string& stage, bool force) {
    const auto now = Clock::now();
    if (!force && now - lastReport_ < std::chrono::milliseconds(100)) return;
    lastReport_ = now;
    window_.emplace_back(now, received_);
    while (window_.size() > 2 && now - window_.front().first > std::chrono::seconds(3)) window_.pop_front();
    const double span = std::chrono::duration<double>(now - window_.front().first).count();
    p_.bytesPerSecond = span > 0.2 ? double(received_ - window_.front().second) / span : 0;
    p_.etaSeconds = p_.bytesPerSecond > 0 && p_.total >= p_.done ? double(p_.total - p_.done) / p_.bytesPerSecond : -1;
    p_.stage = stage;
    if (cb_ && !cb_(p_)) throw Cancelled();
}

void Downloader::resolveRevision() {
    const std::string url = o_.endpoint + "/api/models/" + encodeSegment(o_.repoId, true) + "/revision/" + encodeSegment(o_.revision, false);
    HttpResponse r = send("GET", url, true);
    checkStatus(r, "");
    Json info;
    try {
        info = Json::parse(r.body, "the hub's answer for " + o_.repoId);
    } catch (const Error& e) {
        throw Error(std::string(e.what()) + " (is HF_ENDPOINT " + o_.endpoint + " a Hugging Face hub?)");
    }
    const Json* sha = info.find("sha");
    if (!sha || !sha->isString() || !isCommitHash(sha->asString()))
        throw Error("the hub's answer for " + o_.repoId + " has no commit hash ('sha'); is HF_ENDPOINT " + o_.endpoint + " a hub?");
    commit_ = sha->asString();
    if (const Json* s = info.find("siblings"); s && s->isArray())
        for (const Json& item : s->asArray())
            if (const Json* n = item.find("rfilename"); n && n->isString()) siblings_.push_back(n->asString());
}

RemoteFile Downloader::fileMetadata(const std::string& name) {
    std::string url = o_.endpoint + "/" + encodeSegment(o_.repoId, true) + "/resolve/" + commit_ + "/" + encodeSegment(name, true);
    for (int hop = 0;; ++hop) {
        HttpResponse r = send("HEAD", url, false, {}, {{"Accept-Encoding", "identity"}});
        checkStatus(r, name);
        const std::string location = r.header("location");
        if (r.status >= 300 && r.status < 400 && !location.empty() && location.front() == '/' && hop < 5) {
            url = originOf(url) + location; // a renamed repo: follow relative redirects, as huggingface_hub does
            continue;
        }
        RemoteFile f;
        f.name = name;
        if (const std::string c = r.header("x-repo-commit"); !c.empty() && c != commit_)
            throw Error("the hub changed " + o_.repoId + " during the download (commit " + c + " instead of " + commit_ + "); run it again");
        f.etag = normalizeEtag(!r.header("x-linked-etag").empty() ? r.header("x-linked-etag") : r.header("etag"));
        f.size = parseSize(!r.header("x-linked-size").empty() ? r.header("x-linked-size") : r.header("content-length"));
        f.url = r.status >= 300 && r.status < 400 && !location.empty() ? location : url;
        f.lfs = isSha256Hex(f.etag);
        if (f.etag.empty() || f.etag.find('/') != std::string::npos || f.etag.find('\\') != std::string::npos || f.etag == "..")
            throw Error("the hub sent no usable ETag for '" + name + "' of " + o_.repoId + "; cannot place it in the cache");
        if (f.size == UINT64_MAX) throw Error("the hub sent no size for '" + name + "' of " + o_.repoId);
        return f;
    }
}

void Downloader::checkDiskSpace(const std::vector<RemoteFile>& fetch) const {
    uint64_t need = 0;
    for (const auto& f : fetch) {
        const uint64_t have = fileSizeOr0(repoDir_ / "blobs" / (f.etag + ".incomplete"));
        need += f.size > have ? f.size - have : 0;
    }
    fs::path probe = repoDir_;
    std::error_code ec;
    while (!probe.empty() && !fs::exists(probe, ec)) probe = probe.parent_path();
    const auto space = fs::space(probe.empty() ? fs::current_path() : probe, ec);
    if (ec) return; // unknown: let the writes tell
    const uint64_t margin = o_.keepFreeBytes;
    if (space.available < need || space.available - need < margin)
        throw Error("not enough disk space for " + o_.repoId + ": it needs " + formatBytes(need) + " in " + pathString(o_.cacheRoot) +
                    ", and only " + formatBytes(space.available) + " are free (HF_HUB_CACHE selects another place)");
}

// One GET of the remaining bytes into `part`; false when the connection dropped and a retry may resume.
bool Downloader::attempt(const RemoteFile& f, const fs::path& part, Sha256& hash, uint64_t& have) {
    std::ofstream out(part, std::ios::binary | std::ios::app);
    if (!out) throw Error("cannot write '" + pathString(part) + "' (is the cache folder writable?)");
    bool restarted = false, writeFailed = false, cancelled = false;
    BodySink sink;
    sink.begin = [&](const HttpResponse& head) {
        if (have > 0 && head.status == 200) { // the server ignored the range: start over
            out.close();
            out.open(part, std::ios::binary | std::ios::trunc);
            p_.done -= have;
            have = 0;
            hash = Sha256();
            restarted = true;
        }
        return bool(out);
    };
    sink.data = [&](const char* data, size_t size) {
        out.write(data, std::streamsize(size));
        if (!out) { writeFailed = true; return false; }
        hash.update(data, size);
        have += size;
        p_.done += size;
        received_ += size;
        result_.bytesReceived += size;
        try { // never throw through the transport (C libraries, event loops)
            report("downloading", false);
        } catch (const Cancelled&) {
            cancelled = true;
            return false;
        }
        return true;
    };
    std::vector<std::pair<std::string, std::string>> headers = {{"Accept-Encoding", "identity"}};
    const uint64_t resumeFrom = have;
    if (have > 0) headers.emplace_back("Range", "bytes=" + std::to_string(have) + "-");
    HttpResponse r = send("GET", f.url, true, sink, headers, downloadTimeout_);
    out.close();
    lastFailure_ = r;
    if (writeFailed) throw Error("cannot write '" + pathString(part) + "': disk full or not writable");
    if (cancelled || r.failure == HttpResponse::Failure::Cancelled) throw Cancelled();
    if (r.failure == HttpResponse::Failure::None) checkStatus(r, f.name);
    if (resumeFrom > 0 && !restarted && r.status == 206) result_.bytesResumed += resumeFrom;
    return r.failure == HttpResponse::Failure::None;
}

void Downloader::fetchBlob(const RemoteFile& f, const fs::path& blob) {
    const fs::path part = fs::path(blob).concat(".incomplete");
    uint64_t have = fileSizeOr0(part);
    if (have > f.size) { // not ours to continue
        fs::remove(part);
        have = 0;
    }
    Sha256 hash;
    if (have > 0 && f.lfs) { // continue the hash over the bytes already there
        std::ifstream in(part, std::ios::binary);
        std::vector<char> buf(1 << 20);
        while (in) {
            in.read(buf.data(), std::streamsize(buf.size()));
            hash.update(buf.data(), size_t(in.gcount()));
        }
    }
    p_.done += have;
    if (f.size == 0) std::ofstream(part, std::ios::binary | std::ios::trunc); // nothing to fetch
    for (int tries = 0; have < f.size; ++tries) {
        report("downloading", true);
        // A transport may report a body cut short by a closed connection as a normal end (Qt
        // Network did, now and then): fewer bytes than announced is an interrupted transfer either
        // way, to be continued with a Range request, never a finished one.
        const bool ended = attempt(f, part, hash, have);
        if (ended && have >= f.size) break;
        if (tries >= o_.retries) {
            if (have == 0 && !ended) fail(lastFailure_, f.name); // never got a byte: say why (no network, timeout)
            const std::string why = ended ? "the connection closed early" : lastFailure_.failureText;
            throw Error("the download of '" + f.name + "' of " + o_.repoId + " stopped (" + why + ") after " +
                        formatBytes(have) + " of " + formatBytes(f.size) + "; the part received is kept: run the download again to resume");
        }
        for (int i = 0; i < 5 * (tries + 1); ++i) { // back off, still answering cancel
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            report("reconnecting", true);
        }
    }
    const uint64_t got = fileSizeOr0(part);
    if (got != f.size) {
        fs::remove(part);
        throw Error("'" + f.name + "' of " + o_.repoId + " arrived with " + std::to_string(got) + " bytes instead of " +
                    std::to_string(f.size) + "; the partial file was deleted, run the download again");
    }
    if (f.lfs) {
        report("verifying", true);
        const std::string digest = hash.hexDigest();
        if (digest != f.etag) {
            fs::remove(part);
            throw Error("'" + f.name + "' of " + o_.repoId + " is corrupt: its sha256 is " + digest + ", the hub says " + f.etag +
                        ". The download was deleted and nothing was linked; run it again");
        }
    }
    fs::rename(part, blob);
}

void Downloader::link(const fs::path& blob, const fs::path& pointer, bool newBlob) const {
    std::error_code ec;
    fs::create_directories(pointer.parent_path(), ec);
    if (fs::is_symlink(fs::symlink_status(pointer, ec)) || fs::exists(pointer, ec)) fs::remove(pointer, ec);
    // Relative, as huggingface_hub makes them, so the cache can be moved as a whole.
    fs::create_symlink(blob.lexically_relative(pointer.parent_path()), pointer, ec);
    if (!ec) return;
    // No symlinks (Windows without developer mode): huggingface_hub moves a new blob into the
    // snapshot and copies an existing one; so do we.
    ec.clear();
    if (newBlob) fs::rename(blob, pointer, ec);
    if (!newBlob || ec) fs::copy_file(blob, pointer, fs::copy_options::overwrite_existing, ec);
    if (ec) throw Error("cannot place '" + pathString(pointer) + "' in the cache: " + ec.message());
}

DownloadResult Downloader::run() {
    const auto start = Clock::now();
    if (const std::string off = env("HF_HUB_OFFLINE"); !off.empty() && off != "0" && off != "false")
        throw Error("HF_HUB_OFFLINE is set: downloads are disabled (unset it to download " + o_.repoId + ")");
    for (const auto& f : o_.files)
        if (!safeRelativeName(f)) throw Error("'" + f + "' is not a file name inside a repository");
    report("resolving", true);
    resolveRevision();
    std::error_code ec;
    fs::create_directories(repoDir_ / "blobs", ec);
    if (ec) throw Error("cannot create the cache folder '" + pathString((repoDir_ / "blobs")) + "': " + ec.message());
    if (o_.revision != commit_) { // refs/<revision> remembers the commit (huggingface_hub does the same)
        const fs::path ref = repoDir_ / "refs" / pathFromUtf8(o_.revision);
        fs::create_directories(ref.parent_path(), ec);
        std::ofstream(ref, std::ios::binary | std::ios::trunc) << commit_;
    }
    result_.commit = commit_;
    result_.snapshot = repoDir_ / "snapshots" / commit_;
    // Like huggingface_hub, the snapshot folder exists before any file arrives: cache scanners
    // (huggingface_hub's scan_cache_dir, @huggingface/hub's scanCacheDir) reject a repo without one.
    fs::create_directories(result_.snapshot, ec);

    // Only the files the engine reads, and of those only what the repository has.
    std::vector<std::string> wanted;
    for (const auto& f : o_.files) {
        if (std::find(siblings_.begin(), siblings_.end(), f) != siblings_.end()) { wanted.push_back(f); continue; }
        if (isRequiredFile(f)) {
            const bool sharded = std::find(siblings_.begin(), siblings_.end(), f + ".index.json") != siblings_.end();
            throw Error(o_.repoId + " has no " + f + " at revision " + o_.revision +
                        (sharded ? " (its weights are sharded, which the engine does not read)"
                                 : f == "model.safetensors" ? " (only safetensors weights are read; is it a QLIP model?)" : ""));
        }
        fs::create_directories(repoDir_ / ".no_exist" / commit_, ec); // known absent, as huggingface_hub records it
        std::ofstream(repoDir_ / ".no_exist" / commit_ / pathFromUtf8(f), std::ios::binary);
    }

    std::vector<RemoteFile> remote;
    for (const auto& name : wanted) {
        const fs::path pointer = result_.snapshot / pathFromUtf8(name);
        if (fs::is_regular_file(pointer, ec)) { // already in this snapshot: nothing to ask
            p_.done += fileSizeOr0(pointer);
            p_.total += fileSizeOr0(pointer);
            result_.files.push_back(name);
            continue;
        }
        report("checking", true);
        remote.push_back(fileMetadata(name));
        p_.total += remote.back().size;
    }
    std::vector<RemoteFile> fetch;
    for (const auto& f : remote)
        if (!fs::is_regular_file(repoDir_ / "blobs" / f.etag, ec)) fetch.push_back(f);
    checkDiskSpace(fetch);

    p_.fileCount = int(fetch.size());
    for (const auto& f : remote) {
        const fs::path blob = repoDir_ / "blobs" / f.etag;
        const fs::path pointer = result_.snapshot / pathFromUtf8(f.name);
        FileLock lock(o_.cacheRoot / ".locks" / repoFolderName(o_.repoId) / (f.etag + ".lock"));
        while (!lock.tryLock()) { // another process (maybe Python) is writing this blob
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            report("waiting for another download of " + f.name, true);
        }
        bool fresh = false;
        if (!fs::is_regular_file(blob, ec)) {
            p_.file = f.name;
            ++p_.fileIndex;
            fetchBlob(f, blob);
            ++result_.fetched;
            fresh = true;
        } else {
            p_.done += f.size;
        }
        link(blob, pointer, fresh);
        result_.files.push_back(f.name);
    }
    result_.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    p_.file.clear();
    report("done", true);
    return result_;
}

} // namespace

std::string HttpResponse::header(const std::string& lowerName) const {
    auto it = headers.find(lowerName);
    return it == headers.end() ? std::string() : it->second;
}

std::string defaultEndpoint() {
    std::string e = env("HF_ENDPOINT");
    if (e.empty()) e = "https://huggingface.co";
    while (!e.empty() && e.back() == '/') e.pop_back();
    return e;
}

std::string defaultToken() {
    if (auto t = env("HF_TOKEN"); !t.empty()) return t;
    if (auto t = env("HUGGING_FACE_HUB_TOKEN"); !t.empty()) return t; // the older name
    // `huggingface-cli login` writes $HF_HOME/token ($HF_TOKEN_PATH overrides).
    const fs::path file = env("HF_TOKEN_PATH").empty() ? hfHome() / "token" : pathFromUtf8(env("HF_TOKEN_PATH"));
    std::ifstream in(file, std::ios::binary);
    std::string token;
    std::getline(in, token);
    while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
    return token;
}

DownloadResult download(HttpTransport& transport, const DownloadOptions& options, const DownloadCallback& progress) {
    Downloader d(transport, options, progress);
    return d.run();
}

} // namespace qlip::hub
