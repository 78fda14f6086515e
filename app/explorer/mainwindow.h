#pragma once
// The explorer's main window: the canvas, File and View menus, a tool bar, the status readouts,
// drag-and-drop, and the session (QSettings). All model work goes to the engine thread; this
// class only posts requests and shows results.
#include "enginethread.h"
#include "startup.h"

#include <QMainWindow>

#include <memory>
#include <optional>

class QAction;
class QSlider;

namespace qlipx {

class CanvasView;
class StatusReadout;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(const StartupOptions& options, QWidget* parent = nullptr);
    ~MainWindow() override;

    CanvasView* canvas() const { return m_canvas; }
    StatusReadout* readout() const { return m_readout; }
    const std::optional<qlip::ModelInfo>& model() const { return m_model; }
    QString imagePath() const { return m_imagePath; } // the image on the canvas
    const std::optional<EncodeResult>& result() const { return m_result; }

public Q_SLOTS:
    void openImage(const QString& path);
    void openModel(const QString& folder);
    bool exportView(const QString& path);

Q_SIGNALS:
    void modelChanged(const qlip::ModelInfo& model);
    void imageShown(const QString& path); // an encode result is on the canvas
    void failed(const QString& message);  // a model or image could not be opened

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createActions();
    void createMenus();
    void createToolBar();
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

    StartupOptions m_options;
    std::unique_ptr<EngineThread> m_engine;
    CanvasView* m_canvas = nullptr;
    StatusReadout* m_readout = nullptr;
    QSlider* m_opacity = nullptr;

    std::optional<qlip::ModelInfo> m_model;
    std::optional<EncodeResult> m_result;
    QString m_imagePath;     // shown
    QString m_pendingImage;  // requested, waiting for a model or for its result
    QString m_fallbackModel; // tried once when last session's model fails at start-up

    struct Actions {
        QAction* openImage = nullptr;
        QAction* openModel = nullptr;
        QAction* exportView = nullptr;
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
