#pragma once
// The explorer's main window: the canvas in the middle; docks for layers, bit planes, the token
// inspector and statistics; File, Edit and View menus, a tool bar, the status readouts, drag-and-
// drop and paste, recent files, and the session (QSettings). All model work goes to the engine
// thread; this class only posts requests and shows results. One token pick is shared by the
// canvas, the bit-plane view and the inspector.
#include "enginethread.h"
#include "startup.h"

#include <QMainWindow>

#include <memory>
#include <optional>

class QAction;
class QDockWidget;
class QMenu;
class QProgressBar;
class QToolButton;

namespace qlipx {

class BitPlaneView;
class CanvasView;
class InspectorPanel;
class LayersPanel;
class RecentFiles;
class StatsCharts;
class StatusReadout;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(const StartupOptions& options, QWidget* parent = nullptr);
    ~MainWindow() override;

    CanvasView* canvas() const { return m_canvas; }
    StatusReadout* readout() const { return m_readout; }
    LayersPanel* layers() const { return m_layers; }
    BitPlaneView* bitPlanes() const { return m_planes; }
    InspectorPanel* inspector() const { return m_inspector; }
    StatsCharts* charts() const { return m_charts; }
    QProgressBar* loadProgress() const { return m_loadProgress; }
    bool isLoadingModel() const { return m_loadingModel; }
    const std::optional<qlip::ModelInfo>& model() const { return m_model; }
    QString imagePath() const { return m_imagePath; } // the image on the canvas
    const std::optional<EncodeResult>& result() const { return m_result; }

public Q_SLOTS:
    void openImage(const QString& path);
    void openModel(const QString& folder);
    void cancelModelLoad();
    bool exportView(const QString& path);
    // One PNG per selected plane or all planes, `scale` screen pixels per token.
    bool exportPlane(int plane, const QString& path, int scale = 16);
    int exportAllPlanes(const QString& folder, int scale = 16); // files written; -1 on failure
    // Encodes the clipboard's image (or the image file it names); false when it holds neither.
    bool pasteImage();
    // Picks a token everywhere (canvas, bit planes, inspector); (-1, -1) clears the pick.
    void pickToken(int row, int col);

Q_SIGNALS:
    void modelChanged(const qlip::ModelInfo& model);
    void imageShown(const QString& path); // an encode result is on the canvas
    void failed(const QString& message);  // a model or image could not be opened

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override; // arrow keys move the token pick

private:
    void createActions();
    void createMenus();
    void createToolBar();
    void createDocks();
    void createLoadIndicator();
    void applyStartupView(); // --compare, --colour-by, --heat, --hud, --dock
    void showResult(const EncodeResult& result);
    void updateHud();
    void onTokenHovered(int row, int col);
    void onTokenHoverLeft();
    void showInInspector(int row, int col); // (-1, -1) clears it
    void connectEngine();
    void restoreSession();
    void saveSession() const;
    void openStartupFiles();

    void onModelLoaded(const qlip::ModelInfo& model);
    void onModelFailed(const QString& folder, const QString& message);
    void onEncodeFinished(const EncodeResult& result);
    void onEncodeFailed(const QString& path, const QString& message);
    void showError(const QString& title, const QString& message);
    void updateTitle();
    void finishScreenshot();

    void chooseImage();
    void chooseModel();
    void chooseExport();
    void chooseExportPlane();
    void chooseExportAllPlanes();
    void goToToken();

    StartupOptions m_options;
    std::unique_ptr<EngineThread> m_engine;
    CanvasView* m_canvas = nullptr;
    StatusReadout* m_readout = nullptr;
    LayersPanel* m_layers = nullptr;
    BitPlaneView* m_planes = nullptr;
    InspectorPanel* m_inspector = nullptr;
    StatsCharts* m_charts = nullptr;
    RecentFiles* m_recentImages = nullptr;
    RecentFiles* m_recentModels = nullptr;
    QProgressBar* m_loadProgress = nullptr;
    QToolButton* m_cancelLoad = nullptr;
    bool m_loadingModel = false;
    struct Docks {
        QDockWidget* layers = nullptr;
        QDockWidget* planes = nullptr;
        QDockWidget* inspector = nullptr;
        QDockWidget* charts = nullptr;
    } m_docks;

    std::optional<qlip::ModelInfo> m_model;
    std::optional<EncodeResult> m_result;
    QString m_imagePath;     // shown
    QString m_pendingImage;  // requested, waiting for a model or for its result
    QString m_fallbackModel; // tried once when last session's model fails at start-up

    struct Actions {
        QAction* openImage = nullptr;
        QAction* openModel = nullptr;
        QAction* exportView = nullptr;
        QAction* exportPlane = nullptr;
        QAction* exportAllPlanes = nullptr;
        QAction* paste = nullptr;
        QAction* goToToken = nullptr;
        QAction* hud = nullptr;
        QAction* compareSplit = nullptr;
        QAction* compareFlicker = nullptr;
        QMenu* recentImages = nullptr;
        QMenu* recentModels = nullptr;
        QAction* quit = nullptr;
        QAction* original = nullptr;
        QAction* reconstruction = nullptr;
        QAction* swapLayer = nullptr;
        QAction* grid = nullptr;
        QAction* zoomIn = nullptr;
        QAction* zoomOut = nullptr;
        QAction* fit = nullptr;
        QAction* actualSize = nullptr;
        QAction* fullScreen = nullptr;
    } m_actions;
};

} // namespace qlipx
