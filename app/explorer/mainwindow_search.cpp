// MainWindow's folder search: the Search dock and its jobs on the engine thread.
#include "mainwindow.h"

#include "querypanel.h"
#include "searchpanel.h"
#include "statscharts.h"

#include <QDir>
#include <QDockWidget>
#include <QScrollArea>
#include <QFileDialog>
#include <QStatusBar>

namespace qlipx {

void MainWindow::createSearch() {
    m_search = new SearchPanel(this);
    m_docks.search = new QDockWidget(tr("Search"), this);
    m_docks.search->setObjectName(QStringLiteral("searchDock"));
    m_docks.search->setWidget(inScrollArea(m_search, this));
    addDockWidget(Qt::BottomDockWidgetArea, m_docks.search);
    tabifyDockWidget(m_docks.charts, m_docks.search);
    m_docks.planes->raise();

    connect(m_search, &SearchPanel::searchRequested, this, &MainWindow::searchFolder);
    connect(m_search, &SearchPanel::cancelRequested, this, [this] { m_engine->worker()->cancelSearch(); });
    connect(m_search, &SearchPanel::openRequested, this, &MainWindow::openImage);
    connect(m_search, &SearchPanel::statsRequested, this, [this](const QString& folder) {
        const QString csv = QFileDialog::getSaveFileName(this, tr("Save Token Statistics"), folder + QStringLiteral("/token-stats.csv"),
                                                         tr("CSV (*.csv)"));
        if (csv.isEmpty()) return;
        m_search->setBusy(true);
        m_engine->requestFolderStats(++m_searchJob, folder, csv);
    });
    connect(m_search, &SearchPanel::chartsRequested, this, &MainWindow::showFolderCharts);
    EngineWorker* w = m_engine->worker();
    connect(w, &EngineWorker::searchProgress, this, [this](quint64 job, int done, int total, const QString& path) {
        if (job == m_searchJob) m_search->setProgress(done, total, path);
    });
    connect(w, &EngineWorker::searchFinished, this, [this](const SearchResult& r) {
        if (r.job != m_searchJob) return;
        m_search->setBusy(false);
        m_search->setResult(r);
        m_lastSearch = r;
        Q_EMIT searchAnswered();
    });
    connect(w, &EngineWorker::searchFailed, this, [this](quint64 job, const QString& message) {
        if (job != m_searchJob) return;
        m_search->setBusy(false);
        m_search->setMessage(message == QLatin1String("cancelled") ? tr("Indexing cancelled; what was indexed is kept for next time") : message);
        Q_EMIT searchAnswered();
    });
    connect(w, &EngineWorker::folderStatsWritten, this, [this](quint64 job, const QString& csv) {
        if (job != m_searchJob) return;
        m_search->setBusy(false);
        m_search->setMessage(tr("Token statistics written to %1").arg(QDir::toNativeSeparators(csv)));
    });
}

void MainWindow::showFolderCharts() {
    if (!m_lastSearch || m_lastSearch->folderTokens.count() == 0) return m_search->setMessage(tr("Search the folder first"));
    const qlip::TokenGrid& g = m_lastSearch->folderTokens;
    m_charts->setTokens(toTokenData(g)); // no latents: the margin histogram stays empty
    m_docks.charts->raise();
    statusBar()->showMessage(tr("Statistics: all %1 images of %2 (a new image or edit shows its own again)")
                                 .arg(g.rows).arg(QDir::toNativeSeparators(m_lastSearch->folder)), 8000);
}

void MainWindow::searchFolder(const QString& folder, const QString& text) {
    if (!QFileInfo(folder).isDir()) return m_search->setMessage(tr("%1 is not a folder").arg(folder));
    m_search->setFolder(folder);
    if (!text.isEmpty()) m_search->setQueryText(text);
    m_search->setBusy(true);
    m_search->setMessage(text.isEmpty() ? tr("Indexing, then ranking by the current image …") : tr("Indexing, then searching …"));
    m_engine->requestSearch(++m_searchJob, folder, text, m_query->templates(), 48);
}

} // namespace qlipx
