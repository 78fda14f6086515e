#include "mainwindow.h"

#include "bitplaneview.h"
#include "canvasview.h"
#include "inspectorpanel.h"
#include "layerspanel.h"
#include "querypanel.h"
#include "recentfiles.h"
#include "statusreadout.h"

#include <QAction>
#include <QCloseEvent>
#include <QCoreApplication>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileInfo>
#include <QKeyEvent>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QSettings>
#include <QProgressBar>
#include <QStatusBar>
#include <QToolButton>
#include <QTimer>

#include <cstdio>
#include <utility>

namespace qlipx {

namespace {
constexpr int kErrorMessageMs = 15000;
constexpr int kScreenshotTimeoutMs = 300000;
} // namespace

MainWindow::MainWindow(const StartupOptions& options, QWidget* parent)
    : QMainWindow(parent), m_options(options), m_engine(std::make_unique<EngineThread>(options.engine)) {
    setObjectName(QStringLiteral("MainWindow"));
    m_canvas = new CanvasView(this);
    setCentralWidget(m_canvas);
    m_readout = new StatusReadout(statusBar());
    m_recentImages = new RecentFiles(QStringLiteral("recent/images"), 12, this);
    m_recentModels = new RecentFiles(QStringLiteral("recent/models"), 8, this);
    setAcceptDrops(true);

    createDocks();
    createEditing();
    createQuery();
    createSearch();
    createGeneration();
    createActions();
    createMenus();
    createToolBar();
    createLoadIndicator();
    connectEngine();

    connect(m_canvas, &CanvasView::tokenHovered, this, [this](int row, int col, qint64) { onTokenHovered(row, col); });
    connect(m_canvas, &CanvasView::tokenHoverLeft, this, &MainWindow::onTokenHoverLeft);
    connect(m_canvas, &CanvasView::zoomChanged, m_readout, &StatusReadout::setZoom);
    connect(m_canvas, &CanvasView::zoomChanged, this, &MainWindow::updateHud);
    connect(m_canvas, &CanvasView::layerChanged, this, &MainWindow::updateHud);
    connect(m_canvas, &CanvasView::compareChanged, this, &MainWindow::updateHud);
    connect(m_recentImages, &RecentFiles::chosen, this, &MainWindow::openImage);
    connect(m_recentModels, &RecentFiles::chosen, this, &MainWindow::openModel);

    resize(1280, 800);
    if (m_options.restoreSession) restoreSession();
    if (m_options.windowSize.isValid()) resize(m_options.windowSize);
    applyStartupView();
    updateTitle();
    openStartupFiles();
    QTimer::singleShot(0, this, &MainWindow::offerRecovery);
}

MainWindow::~MainWindow() {
    // Join the engine thread before the widgets its queued results would reach go away; a
    // generation in progress is stopped rather than waited for.
    m_engine->worker()->cancelGeneration();
    m_engine.reset();
}

void MainWindow::applyStartupView() {
    const StartupOptions& o = m_options;
    if (o.showReconstruction) m_canvas->setLayer(CanvasView::Layer::Reconstruction);
    if (o.compare == QLatin1String("split")) m_canvas->setCompare(CanvasView::Compare::Split);
    if (o.compare == QLatin1String("flicker")) m_canvas->setCompare(CanvasView::Compare::Flicker);
    if (!o.coloring.isEmpty()) {
        TokenColoringOptions c = m_canvas->coloring();
        c.mode = o.coloring == QLatin1String("pca") ? TokenColoring::LatentPca
                 : o.coloring == QLatin1String("bits") ? TokenColoring::BitGroup
                                                       : TokenColoring::IndexHash;
        m_canvas->setColoring(c);
    }
    if (o.heat >= 0) m_canvas->setErrorOpacity(o.heat);
    if (o.hud) m_actions.hud->setChecked(true);
    if (o.dock == QLatin1String("statistics")) m_docks.charts->raise();
    if (o.dock == QLatin1String("planes")) m_docks.planes->raise();
    if (o.dock == QLatin1String("edit")) m_docks.edit->raise();
    if (o.dock == QLatin1String("query")) m_docks.query->raise();
    if (o.dock == QLatin1String("search")) m_docks.search->raise();
    if (o.dock == QLatin1String("generate")) m_docks.generate->raise();
}

void MainWindow::connectEngine() {
    EngineWorker* w = m_engine->worker();
    // `this` as context: the lambdas run on the GUI thread (queued).
    connect(w, &EngineWorker::modelLoading, this,
            [this](const QString& folder) { m_readout->setModelLoading(QDir::toNativeSeparators(folder)); });
    connect(w, &EngineWorker::modelLoaded, this, &MainWindow::onModelLoaded);
    connect(w, &EngineWorker::modelFailed, this, &MainWindow::onModelFailed);
    connect(w, &EngineWorker::modelLoadCancelled, this, [this](const QString& folder) {
        m_loadingModel = false;
        m_loadProgress->hide();
        m_cancelLoad->hide();
        if (m_model) m_readout->setModel(*m_model);
        statusBar()->showMessage(tr("Loading %1 was cancelled%2")
                                     .arg(QDir::toNativeSeparators(folder),
                                          m_model ? tr("; still using %1").arg(QString::fromStdString(m_model->name)) : QString()),
                                 kErrorMessageMs);
        if (!m_model) m_canvas->setPlaceholderText(tr("No model loaded. Open one with Ctrl+Shift+O."));
    });
    connect(w, &EngineWorker::encodeStarted, this, [this](quint64, const QString& path) {
        m_readout->setBusy(tr("encoding %1 …").arg(QFileInfo(path).fileName()));
    });
    connect(w, &EngineWorker::encodeFinished, this, &MainWindow::onEncodeFinished);
    connect(w, &EngineWorker::encodeFailed, this,
            [this](quint64, const QString& path, const QString& message) { onEncodeFailed(path, message); });
}

void MainWindow::openStartupFiles() {
    if (!m_options.session.isEmpty()) return openSession(m_options.session);
    QSettings settings;
    const auto remembered = [&](const char* key) {
        const QString v = m_options.restoreSession ? settings.value(QLatin1String(key)).toString() : QString();
        return !v.isEmpty() && QFileInfo::exists(v) ? v : QString();
    };
    QString model = m_options.model;
    if (model.isEmpty()) {
        model = remembered("session/lastModel");
        // Should last session's model fail to load, the default one is tried.
        if (!model.isEmpty()) m_fallbackModel = defaultModelFolder();
    }
    if (model.isEmpty()) model = defaultModelFolder();
    QString image = m_options.image;
    if (image.isEmpty()) image = remembered("session/lastImage");
    if (image.isEmpty()) image = defaultImage();

    m_pendingImage = image;
    if (model.isEmpty()) {
        m_canvas->setPlaceholderText(tr("No model folder was found.\nOpen one with File ▸ Open Model Folder (Ctrl+Shift+O)."));
        showError(tr("No model"), tr("No model folder was found. Open one with File ▸ Open Model Folder."));
    } else {
        openModel(model);
    }
}

void MainWindow::openModel(const QString& folder) {
    m_canvas->setPlaceholderText(tr("Loading model %1 …").arg(QDir::toNativeSeparators(folder)));
    statusBar()->showMessage(tr("Loading model %1 …").arg(QDir::toNativeSeparators(folder)));
    m_loadingModel = true;
    m_loadProgress->setValue(0);
    m_loadProgress->show();
    m_cancelLoad->setEnabled(true);
    m_cancelLoad->show();
    m_engine->requestModel(folder);
}

void MainWindow::openImage(const QString& path) {
    m_pendingImage = path;
    if (!m_model) {
        statusBar()->showMessage(tr("%1 will be encoded when a model is loaded").arg(QFileInfo(path).fileName()));
        return;
    }
    m_engine->requestEncode(path);
}

void MainWindow::onModelLoaded(const qlip::ModelInfo& model) {
    m_loadingModel = false;
    m_loadProgress->hide();
    m_cancelLoad->hide();
    m_model = model;
    m_recentModels->add(QString::fromStdString(model.folder));
    m_fallbackModel.clear();
    m_readout->setModel(model);
    statusBar()->showMessage(tr("Model %1 loaded").arg(QString::fromStdString(model.name)), 5000);
    for (const auto& w : model.warnings) statusBar()->showMessage(tr("Warning: %1").arg(QString::fromStdString(w)), kErrorMessageMs);
    Q_EMIT modelChanged(model);
    // Show the current image (or the one waiting) through the new model.
    const QString image = !m_pendingImage.isEmpty() ? m_pendingImage : m_imagePath;
    m_canvas->setPlaceholderText(image.isEmpty() ? tr("Drop an image here, or open one with Ctrl+O.") : tr("Encoding …"));
    if (!image.isEmpty()) openImage(image);
}

void MainWindow::onModelFailed(const QString& folder, const QString& message) {
    m_loadingModel = false;
    m_loadProgress->hide();
    m_cancelLoad->hide();
    const QString fallback = std::exchange(m_fallbackModel, QString());
    if (!m_model && !fallback.isEmpty() && fallback != folder) {
        statusBar()->showMessage(tr("Cannot open %1 (%2); opening the default model").arg(folder, message), kErrorMessageMs);
        openModel(fallback);
        return;
    }
    if (m_model) m_readout->setModel(*m_model); // the previous model stays
    const QString keep = m_model ? tr("\n\nStill using %1.").arg(QString::fromStdString(m_model->name)) : QString();
    if (!m_model) m_canvas->setPlaceholderText(tr("Cannot open model %1:\n%2\n\nOpen another with Ctrl+Shift+O.").arg(folder, message));
    showError(tr("Cannot open model %1").arg(QDir::toNativeSeparators(folder)), message + keep);
}

void MainWindow::onEncodeFinished(const EncodeResult& result) {
    if (!m_model) return;
    if (result.path == m_pendingImage) m_pendingImage.clear();
    m_result = result;
    m_imagePath = result.path;
    m_recentImages->add(result.path);
    showResult(result);
    applyPendingSession(result);
    m_readout->setEncodeTiming(result);
    statusBar()->showMessage(tr("%1 %2×%3 → input %4×%5")
                                 .arg(QFileInfo(result.path).fileName())
                                 .arg(result.sourceSize.width())
                                 .arg(result.sourceSize.height())
                                 .arg(result.input.width())
                                 .arg(result.input.height()),
                             8000);
    updateTitle();
    if (m_options.pickRow >= 0) pickToken(std::exchange(m_options.pickRow, -1), std::exchange(m_options.pickCol, -1));
    Q_EMIT imageShown(result.path);
    runStartupJobs();
}

void MainWindow::onEncodeFailed(const QString& path, const QString& message) {
    if (path == m_pendingImage) m_pendingImage.clear();
    m_readout->setBusy(tr("encode failed"));
    const QString keep = m_imagePath.isEmpty() ? QString() : tr("\n\nStill showing %1.").arg(QFileInfo(m_imagePath).fileName());
    if (m_imagePath.isEmpty()) m_canvas->setPlaceholderText(tr("Cannot encode %1:\n%2\n\nDrop another image here, or open one with Ctrl+O.").arg(QFileInfo(path).fileName(), message));
    showError(tr("Cannot encode %1").arg(QFileInfo(path).fileName()), message + keep);
    maybeRunStartupGeneration(); // --generate does not need the image
}

void MainWindow::showError(const QString& title, const QString& message) {
    statusBar()->showMessage(tr("%1: %2").arg(title, QString(message).replace(QLatin1Char('\n'), QLatin1Char(' '))),
                             kErrorMessageMs);
    Q_EMIT failed(message);
    if (!m_options.screenshot.isEmpty() || !m_options.dumpTokens.isEmpty()) {
        std::fprintf(stderr, "qlip-explorer: %s: %s\n", qPrintable(title), qPrintable(message));
        QTimer::singleShot(0, QCoreApplication::instance(), [] { QCoreApplication::exit(1); });
        return;
    }
    if (!isVisible()) return;
    auto* box = new QMessageBox(QMessageBox::Warning, title, title, QMessageBox::Ok, this);
    box->setInformativeText(message);
    box->setAttribute(Qt::WA_DeleteOnClose);
    // Not modal: the window stays usable (the current image and model are still there).
    box->setWindowModality(Qt::NonModal);
    box->show();
}

void MainWindow::updateTitle() {
    const QString app = QStringLiteral("QLIP Explorer");
    setWindowTitle(m_imagePath.isEmpty() ? app : QStringLiteral("%1 — %2").arg(QFileInfo(m_imagePath).fileName(), app));
}

bool MainWindow::exportView(const QString& path) {
    const QImage image = m_canvas->grabFramebuffer();
    if (image.isNull() || !image.save(path, "PNG")) {
        showError(tr("Cannot export"), tr("Could not write %1").arg(QDir::toNativeSeparators(path)));
        return false;
    }
    statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(path)), 5000);
    return true;
}

