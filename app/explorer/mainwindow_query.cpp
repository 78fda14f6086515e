// MainWindow's zero-shot text queries: the Query dock, its requests to the engine thread, and a
// re-run whenever a new image is on the canvas.
#include "mainwindow.h"

#include "querypanel.h"

#include <QDockWidget>
#include <QScrollArea>

namespace qlipx {

void MainWindow::createQuery() {
    m_query = new QueryPanel(this);
    m_docks.query = new QDockWidget(tr("Query"), this);
    m_docks.query->setObjectName(QStringLiteral("queryDock"));
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(m_query);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setMinimumWidth(m_query->minimumSizeHint().width() + 24);
    m_docks.query->setWidget(scroll);
    addDockWidget(Qt::RightDockWidgetArea, m_docks.query);
    tabifyDockWidget(m_docks.inspector, m_docks.query);
    m_docks.inspector->raise();

    connect(m_query, &QueryPanel::queryRequested, this, [this](const QStringList& labels, const QStringList& templates, bool learned) {
        m_engine->requestQuery(++m_queryJob, labels, templates, learned);
    });
    connect(m_engine->worker(), &EngineWorker::queryFinished, this, [this](const QueryResult& r) {
        if (r.job != m_queryJob) return; // a newer query (or image) is on its way
        m_lastQuery = r;
        m_query->setResult(r);
        Q_EMIT queryAnswered();
    });
    connect(m_engine->worker(), &EngineWorker::queryFailed, this, [this](quint64 job, const QString& message) {
        if (job == m_queryJob) m_query->setMessage(message);
    });
    // A new image: its probabilities, if the dock is in view.
    connect(this, &MainWindow::imageShown, this, [this] {
        if (!m_docks.query->visibleRegion().isEmpty()) m_query->run();
    });
}

} // namespace qlipx
