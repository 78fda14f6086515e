// MainWindow's actions, menus, tool bar and file dialogs.
#include "mainwindow.h"
#include "modelsdialog.h"

#include "aboutdialog.h"
#include "bitplaneview.h"
#include "canvasview.h"
#include "inspectorpanel.h"
#include "layerspanel.h"
#include "recentfiles.h"

#include <QActionGroup>
#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QDockWidget>
#include <QMenuBar>
#include <QToolBar>

namespace qlipx {

namespace {

QAction* makeAction(QObject* parent, const QString& text, const QList<QKeySequence>& keys, const QString& tip = {}) {
    auto* a = new QAction(text, parent);
    a->setShortcuts(keys);
    a->setToolTip(tip.isEmpty() ? text : tip);
    if (!keys.isEmpty()) a->setToolTip(QStringLiteral("%1 (%2)").arg(a->toolTip(), keys.front().toString(QKeySequence::NativeText)));
    return a;
}

const char* kImageFilter = "Images (*.png *.jpg *.jpeg *.webp *.tif *.tiff *.bmp *.gif *.tga *.psd *.ppm *.pgm *.pbm *.pnm);;All files (*)";

} // namespace

void MainWindow::createActions() {
    auto& a = m_actions;
    a.openImage = makeAction(this, tr("&Open Image…"), {QKeySequence::Open});
    a.openModel = makeAction(this, tr("Open &Model Folder…"), {QKeySequence(tr("Ctrl+Shift+O"))},
                             tr("Open a Hugging Face QLIP model folder"));
    a.exportView = makeAction(this, tr("&Export View as PNG…"), {QKeySequence(tr("Ctrl+E"))});
    a.quit = makeAction(this, tr("&Quit"), {QKeySequence::Quit});
    connect(a.openImage, &QAction::triggered, this, &MainWindow::chooseImage);
    connect(a.openModel, &QAction::triggered, this, &MainWindow::chooseModel);
    a.models = makeAction(this, tr("Mo&dels…"), {QKeySequence(tr("Ctrl+M"))},
                          tr("Models in the Hugging Face cache and added folders; download the official QLIP models"));
    connect(a.models, &QAction::triggered, this, &MainWindow::showModels);
    connect(a.exportView, &QAction::triggered, this, &MainWindow::chooseExport);
    connect(a.quit, &QAction::triggered, this, &QWidget::close);
    a.exportPlane = makeAction(this, tr("Export &Bit Plane as PNG…"), {}, tr("The selected bit plane, one square per token"));
    a.exportAllPlanes = makeAction(this, tr("Export &All Bit Planes…"), {}, tr("Every bit plane as PNG files in a folder"));
    connect(a.exportPlane, &QAction::triggered, this, &MainWindow::chooseExportPlane);
    connect(a.exportAllPlanes, &QAction::triggered, this, &MainWindow::chooseExportAllPlanes);
    a.paste = makeAction(this, tr("&Paste Image"), {QKeySequence::Paste}, tr("Encode the image on the clipboard"));
    connect(a.paste, &QAction::triggered, this, &MainWindow::pasteImage);
    a.goToToken = makeAction(this, tr("&Go to Token…"), {QKeySequence(tr("Ctrl+G"))}, tr("Pick a token by row and column"));
    connect(a.goToToken, &QAction::triggered, this, &MainWindow::goToToken);

    a.original = makeAction(this, tr("&Original"), {QKeySequence(Qt::Key_1)}, tr("Show the model's input: the image resized and centre-cropped as the model saw it"));
    a.reconstruction = makeAction(this, tr("&Reconstruction"), {QKeySequence(Qt::Key_2)}, tr("Show the image decoded from the tokens"));
    auto* layers = new QActionGroup(this);
    for (QAction* l : {a.original, a.reconstruction}) {
        l->setCheckable(true);
        layers->addAction(l);
    }
    a.original->setChecked(true);
    a.swapLayer = makeAction(this, tr("S&wap Original/Reconstruction"), {QKeySequence(Qt::Key_T)});
    connect(a.original, &QAction::triggered, this, [this] { m_canvas->setLayer(CanvasView::Layer::Original); });
    connect(a.reconstruction, &QAction::triggered, this, [this] { m_canvas->setLayer(CanvasView::Layer::Reconstruction); });
    connect(a.swapLayer, &QAction::triggered, m_canvas, &CanvasView::toggleLayer);
    connect(m_canvas, &CanvasView::layerChanged, this, [this](CanvasView::Layer layer) {
        (layer == CanvasView::Layer::Original ? m_actions.original : m_actions.reconstruction)->setChecked(true);
    });

    a.grid = makeAction(this, tr("Token &Grid"), {QKeySequence(Qt::Key_G)}, tr("Show token borders and colours"));
    a.grid->setCheckable(true);
    a.grid->setChecked(true);
    connect(a.grid, &QAction::toggled, this, [this](bool on) {
        m_canvas->setGridVisible(on);
        m_layers->syncFromCanvas();
    });
    connect(m_layers, &LayersPanel::gridToggled, a.grid, &QAction::setChecked);

    a.compareSplit = makeAction(this, tr("&Split Compare"), {QKeySequence(Qt::Key_C)},
                                tr("Original left of the divider, reconstruction right of it; drag the divider"));
    a.compareFlicker = makeAction(this, tr("&Flicker Compare"), {QKeySequence(Qt::Key_F)}, tr("Alternate original and reconstruction"));
    for (QAction* c : {a.compareSplit, a.compareFlicker}) c->setCheckable(true);
    connect(a.compareSplit, &QAction::triggered, this, [this](bool on) { m_canvas->setCompare(on ? CanvasView::Compare::Split : CanvasView::Compare::Off); });
    connect(a.compareFlicker, &QAction::triggered, this, [this](bool on) { m_canvas->setCompare(on ? CanvasView::Compare::Flicker : CanvasView::Compare::Off); });
    connect(m_canvas, &CanvasView::compareChanged, this, [this](CanvasView::Compare mode) {
        m_actions.compareSplit->setChecked(mode == CanvasView::Compare::Split);
        m_actions.compareFlicker->setChecked(mode == CanvasView::Compare::Flicker);
    });
    a.hud = makeAction(this, tr("&HUD"), {QKeySequence(Qt::Key_F3)}, tr("Frame and model timings, device and memory over the canvas"));
    a.hud->setCheckable(true);
    connect(a.hud, &QAction::toggled, this, [this](bool on) {
        updateHud();
        m_canvas->setHudVisible(on);
    });

    a.zoomIn = makeAction(this, tr("Zoom &In"), {QKeySequence::ZoomIn, QKeySequence(Qt::Key_Plus), QKeySequence(Qt::Key_Equal)});
    a.zoomOut = makeAction(this, tr("Zoom O&ut"), {QKeySequence::ZoomOut, QKeySequence(Qt::Key_Minus)});
    a.fit = makeAction(this, tr("&Fit"), {QKeySequence(tr("Ctrl+0"))}, tr("Fit the image to the window"));
    a.actualSize = makeAction(this, tr("&Actual Pixels"), {QKeySequence(tr("Ctrl+1"))}, tr("One image pixel per screen pixel"));
    a.fullScreen = makeAction(this, tr("F&ull Screen"), {QKeySequence(Qt::Key_F11)});
    a.fullScreen->setCheckable(true);
    connect(a.zoomIn, &QAction::triggered, m_canvas, &CanvasView::zoomIn);
    connect(a.zoomOut, &QAction::triggered, m_canvas, &CanvasView::zoomOut);
    connect(a.fit, &QAction::triggered, m_canvas, &CanvasView::fitToView);
    connect(a.actualSize, &QAction::triggered, m_canvas, &CanvasView::zoomOneToOne);
    connect(a.fullScreen, &QAction::toggled, this, [this](bool on) { on ? showFullScreen() : showNormal(); });
}

void MainWindow::createMenus() {
    auto& a = m_actions;
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(a.openImage);
    a.recentImages = file->addMenu(tr("Recent &Images"));
    connect(a.recentImages, &QMenu::aboutToShow, this, [this] { m_recentImages->populate(m_actions.recentImages); });
    file->addAction(a.paste);
    file->addSeparator();
    file->addAction(a.models);
    file->addAction(a.openModel);
    a.recentModels = file->addMenu(tr("Recent &Models"));
    connect(a.recentModels, &QMenu::aboutToShow, this, [this] { m_recentModels->populate(m_actions.recentModels); });
    file->addSeparator();
    file->addActions({a.openSession, a.saveSession});
    file->addSeparator();
    file->addActions({a.saveTokens, a.loadTokens});
    file->addSeparator();
    file->addActions({a.exportView, a.exportDecoded, a.exportPlane, a.exportAllPlanes});
    file->addSeparator();
    file->addAction(a.quit);
    // Fill them once now so their shortcuts and tests see entries before the first hover.
    m_recentImages->populate(a.recentImages);
    m_recentModels->populate(a.recentModels);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    edit->addActions({a.undo, a.redo});
    edit->addSeparator();
    edit->addAction(a.paste);
    edit->addAction(a.goToToken);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addActions({a.original, a.reconstruction, a.swapLayer});
    view->addActions({a.compareSplit, a.compareFlicker});
    view->addSeparator();
    view->addAction(a.grid);
    view->addAction(a.hud);
    view->addSeparator();
    for (QDockWidget* d : {m_docks.layers, m_docks.planes, m_docks.inspector, m_docks.charts, m_docks.edit, m_docks.query,
                           m_docks.search, m_docks.generate})
        view->addAction(d->toggleViewAction());
    view->addSeparator();
    view->addActions({a.zoomIn, a.zoomOut, a.fit, a.actualSize});
    view->addSeparator();
    view->addAction(a.fullScreen);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About QLIP Explorer"), this, [this] { AboutDialog(this).exec(); });
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

void MainWindow::createToolBar() {
    auto& a = m_actions;
    QToolBar* bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setMovable(false);
    bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    bar->addAction(a.openImage);
    bar->addSeparator();
    bar->addActions({a.original, a.reconstruction});
    bar->addSeparator();
    bar->addActions({a.compareSplit, a.compareFlicker});
    bar->addSeparator();
    bar->addAction(a.grid);
    bar->addAction(a.hud);
    bar->addSeparator();
    bar->addActions({a.fit, a.actualSize});
}

void MainWindow::chooseImage() {
    const QString dir = m_imagePath.isEmpty() ? QString() : QFileInfo(m_imagePath).absolutePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Image"), dir, tr(kImageFilter));
    if (!path.isEmpty()) openImage(path);
}

ModelsDialog* MainWindow::showModels() {
    if (!m_modelsDialog) {
        m_modelsDialog = new ModelsDialog(this);
        connect(m_modelsDialog, &ModelsDialog::openRequested, this, &MainWindow::openModel);
    } else {
        m_modelsDialog->refresh();
    }
    m_modelsDialog->show();
    m_modelsDialog->raise();
    m_modelsDialog->activateWindow();
    return m_modelsDialog;
}

void MainWindow::chooseModel() {
    const QString dir = m_model ? QString::fromStdString(m_model->folder) : QString();
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Open Model Folder"), dir);
    if (!folder.isEmpty()) openModel(folder);
}

void MainWindow::chooseExport() {
    const QString layer = m_canvas->layer() == CanvasView::Layer::Original ? QStringLiteral("original") : QStringLiteral("reconstruction");
    const QString base = m_imagePath.isEmpty() ? QStringLiteral("view") : QFileInfo(m_imagePath).completeBaseName();
    const QString dir = m_imagePath.isEmpty() ? QString() : QFileInfo(m_imagePath).absolutePath();
    const QString path = QFileDialog::getSaveFileName(this, tr("Export View as PNG"), dir + QStringLiteral("/%1-%2.png").arg(base, layer),
                                                      tr("PNG images (*.png)"));
    if (!path.isEmpty()) exportView(path);
}

void MainWindow::chooseExportPlane() {
    const int plane = m_planes->currentPlane();
    if (plane < 0) {
        showError(tr("Cannot export"), tr("Select a bit plane first (click one in the Bit Planes dock)"));
        return;
    }
    const QString base = m_imagePath.isEmpty() ? QStringLiteral("tokens") : QFileInfo(m_imagePath).completeBaseName();
    const QString dir = m_imagePath.isEmpty() ? QString() : QFileInfo(m_imagePath).absolutePath();
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Bit Plane"),
                                                      dir + QStringLiteral("/%1-b%2.png").arg(base).arg(plane, 2, 10, QLatin1Char('0')),
                                                      tr("PNG images (*.png)"));
    if (!path.isEmpty()) exportPlane(plane, path);
}

void MainWindow::chooseExportAllPlanes() {
    const QString dir = m_imagePath.isEmpty() ? QString() : QFileInfo(m_imagePath).absolutePath();
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Export All Bit Planes to Folder"), dir);
    if (!folder.isEmpty()) exportAllPlanes(folder);
}

void MainWindow::goToToken() {
    m_docks.inspector->show();
    m_docks.inspector->raise();
    m_inspector->showGoTo();
}

} // namespace qlipx