QPixmap MainWindow::windowShot() {
    // QWidget::grab() composes the canvas from its last texture, which can miss what was painted
    // over the GL image (selection, HUD); the canvas's own framebuffer grab renders it afresh.
    QPixmap shot = grab();
    QPainter painter(&shot);
    painter.drawImage(QRect(m_canvas->mapTo(this, QPoint(0, 0)), m_canvas->size()), m_canvas->grabFramebuffer());
    return shot;
}

void MainWindow::finishScreenshot() {
    // Wait (a little) for the decode of the newest edit, so the picture shows the current tokens.
    static int waits = 0;
    const bool queryPending = m_queryJob > (m_lastQuery ? m_lastQuery->job : 0) && m_query->resultText().isEmpty();
    if ((m_shownSerial != m_decodeSerial || queryPending) && ++waits < 100) {
        QTimer::singleShot(100, this, &MainWindow::finishScreenshot);
        return;
    }
    const QString path = m_options.screenshot;
    m_options.screenshot.clear();
    const bool ok = windowShot().save(path, "PNG");
    std::fprintf(ok ? stdout : stderr, ok ? "qlip-explorer: wrote %s\n" : "qlip-explorer: cannot write %s\n", qPrintable(path));
    QCoreApplication::exit(ok ? 0 : 1);
}

