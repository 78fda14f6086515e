// HttpTransport over libcurl, for qlipx (Qt-free). Built only when CMake found libcurl.
#include "qlip/hub_download.h"

#ifdef QLIP_HAVE_CURL
#include <curl/curl.h>

#include <algorithm>
#include <mutex>

namespace qlip::hub {
namespace {

struct Transfer {
    const BodySink* sink = nullptr;
    HttpResponse response;
    CURL* curl = nullptr;
    bool begun = false;
    bool aborted = false; // the sink asked to stop (cancel or write error)
};

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
    size_t i = 0;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    return s.substr(i);
}

size_t onHeader(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::string line(data, size * count);
    if (line.rfind("HTTP/", 0) == 0) t->response.headers.clear(); // a new response (after a redirect)
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return char(std::tolower(c)); });
        t->response.headers[name] = trim(line.substr(colon + 1));
    }
    return size * count;
}

bool beginBody(Transfer* t) {
    if (t->begun) return true;
    t->begun = true;
    long status = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    t->response.status = int(status);
    if (t->sink->begin && !t->sink->begin(t->response)) t->aborted = true;
    return !t->aborted;
}

size_t onBody(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t n = size * count;
    long status = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    if (!t->sink || !*t->sink || status < 200 || status >= 300) { // error pages (small) and sink-less requests
        t->response.body.append(data, n);
        return n;
    }
    if (!beginBody(t) || !t->sink->data(data, n)) {
        t->aborted = true;
        return 0; // makes curl stop with CURLE_WRITE_ERROR
    }
    return n;
}

HttpResponse::Failure classify(CURLcode c) {
    switch (c) {
    case CURLE_OPERATION_TIMEDOUT: return HttpResponse::Failure::Timeout;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT: return HttpResponse::Failure::NoConnection;
    default: return HttpResponse::Failure::Other;
    }
}

class CurlTransport : public HttpTransport {
public:
    CurlTransport() {
        static std::once_flag once;
        std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    }

    HttpResponse perform(const HttpRequest& request, const BodySink& sink) override {
        Transfer t;
        t.sink = &sink;
        t.curl = curl_easy_init();
        if (!t.curl) {
            t.response.failure = HttpResponse::Failure::Other;
            t.response.failureText = "libcurl could not start";
            return t.response;
        }
        curl_slist* headers = nullptr;
        for (const auto& [k, v] : request.headers) headers = curl_slist_append(headers, (k + ": " + v).c_str());
        curl_easy_setopt(t.curl, CURLOPT_URL, request.url.c_str());
        curl_easy_setopt(t.curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(t.curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(t.curl, CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1L : 0L);
        curl_easy_setopt(t.curl, CURLOPT_MAXREDIRS, 10L);
        if (request.method == "HEAD") curl_easy_setopt(t.curl, CURLOPT_NOBODY, 1L);
        curl_easy_setopt(t.curl, CURLOPT_CONNECTTIMEOUT, long(request.timeoutSeconds));
        // A stall (under 1 byte/s for the timeout) is a timeout; a slow but moving transfer is not.
        curl_easy_setopt(t.curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(t.curl, CURLOPT_LOW_SPEED_TIME, long(request.timeoutSeconds));
        curl_easy_setopt(t.curl, CURLOPT_HEADERFUNCTION, onHeader);
        curl_easy_setopt(t.curl, CURLOPT_HEADERDATA, &t);
        curl_easy_setopt(t.curl, CURLOPT_WRITEFUNCTION, onBody);
        curl_easy_setopt(t.curl, CURLOPT_WRITEDATA, &t);
        const CURLcode code = curl_easy_perform(t.curl);
        long status = 0;
        curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &status);
        t.response.status = int(status);
        if (char* effective = nullptr; curl_easy_getinfo(t.curl, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK && effective)
            t.response.url = effective;
        if (t.aborted) {
            t.response.failure = HttpResponse::Failure::Cancelled;
            t.response.failureText = "stopped";
        } else if (code != CURLE_OK) {
            t.response.failure = classify(code);
            t.response.failureText = curl_easy_strerror(code);
        } else if (sink && status >= 200 && status < 300 && !t.begun && request.method != "HEAD") {
            beginBody(&t); // an empty body
        }
        curl_slist_free_all(headers);
        curl_easy_cleanup(t.curl);
        return t.response;
    }
};

} // namespace

std::unique_ptr<HttpTransport> makeCurlTransport() { return std::make_unique<CurlTransport>(); }
bool curlAvailable() { return true; }

} // namespace qlip::hub

#else

namespace qlip::hub {
std::unique_ptr<HttpTransport> makeCurlTransport() { return nullptr; }
bool curlAvailable() { return false; }
} // namespace qlip::hub

#endif
