#pragma once
// The explorer's main window: the canvas in the middle; docks for layers, bit planes, the token
// inspector and statistics; File, Edit and View menus, a tool bar, the status readouts, drag-and-
// drop and paste, recent files, and the session (QSettings). All model work goes to the engine
// thread; this class only posts requests and shows results. One token pick is shared by the
// canvas, the bit-plane view and the inspector.
#include "editpanel.h"
#include "enginethread.h"
#include "sessionfile.h"
#include "tokencolor.h"
#include "tokendata.h"
#include "startup.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QMainWindow>
#include <QTimer>

#include <memory>
#include <optional>

class QAction;
class QDockWidget;
class QMenu;
class QProgressBar;
class QScrollArea;
class QToolButton;

namespace qlipx {

class BitPlaneView;
class EditSession;
class CanvasView;
class GeneratePanel;
class ModelsDialog;
class InspectorPanel;
class LayersPanel;
class QueryPanel;
class SearchPanel;
class RecentFiles;
class StatsCharts;
class StatusReadout;

// `content` in a frameless, resizable scroll area: a dock whose content has a tall minimum size
// must not make the whole window taller than the screen.
QScrollArea* inScrollArea(QWidget* content, QWidget* parent, int minimumWidth = 0);
// The engine's token grid as the widgets take it (a copy of plain values).
TokenData toTokenData(const qlip::TokenGrid& grid);

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
    EditSession* edits() const { return m_edits; }
    EditPanel* editPanel() const { return m_editPanel; }
    QueryPanel* queryPanel() const { return m_query; }
    const std::optional<QueryResult>& lastQuery() const { return m_lastQuery; }
    const std::vector<float>& tokenMap() const { return m_tokenMap; } // the last text map, per token
    SearchPanel* searchPanel() const { return m_search; }
    const std::optional<SearchResult>& lastSearch() const { return m_lastSearch; }
    // Indexes `folder` (incrementally) and ranks its images by `text`, or like the current image.
    void searchFolder(const QString& folder, const QString& text);
    // The last searched folder's token statistics (all images) in the Statistics dock.
    void showFolderCharts();
    // The tokens on screen: the encoded ones with the edits applied.
    const qlip::TokenGrid& tokens() const;
    // The reconstruction of the current tokens (the encode's until an edit is decoded).
    QImage editedReconstruction() const { return m_editedRecon; }
    quint64 decodedSerial() const { return m_shownSerial; }   // token state on screen ...
    quint64 tokensSerial() const { return m_decodeSerial; }   // ... and the newest one
    double lastEditLatencyMs() const { return m_editLatencyMs; }
    const std::vector<int>& selection() const { return m_selection; }
    const std::optional<qlip::ModelInfo>& model() const { return m_model; }
    QString imagePath() const { return m_imagePath; } // the image on the canvas
    const std::optional<EncodeResult>& result() const { return m_result; }
    // Generation (issue #7): the Generate dock, the prior, the newest run's stream and result.
    GeneratePanel* generatePanel() const { return m_generatePanel; }
    const PriorInfo& prior() const { return m_generation.prior; }
    bool isGenerating() const { return m_generation.running; }
    const std::optional<GenerationProgress>& generationProgress() const { return m_generation.progress; }
    const std::optional<GenerationResult>& lastGeneration() const { return m_generation.result; }
    int generatedSampleShown() const { return m_generation.shown; } // -1: the canvas shows the image being edited
    EngineWorker* engineWorker() const { return m_engine->worker(); } // its thread-safe calls (cancel*) and signals

public Q_SLOTS:
    void openImage(const QString& path);
    void openModel(const QString& folder);
    // File ▸ Models…: the cached, added, embedded and official models; downloads (issue #16).
    ModelsDialog* showModels();
    void cancelModelLoad();
    bool exportView(const QString& path);
    // The whole window as on screen, the canvas rendered afresh (screenshots for docs and tests).
    QPixmap windowShot();
    // One PNG per selected plane or all planes, `scale` screen pixels per token.
    bool exportPlane(int plane, const QString& path, int scale = 16);
    int exportAllPlanes(const QString& folder, int scale = 16); // files written; -1 on failure
    // Encodes the clipboard's image (or the image file it names); false when it holds neither.
    bool pasteImage();
    // Picks a token everywhere (canvas, bit planes, inspector); (-1, -1) clears the pick.
    void pickToken(int row, int col);
    // Selects tokens (raster indices) for the selection operations; empty clears.
    void selectTokens(std::vector<int> cells);
    // The Edit dock's operations, callable directly (tests, scripts).
    void runSelectionOperation(qlipx::SelectionOp op);
    bool pasteTokensAtPick();
    bool saveTokens(const QString& npyPath);
    bool loadTokens(const QString& npyPath);
    bool exportDecodedPng(const QString& path);
    // The bit-flip sensitivity map of the current tokens, for the Edit dock's bit or all bits
    // (engine thread, with progress; cancelSensitivity() stops it).
    void computeSensitivity(bool allBits);
    void cancelSensitivity();
    const std::vector<float>& sensitivityMap() const { return m_sensitivity; } // per token, as coloured
    // Sessions: the image, model, tokens, edit history and view in one file (atomic writes).
    bool saveSession(const QString& path);
    void openSession(const QString& path); // asynchronous: the model and image load first
    // Where edits are autosaved until the window closes cleanly ($QLIPX_RECOVERY_FILE overrides).
    static QString recoveryPath();
    bool autosaveNow();
    // Generation. generate() starts a run (cancelling one in progress); its tokens stream onto the
    // canvas. regenerateSelection() resamples the selected tokens of the current image.
    void generate(const qlip::GenerateRequest& request);
    bool regenerateSelection(const qlip::GenerateRequest& parameters);
    void cancelGeneration();
    void openPrior(const QString& folder);
    void showGeneratedSample(int sample);
    // A full run's sample becomes the image being edited (its tokens the current tokens); a masked
    // run's sample is applied to the current tokens as one undoable edit.
    bool openGeneratedInExplorer(int sample);
    bool saveGeneratedPng(int sample, const QString& path); // with qlip::generationMetadata
    void showImageAgain(); // leave the generation on the canvas for the image being edited

Q_SIGNALS:
    void modelChanged(const qlip::ModelInfo& model);
    void imageShown(const QString& path); // an encode result is on the canvas
    void failed(const QString& message);  // a model or image could not be opened
    void queryAnswered();                 // lastQuery() has new probabilities
    void tokenMapShown();                 // tokenMap() is on the canvas
    void searchAnswered();                // a folder search finished, failed or was cancelled
    void priorShown();                    // prior() changed (or a prior failed to open)
    void generationStreamed();            // generationProgress() has a newer report
    void generationEnded(bool finished);  // the run finished (true), failed or was cancelled

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
    void createEditing();
    void createQuery();
    void createSearch();
    void createGeneration();
    void onPriorChanged(const PriorInfo& info);
    void onGenerationProgress(const GenerationProgress& progress);
    void onGenerationFinished(const GenerationResult& result);
    void onGenerationFailed(quint64 job, const QString& message);
    void maybeRunStartupGeneration();
    void leaveGenerationView(); // restores the token colouring the generation view replaced
    void showTokensInViews();   // the current tokens in the canvas, bit planes, inspector and charts
    bool applyGeneratedAsEdit(int sample);
    void chooseSaveGeneratedPng(int sample);
    void showTokenMap(const QString& label, const std::vector<float>& map);
    void onTokensChanged();
    void onSensitivityFinished(const SensitivityResult& result);
    void onDecodeFinished(quint64 serial, const QImage& image, double decodeMs);
    void refreshCanvasImages();
    void onEditToolChanged(EditTool tool);
    void onBrushed(int row, int col, bool strokeStart);
    void onCanvasClicked(int row, int col);
    void updateEditStatus();
    void chooseSaveTokens();
    void chooseLoadTokens();
    void chooseExportDecoded();
    void chooseSaveSession();
    void chooseOpenSession();
    bool applyPendingSession(const EncodeResult& result);
    SessionData currentSession() const; // image, model, tokens and history (no view state)
    void offerRecovery();
    void runStartupJobs(); // --apply-tokens, --dump-tokens, --screenshot
    void onTokenHoverLeft();
    void showInInspector(int row, int col); // (-1, -1) clears it
    void connectEngine();
    void restoreSession();
    void saveWindowSession() const; // geometry, docks, view (QSettings)
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
    EditSession* m_edits = nullptr;
    EditPanel* m_editPanel = nullptr;
    QueryPanel* m_query = nullptr;
    quint64 m_queryJob = 0;
    std::optional<QueryResult> m_lastQuery;
    std::vector<float> m_tokenMap;
    QString m_tokenMapLabel;
    SearchPanel* m_search = nullptr;
    quint64 m_searchJob = 0;
    std::optional<SearchResult> m_lastSearch;
    std::vector<int> m_selection;
    qlip::TokenGrid m_clipboard;
    QImage m_editedRecon;
    quint64 m_decodeSerial = 0; // numbers token states sent to the decoder
    quint64 m_shownSerial = 0;  // the state whose decode is on screen
    int m_stroke = 0;
    QElapsedTimer m_editClock;  // since the newest edit
    double m_editLatencyMs = -1;
    QTimer m_autosave;
    quint64 m_sensitivityJob = 0;
    quint64 m_sensitivityTokens = 0; // the token state the running map is for
    std::vector<float> m_sensitivity;
    struct PendingSession {
        SessionData data;
        QString path;
    };
    std::unique_ptr<PendingSession> m_pendingSession;
    GeneratePanel* m_generatePanel = nullptr;
    struct GenerationState {
        PriorInfo prior;
        quint64 job = 0;               // the newest run requested
        bool running = false;
        qlip::GenerateRequest request; // of the newest run
        QDateTime started;
        std::optional<GenerationProgress> progress; // its newest report
        std::optional<GenerationResult> result;     // the newest run that finished
        int shown = -1;                // sample on the canvas; -1: the canvas shows the image
        TokenColoringOptions coloringBefore; // restored when the canvas goes back to the image
        std::vector<QRgb> colorsBefore;
        QString startupPrior;          // --prior, until the engine has answered
        bool shootAfterRun = false;    // --generate with --screenshot
    } m_generation;
    struct Docks {
        QDockWidget* layers = nullptr;
        QDockWidget* planes = nullptr;
        QDockWidget* inspector = nullptr;
        QDockWidget* charts = nullptr;
        QDockWidget* edit = nullptr;
        QDockWidget* query = nullptr;
        QDockWidget* search = nullptr;
        QDockWidget* generate = nullptr;
    } m_docks;

    std::optional<qlip::ModelInfo> m_model;
    std::optional<EncodeResult> m_result;
    QString m_imagePath;     // shown
    QString m_pendingImage;  // requested, waiting for a model or for its result
    QString m_fallbackModel; // tried once when last session's model fails at start-up

    ModelsDialog* m_modelsDialog = nullptr; // created on first use

    struct Actions {
        QAction* openImage = nullptr;
        QAction* openModel = nullptr;
        QAction* models = nullptr;
        QAction* exportView = nullptr;
        QAction* exportPlane = nullptr;
        QAction* exportAllPlanes = nullptr;
        QAction* paste = nullptr;
        QAction* goToToken = nullptr;
        QAction* hud = nullptr;
        QAction* undo = nullptr;
        QAction* redo = nullptr;
        QAction* saveTokens = nullptr;
        QAction* loadTokens = nullptr;
        QAction* exportDecoded = nullptr;
        QAction* saveSession = nullptr;
        QAction* openSession = nullptr;
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
