// MainWindow's docks (layers, bit planes, inspector, statistics), the shared token pick, the HUD
// state, the model-load indicator, paste and the bit-plane exports.
#include "mainwindow.h"

#include "bitplaneview.h"
#include "canvasview.h"
#include "editsession.h"
#include "inspectorpanel.h"
#include "layerspanel.h"
#include "statscharts.h"
#include "statusreadout.h"

#include "qlip/processinfo.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileInfo>
#include <QMimeData>
#include <QProgressBar>
#include <QScrollArea>
#include <QStandardPaths>
#include <QStatusBar>
#include <QToolButton>
#include <QUrl>

namespace qlipx {

namespace {

// Resident memory of this process (Linux, Windows); empty where the system does not say.
QString residentMemoryText() {
    const uint64_t bytes = qlip::residentBytes();
    if (bytes == 0) return {};
    return QStringLiteral("RSS %1 MB").arg(double(bytes) / (1024.0 * 1024.0), 0, 'f', 0);
}

} // namespace

QScrollArea* inScrollArea(QWidget* content, QWidget* parent, int minimumWidth) {
    auto* scroll = new QScrollArea(parent);
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    if (minimumWidth > 0) scroll->setMinimumWidth(minimumWidth);
    return scroll;
}

namespace {

QDockWidget* makeDock(QMainWindow* window, const QString& title, const QString& name, QWidget* content, Qt::DockWidgetArea area) {
    auto* dock = new QDockWidget(title, window);
    dock->setObjectName(name); // saveState() needs it
    dock->setWidget(content);
    window->addDockWidget(area, dock);
    return dock;
}

} // namespace

void MainWindow::createDocks() {
    m_layers = new LayersPanel(m_canvas, this);
    m_planes = new BitPlaneView(this);
    m_inspector = new InspectorPanel(this);
    m_charts = new StatsCharts(this);
    // Layers left, the inspector right (it needs height for its 28 margins), bit planes and the
    // charts as tabs below, across the whole width (the charts lay themselves out in a row there).
    m_docks.layers = makeDock(this, tr("Layers"), QStringLiteral("layersDock"), m_layers, Qt::LeftDockWidgetArea);
    m_docks.inspector = makeDock(this, tr("Inspector"), QStringLiteral("inspectorDock"), m_inspector, Qt::RightDockWidgetArea);
    m_docks.planes = makeDock(this, tr("Bit Planes"), QStringLiteral("planesDock"), m_planes, Qt::BottomDockWidgetArea);
    // The charts choose one row, 2 x 2 or one column from their width; in a scroll area their
    // minimum height (a column needs 600 px) cannot make the window taller than the screen.
    m_docks.charts = makeDock(this, tr("Statistics"), QStringLiteral("chartsDock"), inScrollArea(m_charts, this), Qt::BottomDockWidgetArea);
    setCorner(Qt::BottomLeftCorner, Qt::BottomDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::BottomDockWidgetArea);
    tabifyDockWidget(m_docks.planes, m_docks.charts);
    m_docks.planes->raise();
    resizeDocks({m_docks.layers, m_docks.inspector}, {250, 320}, Qt::Horizontal);
    resizeDocks({m_docks.planes}, {270}, Qt::Vertical);

    // One pick, three views: a click anywhere moves it everywhere.
    connect(m_canvas, &CanvasView::tokenClicked, this, &MainWindow::pickToken);
    connect(m_planes, &BitPlaneView::tokenClicked, this, &MainWindow::pickToken);
    connect(m_inspector, &InspectorPanel::pickRequested, this, &MainWindow::pickToken);
    connect(m_planes, &BitPlaneView::tokenHovered, this, &MainWindow::onTokenHovered);
    connect(m_planes, &BitPlaneView::tokenHoverLeft, this, &MainWindow::onTokenHoverLeft);
}

void MainWindow::createLoadIndicator() {
    m_loadProgress = new QProgressBar(statusBar());
    m_loadProgress->setRange(0, 100);
    m_loadProgress->setMaximumWidth(160);
    m_loadProgress->setFormat(tr("loading %p%"));
    m_cancelLoad = new QToolButton(statusBar());
    m_cancelLoad->setText(tr("Cancel"));
    m_cancelLoad->setToolTip(tr("Stop loading this model and keep the current one (Esc)"));
    statusBar()->addPermanentWidget(m_loadProgress);
    statusBar()->addPermanentWidget(m_cancelLoad);
    m_loadProgress->hide();
    m_cancelLoad->hide();
    connect(m_cancelLoad, &QToolButton::clicked, this, &MainWindow::cancelModelLoad);
    connect(m_engine->worker(), &EngineWorker::modelLoadProgress, this, [this](const QString&, double fraction) {
        m_loadProgress->setValue(qRound(fraction * 100));
    });
}

void MainWindow::cancelModelLoad() {
    if (!m_loadingModel) return;
    m_engine->worker()->cancelLoad(); // thread-safe: an atomic flag the loader polls per tensor
    m_cancelLoad->setEnabled(false);
    statusBar()->showMessage(tr("Cancelling the model load …"));
}

void MainWindow::showResult(const EncodeResult& result) {
    m_layers->setBits(result.tokens.bits);
    m_editPanel->setBits(result.tokens.bits);
    m_layers->setQuality(result.psnr, result.ssim);
    m_editedRecon = result.reconstruction;
    m_editLatencyMs = -1;
    m_inspector->setTokenValues({}, {}); // a map of the previous image means nothing here
    if (m_selection.size() && !tokens().sameShape(result.tokens)) selectTokens({});
    m_edits->reset(result.tokens); // the views follow through onTokensChanged()
    updateHud();
}

void MainWindow::pickToken(int row, int col) {
    const bool valid = m_result && row >= 0 && col >= 0 && row < tokens().rows && col < tokens().cols;
    if (!valid) row = col = -1;
    m_canvas->setPickedToken(row, col);
    m_planes->setHighlightedToken(row, col);
    showInInspector(row, col);
}

void MainWindow::showInInspector(int row, int col) {
    m_inspector->setPick(row, col);
    if (!m_result || row < 0 || col < 0) {
        m_inspector->setPatch({});
        return;
    }
    // The patch the token covers, in the model's input image (or the generated sample on the canvas).
    const QImage& input = m_generation.shown >= 0 ? m_canvas->currentImage() : m_result->input;
    const int cellW = input.width() / tokens().cols, cellH = input.height() / tokens().rows;
    m_inspector->setPatch(input.copy(col * cellW, row * cellH, cellW, cellH));
}

void MainWindow::onTokenHovered(int row, int col) {
    // The canvas's tokens: the image's, or those of the generated sample it shows.
    const TokenData& t = m_canvas->tokenData();
    if (t.empty() || row < 0 || col < 0 || row >= t.rows || col >= t.cols) return;
    m_readout->setHoveredToken(row, col, t.cols, t.index(row, col), t.bits);
    // Until a token is picked (clicked), the inspector follows the mouse.
    if (!m_canvas->pickedToken()) showInInspector(row, col);
    updateHud();
}

void MainWindow::onTokenHoverLeft() {
    m_readout->clearHoveredToken();
    if (!m_canvas->pickedToken()) showInInspector(-1, -1);
    updateHud();
}

void MainWindow::updateHud() {
    HudState s;
    if (m_model) {
        s.model = QString::fromStdString(m_model->name);
        s.device = QString::fromStdString(m_model->device);
        s.precision = QString::fromStdString(m_model->precision);
    }
    s.memory = residentMemoryText();
    if (m_result) {
        s.encodeMs = m_result->encodeMs;
        s.decodeMs = m_result->decodeMs;
        s.editMs = m_editLatencyMs;
        const TokenData& t = m_canvas->tokenData(); // the image's tokens, or a generated sample's
        if (auto h = m_canvas->hoveredToken(); h && !t.empty())
            s.hovered = StatusReadout::formatToken(h->row, h->col, t.cols, t.index(h->row, h->col), t.bits);
    }
    const char* compare[] = {"", ", split", ", flicker"};
    s.view = QStringLiteral("%1%2, zoom %3 %")
                 .arg(m_canvas->layer() == CanvasView::Layer::Original ? QStringLiteral("original") : QStringLiteral("reconstruction"))
                 .arg(QLatin1String(compare[int(m_canvas->compare())]))
                 .arg(qRound(m_canvas->view().zoom() * 100));
    m_canvas->setHudState(s);
}

bool MainWindow::pasteImage() {
    const QMimeData* mime = QApplication::clipboard()->mimeData();
    if (!mime) return false;
    if (mime->hasUrls() && !mime->urls().isEmpty() && mime->urls().front().isLocalFile()) {
        openImage(mime->urls().front().toLocalFile());
        return true;
    }
    if (!mime->hasImage()) {
        statusBar()->showMessage(tr("The clipboard holds no image"), 5000);
        return false;
    }
    const QImage image = qvariant_cast<QImage>(mime->imageData());
    if (image.isNull()) return false;
    // The engine reads files: the pasted image is kept as a PNG in the cache folder, which also
    // lets "recent images" and the session bring it back.
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + QStringLiteral("/pasted");
    QDir().mkpath(dir);
    const QString path = dir + QStringLiteral("/pasted-%1.png").arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz")));
    if (!image.save(path, "PNG")) {
        showError(tr("Cannot paste"), tr("Could not write %1").arg(QDir::toNativeSeparators(path)));
        return false;
    }
    openImage(path);
    return true;
}

bool MainWindow::exportPlane(int plane, const QString& path, int scale) {
    const QImage img = m_planes->planeImage(plane);
    if (img.isNull()) {
        showError(tr("Cannot export"), tr("There is no bit plane %1 to export").arg(plane));
        return false;
    }
    if (!img.scaled(img.size() * std::max(scale, 1), Qt::IgnoreAspectRatio, Qt::FastTransformation).save(path, "PNG")) {
        showError(tr("Cannot export"), tr("Could not write %1").arg(QDir::toNativeSeparators(path)));
        return false;
    }
    statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(path)), 5000);
    return true;
}

int MainWindow::exportAllPlanes(const QString& folder, int scale) {
    const int bits = m_planes->tokens().bits;
    if (bits <= 0 || !QDir().mkpath(folder)) {
        showError(tr("Cannot export"), bits <= 0 ? tr("There are no bit planes yet") : tr("Cannot create %1").arg(folder));
        return -1;
    }
    const QString base = m_imagePath.isEmpty() ? QStringLiteral("tokens") : QFileInfo(m_imagePath).completeBaseName();
    int written = 0;
    for (int e = 0; e < bits; ++e) {
        const QString path = QStringLiteral("%1/%2-b%3.png").arg(folder, base).arg(e, 2, 10, QLatin1Char('0'));
        if (!exportPlane(e, path, scale)) return -1;
        ++written;
    }
    statusBar()->showMessage(tr("Saved %1 bit planes to %2").arg(written).arg(QDir::toNativeSeparators(folder)), 5000);
    return written;
}

} // namespace qlipx