// ---- session and drag-and-drop ------------------------------------------------------------

void MainWindow::restoreSession() {
    QSettings s;
    restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(s.value(QStringLiteral("window/state")).toByteArray());
    const bool recon = s.value(QStringLiteral("view/layer")).toString() == QLatin1String("reconstruction");
    m_canvas->setLayer(recon ? CanvasView::Layer::Reconstruction : CanvasView::Layer::Original);
    m_canvas->setGridVisible(s.value(QStringLiteral("view/grid"), true).toBool());
    m_canvas->setGridOpacity(s.value(QStringLiteral("view/gridOpacity"), m_canvas->gridOpacity()).toDouble());
    m_canvas->setErrorOpacity(s.value(QStringLiteral("view/errorOpacity"), 0.0).toDouble());
    m_canvas->setErrorRange(s.value(QStringLiteral("view/errorRange"), m_canvas->errorRange()).toDouble());
    TokenColoringOptions coloring;
    coloring.mode = TokenColoring(std::clamp(s.value(QStringLiteral("view/coloring"), 0).toInt(), 0, 2)); // not Custom: its colours are not saved
    coloring.bitStart = s.value(QStringLiteral("view/bitStart"), 0).toInt();
    coloring.bitCount = s.value(QStringLiteral("view/bitCount"), 7).toInt();
    m_canvas->setColoring(coloring);
    m_actions.hud->setChecked(s.value(QStringLiteral("view/hud"), false).toBool());
    m_actions.grid->setChecked(m_canvas->gridVisible());
    m_layers->syncFromCanvas();
}

