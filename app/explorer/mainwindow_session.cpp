// MainWindow's sessions: save/open (*.qlipxsession), autosave of the edits to a recovery file, the
// offer to restore it after a run that did not close, and the scripted start-up jobs.
#include "mainwindow.h"

#include "canvasview.h"
#include "editsession.h"
#include "sessionfile.h"

#include "qlip/error.h"

#include <QAction>
#include <QCoreApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonArray>
#include <QMessageBox>
#include <QPushButton>
#include <QStandardPaths>
#include <QStatusBar>

#include <cstdio>

namespace qlipx {

QString MainWindow::recoveryPath() {
    const QString over = qEnvironmentVariable("QLIPX_RECOVERY_FILE");
    if (!over.isEmpty()) return over;
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation);
    return dir + QStringLiteral("/recovery.qlipxsession");
}

SessionData MainWindow::currentSession() const {
    SessionData s;
    s.image = QFileInfo(m_result->path).absoluteFilePath();
    s.model = m_model ? QFileInfo(QString::fromStdString(m_model->folder)).absoluteFilePath() : QString();
    s.modelName = m_result->model;
    s.original = m_edits->original();
    s.original.latents.clear(); // the image is re-encoded on opening; margins come from there
    s.history = m_edits->history();
    s.historyIndex = m_edits->historyIndex();
    return s;
}

bool MainWindow::saveSession(const QString& path) {
    if (!m_result || m_edits->isEmpty()) {
        showError(tr("Cannot save the session"), tr("There are no tokens yet"));
        return false;
    }
    SessionData s = currentSession();
    if (const auto pick = m_canvas->pickedToken()) s.view[QStringLiteral("pick")] = QJsonArray{pick->row, pick->col};
    QJsonArray selection;
    for (int n : m_selection) selection.append(n);
    s.view[QStringLiteral("selection")] = selection;
    s.view[QStringLiteral("layer")] = m_canvas->layer() == CanvasView::Layer::Original ? QStringLiteral("original") : QStringLiteral("reconstruction");
    QDir().mkpath(QFileInfo(path).absolutePath());
    QString error;
    if (!saveSessionFile(path, s, &error)) {
        showError(tr("Cannot save the session"), error);
        return false;
    }
    return true;
}

bool MainWindow::autosaveNow() {
    if (!m_result || m_edits->isEmpty() || m_edits->historyIndex() == 0) return false;
    const QString path = recoveryPath();
    QDir().mkpath(QFileInfo(path).absolutePath());
    QString error;
    if (!saveSessionFile(path, currentSession(), &error)) {
        statusBar()->showMessage(tr("Autosave failed: %1").arg(error), 8000);
        return false;
    }
    return true;
}

void MainWindow::openSession(const QString& path) {
    try {
        auto pending = std::make_unique<PendingSession>();
        pending->data = loadSessionFile(path);
        pending->path = path;
        if (!QFileInfo::exists(pending->data.image))
            throw qlip::Error(tr("%1: its image %2 is missing").arg(path, pending->data.image).toStdString());
        const SessionData& d = pending->data;
        const bool sameModel = m_model && QFileInfo(QString::fromStdString(m_model->folder)).canonicalFilePath() == QFileInfo(d.model).canonicalFilePath();
        m_pendingSession = std::move(pending);
        if (!sameModel && !d.model.isEmpty()) {
            m_pendingImage = d.image; // encoded once the model is loaded
            openModel(d.model);
        } else {
            openImage(d.image);
        }
        statusBar()->showMessage(tr("Opening session %1 …").arg(QDir::toNativeSeparators(path)));
    } catch (const qlip::Error& e) {
        showError(tr("Cannot open the session"), QString::fromStdString(e.what())); // nothing on screen changes
    }
}

