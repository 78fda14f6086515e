#pragma once
// Owns the engine thread and its EngineWorker. Requests are posted to the worker's queue and
// return at once; results arrive through the worker's signals (connect with a GUI-thread context
// and they are queued). Destruction stops the thread after the running job and deletes the
// worker (and so the engine) on that thread.
#include "engineworker.h"

#include <QThread>

namespace qlipx {

class EngineThread {
public:
    explicit EngineThread(const qlip::EngineOptions& options = {});
    ~EngineThread();
    EngineThread(const EngineThread&) = delete;
    EngineThread& operator=(const EngineThread&) = delete;

    EngineWorker* worker() const { return m_worker; }
    void requestModel(const QString& folder);
    void requestEncode(const QString& path);
    void requestDecode(quint64 serial, const qlip::TokenGrid& tokens);
    void requestSearch(quint64 job, const QString& folder, const QString& text, const QStringList& templates, int top);
    void requestFolderStats(quint64 job, const QString& folder, const QString& csvPath);
    void requestTokenMap(quint64 job, const QString& label, const QStringList& templates);
    void requestOcclusionMap(quint64 job, const QString& label, const QStringList& templates);
    void requestQuery(quint64 job, const QStringList& labels, const QStringList& templates, bool learnedScale);
    void requestSensitivity(quint64 job, const qlip::TokenGrid& tokens, const std::vector<int>& bits);
    void requestOpenPrior(const QString& folder);
    // `job` must be larger than every job requested before (cancelGeneration() relies on it).
    void requestGenerate(quint64 job, const qlip::GenerateRequest& request);
    void requestAdoptImage(const QString& path);

private:
    QThread m_thread;
    EngineWorker* m_worker; // deleted on its own thread when the thread finishes
};

} // namespace qlipx