void MainWindow::saveWindowSession() const {
    QSettings s;
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), saveState());
    s.setValue(QStringLiteral("view/layer"), m_canvas->layer() == CanvasView::Layer::Reconstruction ? "reconstruction" : "original");
    s.setValue(QStringLiteral("view/grid"), m_canvas->gridVisible());
    s.setValue(QStringLiteral("view/gridOpacity"), m_canvas->gridOpacity());
    s.setValue(QStringLiteral("view/errorOpacity"), m_canvas->errorOpacity());
    s.setValue(QStringLiteral("view/errorRange"), m_canvas->errorRange());
    s.setValue(QStringLiteral("view/coloring"), int(m_canvas->coloring().mode));
    s.setValue(QStringLiteral("view/bitStart"), m_canvas->coloring().bitStart);
    s.setValue(QStringLiteral("view/bitCount"), m_canvas->coloring().bitCount);
    s.setValue(QStringLiteral("view/hud"), m_canvas->hudVisible());
    if (!m_imagePath.isEmpty()) s.setValue(QStringLiteral("session/lastImage"), QFileInfo(m_imagePath).absoluteFilePath());
    if (m_model) s.setValue(QStringLiteral("session/lastModel"), QFileInfo(QString::fromStdString(m_model->folder)).absoluteFilePath());
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (m_options.restoreSession) saveWindowSession();
    QFile::remove(recoveryPath()); // a clean exit: nothing to recover
    QMainWindow::closeEvent(event);
}

static QString droppedFile(const QMimeData* mime) {
    if (!mime || !mime->hasUrls() || mime->urls().isEmpty()) return {};
    const QUrl url = mime->urls().front();
    return url.isLocalFile() ? url.toLocalFile() : QString();
}

// A dropped file is an image to encode; a dropped folder with a config.json is a model.
static bool isModelFolder(const QString& path) { return QFileInfo(path).isDir() && QFileInfo::exists(path + "/config.json"); }

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    const QString file = droppedFile(event->mimeData());
    if (!file.isEmpty() && (QFileInfo(file).isFile() || isModelFolder(file))) event->acceptProposedAction();
}

void MainWindow::keyPressEvent(QKeyEvent* event) {
    const auto pick = m_canvas->pickedToken();
    int dRow = 0, dCol = 0;
    switch (event->key()) {
    case Qt::Key_Left: dCol = -1; break;
    case Qt::Key_Right: dCol = 1; break;
    case Qt::Key_Up: dRow = -1; break;
    case Qt::Key_Down: dRow = 1; break;
    case Qt::Key_Escape:
        if (m_loadingModel) return cancelModelLoad();
        return QMainWindow::keyPressEvent(event);
    default: return QMainWindow::keyPressEvent(event);
    }
    if (!m_result) return;
    const int row = pick ? std::clamp(pick->row + dRow, 0, tokens().rows - 1) : 0;
    const int col = pick ? std::clamp(pick->col + dCol, 0, tokens().cols - 1) : 0;
    pickToken(row, col);
    event->accept();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QString file = droppedFile(event->mimeData());
    if (file.isEmpty()) return;
    event->acceptProposedAction();
    if (isModelFolder(file)) openModel(file);
    else openImage(file);
}

} // namespace qlipx