// Called with every encode result: when it is the session's image, its tokens and history replace
// the fresh encode. Returns true when a session was applied.
bool MainWindow::applyPendingSession(const EncodeResult& result) {
    if (!m_pendingSession || QFileInfo(result.path).canonicalFilePath() != QFileInfo(m_pendingSession->data.image).canonicalFilePath())
        return false;
    const auto pending = std::move(m_pendingSession);
    SessionData& d = pending->data;
    if (!d.original.sameShape(result.tokens)) {
        showError(tr("Cannot open the session"), tr("%1 holds %2×%3 tokens of %4 bits; this model makes %5×%6 of %7")
                                                      .arg(pending->path).arg(d.original.rows).arg(d.original.cols).arg(d.original.bits)
                                                      .arg(result.tokens.rows).arg(result.tokens.cols).arg(result.tokens.bits));
        return false;
    }
    // The encoder's margins still describe the session's tokens when they are the same tokens.
    if (d.original.indices == result.tokens.indices) d.original.latents = result.tokens.latents;
    d.original.groupSize = result.tokens.groupSize;
    try {
        m_edits->restore(d.original, d.history, d.historyIndex);
    } catch (const qlip::Error& e) {
        showError(tr("Cannot open the session"), QString::fromStdString(e.what()));
        return false;
    }
    const QJsonArray pick = d.view.value(QStringLiteral("pick")).toArray();
    if (pick.size() == 2) pickToken(pick[0].toInt(), pick[1].toInt());
    std::vector<int> selection;
    for (const QJsonValue& v : d.view.value(QStringLiteral("selection")).toArray()) selection.push_back(v.toInt());
    if (!selection.empty()) selectTokens(selection);
    if (d.view.value(QStringLiteral("layer")).toString() == QLatin1String("reconstruction")) m_canvas->setLayer(CanvasView::Layer::Reconstruction);
    statusBar()->showMessage(tr("Session %1 restored: %2 edits").arg(QFileInfo(pending->path).fileName()).arg(d.historyIndex), 6000);
    return true;
}

void MainWindow::offerRecovery() {
    const QString path = recoveryPath();
    if (!QFileInfo::exists(path)) return;
    if (m_options.restoreRecovery) return openSession(path);
    if (!m_options.screenshot.isEmpty() || !m_options.dumpTokens.isEmpty()) return; // scripted runs never ask
    auto* box = new QMessageBox(QMessageBox::Question, tr("Restore edits?"),
                                tr("QLIP Explorer did not close properly last time. Restore the token edits it autosaved?"),
                                QMessageBox::NoButton, this);
    QPushButton* restore = box->addButton(tr("Restore"), QMessageBox::AcceptRole);
    box->addButton(tr("Discard"), QMessageBox::DestructiveRole);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::buttonClicked, this, [this, restore, path](QAbstractButton* b) {
        if (b == restore) openSession(path);
        else QFile::remove(path);
    });
    box->setWindowModality(Qt::NonModal);
    box->show();
}

void MainWindow::runStartupJobs() {
    if (!m_options.applyTokens.isEmpty()) {
        const QString tokensFile = std::exchange(m_options.applyTokens, QString());
        if (!loadTokens(tokensFile)) return;
        autosaveNow(); // the scripted edit is saved at once (tests kill the process right after)
        std::fprintf(stdout, "qlip-explorer: applied %s\n", qPrintable(tokensFile));
        std::fflush(stdout);
    }
    if (!m_options.dumpTokens.isEmpty()) {
        const QString out = std::exchange(m_options.dumpTokens, QString());
        const bool ok = saveTokens(out);
        std::fprintf(ok ? stdout : stderr, ok ? "qlip-explorer: wrote %s\n" : "qlip-explorer: cannot write %s\n", qPrintable(out));
        QCoreApplication::exit(ok ? 0 : 1);
        return;
    }
    // With --generate the screenshot shows the generation, once it has finished.
    if (!m_options.screenshot.isEmpty() && !m_generation.shootAfterRun) QTimer::singleShot(300, this, &MainWindow::finishScreenshot);
    maybeRunStartupGeneration(); // --generate waits for the first image
}

void MainWindow::chooseSaveSession() {
    const QString base = m_imagePath.isEmpty() ? QStringLiteral("session") : QFileInfo(m_imagePath).completeBaseName();
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Session"), base + QStringLiteral(".qlipxsession"),
                                                      tr("QLIP Explorer sessions (*.qlipxsession)"));
    if (!path.isEmpty() && saveSession(path)) statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(path)), 5000);
}

void MainWindow::chooseOpenSession() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Session"), QString(), tr("QLIP Explorer sessions (*.qlipxsession)"));
    if (!path.isEmpty()) openSession(path);
}

} // namespace qlipx
