// MainWindow's zero-shot text queries: the Query dock, its requests to the engine thread, and a
// re-run whenever a new image is on the canvas.
#include "mainwindow.h"

#include "querypanel.h"

#include "canvasview.h"
#include "inspectorpanel.h"
#include "tokencolor.h"

#include <QDockWidget>

#include <algorithm>
#include <QScrollArea>

namespace qlipx {

void MainWindow::createQuery() {
    m_query = new QueryPanel(this);
    m_docks.query = new QDockWidget(tr("Query"), this);
    m_docks.query->setObjectName(QStringLiteral("queryDock"));
    m_docks.query->setWidget(inScrollArea(m_query, this, m_query->minimumSizeHint().width() + 24));
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
    connect(m_query, &QueryPanel::mapRequested, this, [this](const QString& label, const QStringList& templates) {
        m_engine->requestTokenMap(++m_queryJob, label, templates);
    });
    connect(m_query, &QueryPanel::occlusionRequested, this, [this](const QString& label, const QStringList& templates) {
        m_query->setOcclusionRunning(true);
        m_engine->requestOcclusionMap(++m_queryJob, label, templates);
    });
    connect(m_query, &QueryPanel::mapRangeChanged, this, [this] {
        if (!m_tokenMap.empty() && m_canvas->coloring().mode == TokenColoring::Custom) showTokenMap(m_tokenMapLabel, m_tokenMap);
    });
    connect(m_query, &QueryPanel::occlusionCancelled, this, [this] { m_engine->worker()->cancelOcclusion(); });
    connect(m_engine->worker(), &EngineWorker::occlusionProgress, this, [this](quint64 job, double f) {
        if (job == m_queryJob) m_query->setMessage(tr("Occlusion map: %1 %").arg(qRound(f * 100)));
    });
    connect(m_engine->worker(), &EngineWorker::tokenMapFinished, this,
            [this](quint64 job, const QString& label, const std::vector<float>& map) {
                m_query->setOcclusionRunning(false);
                if (job == m_queryJob) showTokenMap(label, map);
            });
    connect(m_engine->worker(), &EngineWorker::queryFailed, this, [this](quint64 job, const QString& message) {
        m_query->setOcclusionRunning(false);
        if (job == m_queryJob) m_query->setMessage(message);
    });
    // A new image: its probabilities, if the dock is in view.
    connect(this, &MainWindow::imageShown, this, [this] {
        if (!m_docks.query->visibleRegion().isEmpty()) m_query->run();
    });
}

void MainWindow::showTokenMap(const QString& label, const std::vector<float>& map) {
    if (map.size() != size_t(tokens().count())) return;
    m_tokenMap = map;
    m_tokenMapLabel = label;
    m_inspector->setTokenValues(QStringLiteral("map"), map);
    // Colours from the map's own range, narrowed by the panel's range control.
    const auto [lo, hi] = std::minmax_element(map.begin(), map.end());
    const double from = *lo + m_query->rangeLow() * (*hi - *lo), to = *lo + m_query->rangeHigh() * (*hi - *lo);
    const double span = std::max(to - from, 1e-9);
    std::vector<QRgb> colors(map.size());
    for (size_t n = 0; n < map.size(); ++n) colors[n] = heatColor((map[n] - from) / span).rgb();
    m_canvas->setCustomTokenColors(colors);
    m_canvas->setColoring({TokenColoring::Custom, 0, 7});
    m_canvas->setGridVisible(true);
    if (m_canvas->gridOpacity() < 0.6) m_canvas->setGridOpacity(0.7);
    m_query->setMessage(tr("Where \"%1\" matches: cosine %2 (cold) to %3 (hot)").arg(label).arg(double(*lo), 0, 'f', 3).arg(double(*hi), 0, 'f', 3));
    Q_EMIT tokenMapShown();
}

} // namespace qlipx
