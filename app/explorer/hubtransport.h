#pragma once
// The hub download protocol (qlip/hub_download.h) over Qt Network, for the explorer. perform()
// runs one request in a local event loop on the calling thread, which must be a worker thread
// (HubDownloader below): the GUI thread never waits on the network, never hashes or writes.
#include "qlip/hub_download.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <memory>

class QNetworkAccessManager;

namespace qlipx {

class QtHubTransport : public qlip::hub::HttpTransport {
public:
    QtHubTransport();
    ~QtHubTransport() override;
    qlip::hub::HttpResponse perform(const qlip::hub::HttpRequest& request, const qlip::hub::BodySink& sink) override;

private:
    std::unique_ptr<QNetworkAccessManager> m_network; // created on the thread that performs
};

// What the picker shows while a download runs.
struct HubProgress {
    QString file;
    int fileIndex = 0, fileCount = 0;
    qint64 done = 0, total = 0;
    double bytesPerSecond = 0;
    double etaSeconds = -1;
    QString stage;
};

// Runs qlip::hub::download on its own thread. start() returns at once; progress() and finished()
// arrive as queued signals on the thread that created the object. cancel() is thread-safe; a
// cancelled download keeps its partial file, and the next start() resumes it (HTTP Range).
class HubDownloader : public QObject {
    Q_OBJECT
public:
    explicit HubDownloader(QObject* parent = nullptr);
    ~HubDownloader() override; // cancels and waits for the thread

    void start(const QString& repoId, const QString& revision = QStringLiteral("main"));
    void cancel();
    bool running() const { return m_running; }

Q_SIGNALS:
    void progress(const qlipx::HubProgress& progress);
    // ok: snapshot is the model folder; cancelled: message empty; else message says why.
    void finished(bool ok, bool cancelled, const QString& snapshot, const QString& message, qint64 bytesReceived, qint64 bytesResumed,
                  double seconds);

private:
    std::atomic<bool> m_cancel{false};
    std::atomic<bool> m_running{false};
    class QThread* m_thread = nullptr;
};

} // namespace qlipx

Q_DECLARE_METATYPE(qlipx::HubProgress)
