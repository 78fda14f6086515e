// MainWindow's generation (issue #7): the Generate dock, runs on the engine thread whose tokens
// stream onto the canvas (the selected sample's live preview, its token grid and per-token
// confidence as the heat colours of the token layer), the gallery, opening a sample in the
// explorer, masked regeneration of the selection, and the PNG export with generation metadata.
#include "mainwindow.h"

#include "bitplaneview.h"
#include "canvasview.h"
#include "editsession.h"
#include "generatepanel.h"
#include "generationview.h"
#include "inspectorpanel.h"
#include "layerspanel.h"
#include "recentfiles.h"
#include "statscharts.h"

#include "qlip/error.h"
#include "qlip/image.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QScrollArea>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTimer>

#include <algorithm>
#include <cmath>

namespace qlipx {

namespace {

constexpr double kGenerationLayerOpacity = 0.4; // the confidence colours are seen at once, the picture still reads

// The frame of one sample the canvas shows: the finished result, or the newest report.
struct SampleFrame {
    const qlip::TokenGrid* grid = nullptr;
    const QImage* image = nullptr;
    const std::vector<float>* confidence = nullptr;
    int done = 0;
    const std::vector<uint8_t>* regenerate = nullptr;
};

} // namespace

void MainWindow::createGeneration() {
    m_generatePanel = new GeneratePanel(GenerationHistory::defaultPath(), this);
    m_docks.generate = new QDockWidget(tr("Generate"), this);
    m_docks.generate->setObjectName(QStringLiteral("generateDock"));
    m_docks.generate->setWidget(inScrollArea(m_generatePanel, this, m_generatePanel->minimumSizeHint().width() + 24));
    addDockWidget(Qt::RightDockWidgetArea, m_docks.generate);
    tabifyDockWidget(m_docks.inspector, m_docks.generate);
    m_docks.inspector->raise();

    const StartupOptions& o = m_options;
    if (!o.prompt.isEmpty()) m_generatePanel->setPrompt(o.prompt);
    if (o.seed) m_generatePanel->setSeed(*o.seed);
    if (o.samples > 0) m_generatePanel->setSampleCount(o.samples);
    m_generation.startupPrior = o.prior;
    m_generation.shootAfterRun = o.generate && !o.screenshot.isEmpty();

    connect(m_generatePanel, &GeneratePanel::generateRequested, this, &MainWindow::generate);
    connect(m_generatePanel, &GeneratePanel::regenerateSelectionRequested, this, &MainWindow::regenerateSelection);
    connect(m_generatePanel, &GeneratePanel::cancelRequested, this, &MainWindow::cancelGeneration);
    connect(m_generatePanel, &GeneratePanel::openPriorRequested, this, &MainWindow::openPrior);
    connect(m_generatePanel, &GeneratePanel::sampleSelected, this, &MainWindow::showGeneratedSample);
    connect(m_generatePanel, &GeneratePanel::openInExplorerRequested, this, &MainWindow::openGeneratedInExplorer);
    connect(m_generatePanel, &GeneratePanel::savePngRequested, this, &MainWindow::chooseSaveGeneratedPng);
    connect(m_generatePanel, &GeneratePanel::backToImageRequested, this, &MainWindow::showImageAgain);

    EngineWorker* w = m_engine->worker();
    connect(w, &EngineWorker::priorChanged, this, &MainWindow::onPriorChanged);
    connect(w, &EngineWorker::priorFailed, this, [this](const QString& folder, const QString& message) {
        const bool startup = folder == m_generation.startupPrior;
        if (startup) m_generation.startupPrior.clear();
        m_generatePanel->setMessage(tr("Cannot open the prior %1: %2").arg(QDir::toNativeSeparators(folder), message));
        Q_EMIT priorShown();
        if (startup && std::exchange(m_options.generate, false)) // --generate with the --prior asked for, or not at all
            showError(tr("Cannot open the prior %1").arg(QDir::toNativeSeparators(folder)), message);
    });
    connect(w, &EngineWorker::generationProgress, this, &MainWindow::onGenerationProgress);
    connect(w, &EngineWorker::generationFinished, this, &MainWindow::onGenerationFinished);
    connect(w, &EngineWorker::generationFailed, this, &MainWindow::onGenerationFailed);
    // --prior: opened once the model it belongs to is there.
    connect(this, &MainWindow::modelChanged, this, [this] {
        if (!m_generation.startupPrior.isEmpty()) m_engine->requestOpenPrior(m_generation.startupPrior);
    });
}

void MainWindow::openPrior(const QString& folder) {
    m_generatePanel->setMessage(tr("Opening the prior %1 …").arg(QDir::toNativeSeparators(folder)));
    m_engine->requestOpenPrior(folder);
}

void MainWindow::onPriorChanged(const PriorInfo& info) {
    m_generation.prior = info;
    m_generatePanel->setPrior(info);
    if (info.available())
        m_generatePanel->setMessage(info.note.isEmpty() ? tr("Prior %1 ready").arg(info.name) : info.note);
    if (!m_generation.startupPrior.isEmpty() &&
        QFileInfo(info.folder).canonicalFilePath() == QFileInfo(m_generation.startupPrior).canonicalFilePath())
        m_generation.startupPrior.clear();
    Q_EMIT priorShown();
    maybeRunStartupGeneration();
}

void MainWindow::maybeRunStartupGeneration() {
    if (!m_options.generate || !m_generation.startupPrior.isEmpty()) return; // --prior has not been answered yet
    // The first image's encode would take the canvas back from the generation: it goes first.
    if (!m_result && !m_pendingImage.isEmpty()) return;
    m_options.generate = false;
    if (!m_generation.prior.available()) {
        showError(tr("Cannot generate"), m_generation.prior.note.isEmpty() ? tr("no prior is open") : m_generation.prior.note);
        return;
    }
    m_docks.generate->raise();
    generate(m_generatePanel->request());
}

void MainWindow::generate(const qlip::GenerateRequest& request) {
    if (!m_generation.prior.available()) {
        m_generatePanel->setMessage(tr("No prior is open: open one first (Open prior…)"));
        return;
    }
    if (m_generation.running) m_engine->worker()->cancelGeneration(); // the new job is numbered after it: not cancelled
    GenerationState& g = m_generation;
    g.job += 1;
    g.running = true;
    g.request = request;
    g.started = QDateTime::currentDateTimeUtc();
    g.progress.reset();
    g.result.reset();
    if (g.shown < 0) {
        // Entering the generation view: remember the colouring it replaces.
        g.coloringBefore = m_canvas->coloring();
        g.colorsBefore = m_canvas->coloring().mode == TokenColoring::Custom ? m_canvas->tokenOverlayColors() : std::vector<QRgb>{};
    }
    g.shown = 0;
    // Until a full run's tokens are known the inspector and the charts have nothing true to show
    // (the preview fill is no sample's token); the bit planes grow row by row. All of them get
    // the finished sample, or the image back. (A masked run leaves them on the image's tokens:
    // those outside the selection are kept.)
    if (request.keep.indices.empty()) {
        const TokenData none;
        m_planes->setTokens(none);
        m_inspector->setTokens(none);
        m_charts->setTokens(none);
        m_generatePanel->setRequest(request); // the dock shows what runs (from the history, or a script)
    }
    m_generatePanel->setRunning(true);
    m_generatePanel->setGallery({}, {});
    m_generatePanel->setResultActionsEnabled(false, false);
    m_generatePanel->setMessage(request.keep.indices.empty() ? tr("Embedding the prompt …") : tr("Regenerating the selection …"));
    m_engine->requestGenerate(g.job, request);
}

bool MainWindow::regenerateSelection(const qlip::GenerateRequest& parameters) {
    if (m_edits->isEmpty() || m_selection.empty()) {
        m_generatePanel->setMessage(tr("Select the tokens to regenerate first: Edit dock, rectangle or lasso tool"));
        return false;
    }
    qlip::GenerateRequest r = parameters;
    r.keep = m_edits->current();
    r.keep.latents.clear(); // the prior reads indices only
    r.regenerate.assign(size_t(r.keep.count()), 0);
    for (int n : m_selection)
        if (n >= 0 && n < r.keep.count()) r.regenerate[size_t(n)] = 1;
    generate(r);
    return true;
}

void MainWindow::cancelGeneration() {
    if (!m_generation.running) return;
    m_engine->worker()->cancelGeneration(); // an atomic the sampler polls at every token
    m_generatePanel->setMessage(tr("Cancelling …"));
}

void MainWindow::onGenerationProgress(const GenerationProgress& p) {
    if (p.job != m_generation.job || !m_generation.running) return; // a run that was replaced or cancelled
    m_generation.progress = p;
    const int rows = p.grids.empty() ? 0 : p.grids.front().rows, cols = p.grids.empty() ? 0 : p.grids.front().cols;
    m_generatePanel->setProgress(p.positionsDone, p.positions, cols, p.regenerate);
    const auto pending = pendingPositions(p.positions, p.positionsDone, p.regenerate);
    std::vector<QImage> thumbnails;
    std::vector<double> mean;
    for (size_t s = 0; s < p.previews.size(); ++s) {
        thumbnails.push_back(withPendingCellsEmpty(p.previews[s], rows, cols, pending));
        mean.push_back(meanConfidence(p.confidence[s], p.positionsDone, p.regenerate));
    }
    m_generatePanel->setGallery(thumbnails, mean);
    m_generatePanel->setMessage(m_generation.shown >= 0 ? tr("Sampling … the canvas follows sample #%1; click a thumbnail to follow another")
                                                                .arg(m_generation.shown)
                                                          : tr("Sampling … click a thumbnail to follow it on the canvas"));
    if (m_generation.shown >= 0) {
        if (m_generatePanel->selectedSample() < 0) m_generatePanel->selectSample(m_generation.shown);
        showGeneratedSample(m_generation.shown);
    }
    Q_EMIT generationStreamed();
    // --screenshot-row: the picture of the stream, taken now (the run goes on until the app quits).
    if (m_generation.shootAfterRun && m_options.screenshotRow > 0 && p.positionsDone >= m_options.screenshotRow * cols) {
        m_generation.shootAfterRun = false;
        finishScreenshot();
    }
}

void MainWindow::onGenerationFinished(const GenerationResult& r) {
    if (r.job != m_generation.job) return;
    GenerationState& g = m_generation;
    g.running = false;
    g.result = r;
    g.progress.reset();
    const bool masked = !r.request.keep.indices.empty();
    const int N = r.grids.empty() ? 0 : r.grids.front().count();
    std::vector<double> mean;
    for (const auto& c : r.confidence) mean.push_back(meanConfidence(c, N, r.request.regenerate));
    m_generatePanel->setRunning(false);
    m_generatePanel->setProgress(N, N, r.grids.empty() ? 0 : r.grids.front().cols, r.request.regenerate);
    m_generatePanel->setGallery(r.images, mean);
    m_generatePanel->setResultActionsEnabled(true, masked);
    QString text = tr("%1 sample(s) in %2 s (%3 tokens/s)")
                       .arg(r.grids.size())
                       .arg(r.seconds, 0, 'f', 2)
                       .arg(double(r.sampledTokens) / std::max(r.seconds, 1e-9), 0, 'f', 0);
    for (const QString& n : r.notices) text += QStringLiteral("\n") + tr("Note: %1").arg(n);
    m_generatePanel->setMessage(text);
    if (!masked) {
        GenerationRecord record = GenerationRecord::of(r.request, r.model, r.prior, g.started);
        record.seconds = r.seconds;
        m_generatePanel->recordRun(record);
    }
    const int sample = std::clamp(m_generatePanel->selectedSample(), 0, std::max(int(r.grids.size()) - 1, 0));
    m_generatePanel->selectSample(sample);
    if (masked && g.shown >= 0) {
        applyGeneratedAsEdit(sample); // the canvas goes back to the (now edited) image
    } else if (g.shown >= 0) {
        showGeneratedSample(sample);
    }
    Q_EMIT generationEnded(true);
    if (std::exchange(g.shootAfterRun, false)) QTimer::singleShot(300, this, &MainWindow::finishScreenshot);
}

void MainWindow::onGenerationFailed(quint64 job, const QString& message) {
    if (job != m_generation.job) return;
    m_generation.running = false;
    m_generation.progress.reset();
    m_generatePanel->setRunning(false);
    m_generatePanel->setGallery({}, {});
    showImageAgain();
    if (message == QLatin1String("cancelled")) {
        m_generatePanel->setMessage(tr("Cancelled"));
        statusBar()->showMessage(tr("Generation cancelled"), 4000);
    } else {
        m_generatePanel->setMessage(message);
        showError(tr("Cannot generate"), message);
    }
    Q_EMIT generationEnded(false);
}

void MainWindow::showGeneratedSample(int sample) {
    GenerationState& g = m_generation;
    SampleFrame f;
    if (g.result && sample >= 0 && sample < int(g.result->grids.size())) {
        const GenerationResult& r = *g.result;
        f = {&r.grids[size_t(sample)], &r.images[size_t(sample)], &r.confidence[size_t(sample)], r.grids[size_t(sample)].count(),
             &r.request.regenerate};
    } else if (g.progress && sample >= 0 && sample < int(g.progress->grids.size())) {
        const GenerationProgress& p = *g.progress;
        f = {&p.grids[size_t(sample)], &p.previews[size_t(sample)], &p.confidence[size_t(sample)], p.positionsDone, &p.regenerate};
    } else {
        return;
    }
    if (g.shown < 0) {
        g.coloringBefore = m_canvas->coloring();
        g.colorsBefore = m_canvas->coloring().mode == TokenColoring::Custom ? m_canvas->tokenOverlayColors() : std::vector<QRgb>{};
    }
    g.shown = sample;
    m_layers->setQuality(std::nan(""), std::nan("")); // the image's PSNR says nothing about a sample
    const qlip::TokenGrid& grid = *f.grid;
    const QImage image = withPendingCellsEmpty(*f.image, grid.rows, grid.cols, pendingPositions(grid.count(), f.done, *f.regenerate));
    m_canvas->setImages(image, image);
    const TokenData tokens = toTokenData(grid);
    m_canvas->setTokenData(tokens);
    m_canvas->setCustomTokenColors(confidenceColors(*f.confidence, f.done, *f.regenerate));
    if (f.done == grid.count()) {
        // A finished sample in every view, with its confidences in the inspector.
        m_planes->setTokens(tokens);
        m_inspector->setTokens(tokens);
        m_inspector->setTokenValues(QStringLiteral("confidence"), *f.confidence);
        m_charts->setTokens(tokens);
    } else if (f.regenerate->empty()) {
        // Streaming: the bit planes of the rows sampled so far (no preview fill in them).
        TokenData rows = tokens;
        rows.rows = f.done / std::max(grid.cols, 1);
        rows.indices.resize(size_t(rows.rows) * size_t(grid.cols));
        m_planes->setTokens(rows);
    }
    if (m_canvas->coloring().mode != TokenColoring::Custom) m_canvas->setColoring({TokenColoring::Custom, 0, 7});
    m_actions.grid->setChecked(true);
    m_canvas->setGridVisible(true);
    if (m_canvas->gridOpacity() < kGenerationLayerOpacity) m_canvas->setGridOpacity(kGenerationLayerOpacity);
}

void MainWindow::leaveGenerationView() {
    GenerationState& g = m_generation;
    if (g.shown < 0) return;
    g.shown = -1;
    m_canvas->setCustomTokenColors(std::exchange(g.colorsBefore, {}));
    m_canvas->setColoring(g.coloringBefore);
    if (m_result) m_layers->setQuality(m_result->psnr, m_result->ssim);
}

void MainWindow::showImageAgain() {
    if (m_generation.shown < 0) return;
    leaveGenerationView();
    showTokensInViews();
    refreshCanvasImages();
}

bool MainWindow::openGeneratedInExplorer(int sample) {
    const auto& r = m_generation.result;
    if (!r || m_generation.running || sample < 0 || sample >= int(r->grids.size())) return false;
    if (!r->request.keep.indices.empty()) return applyGeneratedAsEdit(sample);
    if (!m_model || QString::fromStdString(m_model->name) != r->model) {
        showError(tr("Cannot open the sample"), tr("it was generated for the model %1, and %2 is loaded now")
                                                     .arg(r->model, m_model ? QString::fromStdString(m_model->name) : tr("none")));
        return false;
    }
    // The image gets a file (in the cache folder, with its generation metadata), so that the
    // session, recent images and a later model switch can find it like any other image.
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + QStringLiteral("/generated");
    QDir().mkpath(dir);
    const QString path = dir + QLatin1Char('/') + generatedFileName(r->request, sample);
    if (!saveGeneratedPng(sample, path)) return false;

    EncodeResult e;
    e.path = path;
    e.model = r->model;
    e.input = r->images[size_t(sample)];
    e.reconstruction = e.input; // the decode of the tokens is both the picture and its reconstruction
    e.sourceSize = e.input.size();
    e.tokens = r->grids[size_t(sample)];
    e.preprocessing = m_result ? m_result->preprocessing : QStringLiteral("{}");
    e.psnr = e.ssim = std::nan(""); // nothing to compare with
    m_result = e;
    m_imagePath = path;
    m_pendingImage.clear();
    m_recentImages->add(path);
    showResult(e); // resets the edits to the generated tokens; the canvas leaves the generation view
    m_engine->requestAdoptImage(path);
    updateTitle();
    statusBar()->showMessage(tr("Sample %1 is now the image being edited (%2)").arg(sample).arg(QDir::toNativeSeparators(path)), 6000);
    Q_EMIT imageShown(path);
    return true;
}

bool MainWindow::applyGeneratedAsEdit(int sample) {
    const auto& r = m_generation.result;
    if (!r || sample < 0 || sample >= int(r->grids.size())) return false;
    const qlip::TokenGrid& grid = r->grids[size_t(sample)];
    const qlip::TokenGrid& current = m_edits->current();
    if (!current.sameShape(grid) || r->request.regenerate.size() != size_t(grid.count())) {
        showError(tr("Cannot apply the regenerated tokens"), tr("the image's tokens changed shape since the run started"));
        return false;
    }
    qlip::TokenEdit edit;
    for (int n = 0; n < grid.count(); ++n)
        if (r->request.regenerate[size_t(n)] && current.indices[size_t(n)] != grid.indices[size_t(n)])
            edit.push_back({n, current.indices[size_t(n)], grid.indices[size_t(n)]});
    const int region = int(std::count(r->request.regenerate.begin(), r->request.regenerate.end(), uint8_t(1)));
    if (!m_edits->apply(edit, tr("Regenerate %1 tokens (seed %2, sample %3)").arg(region).arg(r->request.sampling.seed).arg(sample))) {
        showImageAgain(); // nothing changed: the same tokens were drawn
        statusBar()->showMessage(tr("The regenerated tokens are the ones already there"), 5000);
    }
    return true;
}

bool MainWindow::saveGeneratedPng(int sample, const QString& path) {
    const auto& r = m_generation.result;
    if (!r || sample < 0 || sample >= int(r->images.size())) return false;
    try {
        qlip::savePng(path.toStdString(), toImageRGB8(r->images[size_t(sample)]),
                      qlip::generationMetadata(r->request, sample, r->model.toStdString(), r->prior.toStdString()));
    } catch (const qlip::Error& e) {
        showError(tr("Cannot save the sample"), QString::fromStdString(e.what()));
        return false;
    }
    statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(path)), 5000);
    return true;
}

void MainWindow::chooseSaveGeneratedPng(int sample) {
    const auto& r = m_generation.result;
    if (!r) return;
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Generated Image"), generatedFileName(r->request, sample),
                                                      tr("PNG images (*.png)"));
    if (!path.isEmpty()) saveGeneratedPng(sample, path);
}

} // namespace qlipx
