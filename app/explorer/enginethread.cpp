#include "enginethread.h"

namespace qlipx {

EngineThread::EngineThread(const qlip::EngineOptions& options) : m_worker(new EngineWorker(options)) {
    m_thread.setObjectName(QStringLiteral("qlip-engine"));
    m_worker->moveToThread(&m_thread);
    QObject::connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.start();
}

EngineThread::~EngineThread() {
    m_thread.quit();
    m_thread.wait();
}

void EngineThread::requestModel(const QString& folder) {
    QMetaObject::invokeMethod(m_worker, [w = m_worker, folder] { w->openModel(folder); }, Qt::QueuedConnection);
}

void EngineThread::requestEncode(const QString& path) {
    QMetaObject::invokeMethod(m_worker, [w = m_worker, path] { w->encodeImage(path); }, Qt::QueuedConnection);
}

void EngineThread::requestDecode(quint64 serial, const qlip::TokenGrid& tokens) {
    QMetaObject::invokeMethod(m_worker, [w = m_worker, serial, tokens] { w->decodeTokens(serial, tokens); }, Qt::QueuedConnection);
}

void EngineThread::requestSearch(quint64 job, const QString& folder, const QString& text, const QStringList& templates, int top) {
    m_worker->armCancellableJobs();
    QMetaObject::invokeMethod(m_worker, [=, w = m_worker] { w->searchFolder(job, folder, text, templates, top); }, Qt::QueuedConnection);
}

void EngineThread::requestFolderStats(quint64 job, const QString& folder, const QString& csvPath) {
    m_worker->armCancellableJobs();
    QMetaObject::invokeMethod(m_worker, [=, w = m_worker] { w->writeFolderStats(job, folder, csvPath); }, Qt::QueuedConnection);
}

void EngineThread::requestOcclusionMap(quint64 job, const QString& label, const QStringList& templates) {
    m_worker->armCancellableJobs();
    QMetaObject::invokeMethod(m_worker, [=, w = m_worker] { w->runOcclusionMap(job, label, templates); }, Qt::QueuedConnection);
}

void EngineThread::requestTokenMap(quint64 job, const QString& label, const QStringList& templates) {
    QMetaObject::invokeMethod(m_worker, [=, w = m_worker] { w->runTokenMap(job, label, templates); }, Qt::QueuedConnection);
}

void EngineThread::requestQuery(quint64 job, const QStringList& labels, const QStringList& templates, bool learnedScale) {
    QMetaObject::invokeMethod(m_worker, [=, w = m_worker] { w->runQuery(job, labels, templates, learnedScale); }, Qt::QueuedConnection);
}

void EngineThread::requestSensitivity(quint64 job, const qlip::TokenGrid& tokens, const std::vector<int>& bits) {
    m_worker->armCancellableJobs();
    QMetaObject::invokeMethod(m_worker, [w = m_worker, job, tokens, bits] { w->computeSensitivity(job, tokens, bits); }, Qt::QueuedConnection);
}

void EngineThread::requestOpenPrior(const QString& folder) {
    QMetaObject::invokeMethod(m_worker, [w = m_worker, folder] { w->openPrior(folder); }, Qt::QueuedConnection);
}

void EngineThread::requestGenerate(quint64 job, const qlip::GenerateRequest& request) {
    m_worker->noteGenerationRequest(job);
    QMetaObject::invokeMethod(m_worker, [w = m_worker, job, request] { w->generate(job, request); }, Qt::QueuedConnection);
}

void EngineThread::requestAdoptImage(const QString& path) {
    QMetaObject::invokeMethod(m_worker, [w = m_worker, path] { w->adoptImage(path); }, Qt::QueuedConnection);
}

} // namespace qlipx
