// MainWindow's actions, menus, tool bar and file dialogs.
#include "mainwindow.h"

#include "canvasview.h"

#include <QActionGroup>
#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QSlider>
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

const char* kImageFilter = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tga *.psd *.ppm *.pgm *.pnm);;All files (*)";

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
    connect(a.exportView, &QAction::triggered, this, &MainWindow::chooseExport);
    connect(a.quit, &QAction::triggered, this, &QWidget::close);

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
    connect(a.grid, &QAction::toggled, m_canvas, &CanvasView::setGridVisible);

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
    file->addActions({a.openImage, a.openModel});
    file->addSeparator();
    file->addAction(a.exportView);
    file->addSeparator();
    file->addAction(a.quit);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addActions({a.original, a.reconstruction, a.swapLayer});
    view->addSeparator();
    view->addAction(a.grid);
    view->addSeparator();
    view->addActions({a.zoomIn, a.zoomOut, a.fit, a.actualSize});
    view->addSeparator();
    view->addAction(a.fullScreen);
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
    bar->addAction(a.grid);

    auto* label = new QLabel(tr("  Token colours "), bar);
    m_opacity = new QSlider(Qt::Horizontal, bar);
    m_opacity->setRange(0, 100);
    m_opacity->setValue(qRound(m_canvas->gridOpacity() * 100));
    m_opacity->setFixedWidth(140);
    m_opacity->setToolTip(tr("Opacity of the per-token colours (a hash of each token's index)"));
    connect(m_opacity, &QSlider::valueChanged, this, [this](int v) { m_canvas->setGridOpacity(v / 100.0); });
    connect(a.grid, &QAction::toggled, m_opacity, &QWidget::setEnabled);
    bar->addWidget(label);
    bar->addWidget(m_opacity);
    bar->addSeparator();
    bar->addActions({a.fit, a.actualSize});
}

void MainWindow::chooseImage() {
    const QString dir = m_imagePath.isEmpty() ? QString() : QFileInfo(m_imagePath).absolutePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Image"), dir, tr(kImageFilter));
    if (!path.isEmpty()) openImage(path);
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

} // namespace qlipx
