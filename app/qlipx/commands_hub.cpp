// qlipx models / qlipx download: the Hugging Face hub cache, shared with Python's huggingface_hub.
#include "commands.h"

#include "args.h"
#include "common.h"
#include "qlip/error.h"
#include "qlip/hub.h"
#include "qlip/hub_download.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#ifdef _WIN32
#include <io.h>
#define QLIPX_ISATTY _isatty
#define QLIPX_FILENO _fileno
#else
#include <unistd.h>
#define QLIPX_ISATTY isatty
#define QLIPX_FILENO fileno
#endif

namespace qlipx {
namespace {

namespace hub = qlip::hub;

std::atomic<bool> g_interrupted{false};
extern "C" void onInterrupt(int) { g_interrupted = true; }

std::string shortRevision(const hub::ModelEntry& e) {
    std::string r = e.revision.substr(0, 10);
    if (!e.refs.empty()) {
        r += " (";
        for (size_t i = 0; i < e.refs.size(); ++i) r += (i ? ", " : "") + e.refs[i];
        r += ")";
    }
    return r;
}

const char* sourceName(hub::ModelEntry::Source s) {
    switch (s) {
    case hub::ModelEntry::Source::HubCache: return "hub cache";
    case hub::ModelEntry::Source::UserFolder: return "added folder";
    case hub::ModelEntry::Source::Embedded: return "embedded";
    case hub::ModelEntry::Source::Official: return "hub";
    }
    return "";
}

std::string duration(double s) {
    char buf[32];
    if (s < 0) return "?";
    if (s < 60) std::snprintf(buf, sizeof buf, "%.0f s", s);
    else if (s < 3600) std::snprintf(buf, sizeof buf, "%d min %02d s", int(s) / 60, int(s) % 60);
    else std::snprintf(buf, sizeof buf, "%d h %02d min", int(s) / 3600, int(s) / 60 % 60);
    return buf;
}

} // namespace

int runModels(int argc, char** argv) {
    Args a("models", "[--add DIR | --remove DIR]",
           "List the QLIP models this machine has: the Hugging Face hub cache ($HF_HUB_CACHE, else\n"
           "$HF_HOME/hub, else ~/.cache/huggingface/hub), folders you added (--add, or $QLIPX_MODEL_PATH),\n"
           "the embedded model, and the official models not downloaded yet. A cached model is used with\n"
           "-m ORG/NAME (e.g. -m nvidia/QLIP-B-16-256, or ORG/NAME@REVISION).");
    a.option("add", 0, "DIR", "remember a model folder (or a folder of model folders)")
        .option("remove", 0, "DIR", "forget a folder added with --add");
    if (!a.parse(argc, argv)) return 0;
    if (a.has("add")) {
        const std::string dir = a.value("add");
        if (!hub::fs::is_directory(hub::pathFromUtf8(dir))) throw qlip::Error("models --add: '" + dir + "' is not a folder");
        hub::addUserFolder(hub::pathFromUtf8(dir));
        std::printf("added %s (listed in %s)\n", dir.c_str(), hub::pathString(hub::userFoldersFile()).c_str());
        return 0;
    }
    if (a.has("remove")) {
        const std::string dir = a.value("remove");
        if (!hub::removeUserFolder(hub::pathFromUtf8(dir))) throw qlip::Error("models --remove: '" + dir + "' was not added");
        std::printf("removed %s\n", dir.c_str());
        return 0;
    }
    const std::string embedded = defaultModelFolder();
    const auto models = hub::modelsToOffer(embedded.empty() ? hub::fs::path() : hub::pathFromUtf8(embedded));
    std::printf("hub cache: %s\n\n", hub::pathString(hub::cacheRoot()).c_str());
    std::printf("%-28s %-12s %-22s %9s  %s\n", "MODEL", "SOURCE", "REVISION", "SIZE", "STATUS");
    for (const auto& m : models) {
        const bool official = m.source == hub::ModelEntry::Source::Official;
        std::string size = hub::formatBytes(m.bytes);
        if (official) size.insert(size.begin(), '~'); // approximate: the hub's listing
        std::printf("%-28s %-12s %-22s %9s  %s\n", m.repoId.c_str(), sourceName(m.source),
                    m.revision.empty() ? "-" : shortRevision(m).c_str(), size.c_str(), m.status().c_str());
        if (official) std::printf("%-28s   get it with: qlipx download %s\n", "", m.repoId.c_str());
        else std::printf("%-28s   %s\n", "", hub::pathString(m.folder).c_str());
    }
    return 0;
}

int runDownload(int argc, char** argv) {
    Args a("download", "REPO [--revision R]",
           "Download a QLIP model from the Hugging Face hub into the hub cache (shared with Python's\n"
           "huggingface_hub), fetching only the files the engine reads: config.json, model.safetensors,\n"
           "preprocessor_config.json, vocab.json, merges.txt. An interrupted download resumes where it\n"
           "stopped; LFS files are checked against their sha256. Afterwards use it with -m REPO.\n"
           "Environment: HF_ENDPOINT (another hub or a mirror), HF_TOKEN (gated or private repos),\n"
           "HF_HUB_CACHE / HF_HOME (where the cache is), HF_HUB_DOWNLOAD_TIMEOUT (seconds).");
    a.option("revision", 0, "R", "branch, tag or commit", "main")
        .option("cache", 0, "DIR", "hub cache folder (default: $HF_HUB_CACHE, $HF_HOME/hub or ~/.cache/huggingface/hub)")
        .option("endpoint", 0, "URL", "hub address (default: $HF_ENDPOINT or https://huggingface.co)");
    if (!a.parse(argc, argv)) return 0;
    if (a.positionals().size() != 1) throw qlip::Error("download: give one REPO, e.g. nvidia/QLIP-B-16-256");
    auto transport = hub::makeCurlTransport();
    if (!transport)
        throw qlip::Error("this qlipx was built without libcurl, so it cannot download; install libcurl4-openssl-dev and rebuild, "
                          "or use the explorer's File > Models..., or Python's `huggingface-cli download` (same cache)");
    hub::DownloadOptions o;
    o.repoId = a.positionals()[0];
    o.revision = a.value("revision");
    if (a.has("cache")) o.cacheRoot = hub::pathFromUtf8(a.value("cache"));
    if (a.has("endpoint")) o.endpoint = a.value("endpoint");

    const bool tty = QLIPX_ISATTY(QLIPX_FILENO(stderr));
    auto lastLine = std::chrono::steady_clock::now() - std::chrono::hours(1);
    std::string lastFile;
    auto progress = [&](const hub::DownloadProgress& p) {
        if (g_interrupted) return false;
        const auto now = std::chrono::steady_clock::now();
        const bool newFile = p.file != lastFile;
        if (!tty && !newFile && p.stage != "done" && now - lastLine < std::chrono::seconds(5)) return true;
        lastLine = now;
        lastFile = p.file;
        if (p.stage == "downloading" || p.stage == "verifying" || p.stage == "reconnecting") {
            const double pct = p.total ? 100.0 * double(p.done) / double(p.total) : 0;
            std::fprintf(stderr, "%s%s (%d/%d)  %s of %s  %3.0f %%  %.1f MB/s  %s left%s%s", tty ? "\r\033[K" : "", p.file.c_str(),
                         p.fileIndex, p.fileCount, hub::formatBytes(p.done).c_str(), hub::formatBytes(p.total).c_str(), pct,
                         p.bytesPerSecond / 1e6, duration(p.etaSeconds).c_str(), p.stage == "downloading" ? "" : ("  " + p.stage).c_str(),
                         tty ? "" : "\n");
        } else if (p.stage != "done") {
            std::fprintf(stderr, "%s%s %s...%s", tty ? "\r\033[K" : "", p.stage.c_str(), o.repoId.c_str(), tty ? "" : "\n");
        }
        std::fflush(stderr);
        return true;
    };
    auto previous = std::signal(SIGINT, onInterrupt);
    hub::DownloadResult r;
    try {
        r = hub::download(*transport, o, progress);
    } catch (const qlip::Cancelled&) {
        std::signal(SIGINT, previous);
        std::fprintf(stderr, "%sdownload cancelled; what was received is kept and the next `qlipx download %s` resumes it\n",
                     tty ? "\r\033[K" : "", o.repoId.c_str());
        return 130;
    } catch (...) {
        std::signal(SIGINT, previous);
        if (tty) std::fprintf(stderr, "\n");
        throw;
    }
    std::signal(SIGINT, previous);
    if (tty) std::fprintf(stderr, "\r\033[K");
    if (r.upToDate()) {
        std::printf("%s@%s is already in the cache (%zu files): nothing to download\n", o.repoId.c_str(), r.commit.substr(0, 10).c_str(),
                    r.files.size());
    } else {
        std::printf("%s@%s: %d file%s downloaded, %s in %.1f s (%.1f MB/s)%s\n", o.repoId.c_str(), r.commit.substr(0, 10).c_str(),
                    r.fetched, r.fetched == 1 ? "" : "s", hub::formatBytes(r.bytesReceived).c_str(), r.seconds,
                    r.seconds > 0 ? double(r.bytesReceived) / r.seconds / 1e6 : 0.0,
                    r.bytesResumed ? (", resumed after " + hub::formatBytes(r.bytesResumed)).c_str() : "");
    }
    std::printf("snapshot: %s\nuse it with: -m %s%s\n", hub::pathString(r.snapshot).c_str(), o.repoId.c_str(),
                o.revision == "main" ? "" : ("@" + o.revision).c_str());
    return 0;
}

} // namespace qlipx
