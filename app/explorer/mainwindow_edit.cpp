// MainWindow's token editing: the Edit dock, the canvas tools, live decoding of the edited tokens
// (latest-wins on the engine thread), the token clipboard, undo/redo, and token/PNG export.
#include "mainwindow.h"

#include "bitplaneview.h"
#include "canvasview.h"
#include "editsession.h"
#include "inspectorpanel.h"
#include "statscharts.h"
#include "statusreadout.h"
#include "tokencolor.h"

#include "qlip/error.h"
#include "qlip/image.h"
#include "qlip/tokens.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMenuBar>
#include <QScrollArea>
#include <QStatusBar>

#include <algorithm>

namespace qlipx {

namespace {

} // namespace

TokenData toTokenData(const qlip::TokenGrid& g) {
    TokenData t;
    t.rows = g.rows;
    t.cols = g.cols;
    t.bits = g.bits;
    t.groupSize = g.groupSize;
    t.indices = g.indices;
    t.latents = g.latents;
    return t;
}

namespace {

uint64_t channelMask(int bits, bool all, int bit) { return all ? (bits >= 64 ? ~uint64_t(0) : (uint64_t(1) << bits) - 1) : uint64_t(1) << bit; }

} // namespace

const qlip::TokenGrid& MainWindow::tokens() const {
    static const qlip::TokenGrid none;
    if (!m_edits->isEmpty()) return m_edits->current();
    return m_result ? m_result->tokens : none;
}

void MainWindow::createEditing() {
    m_edits = new EditSession(this);
    m_editPanel = new EditPanel(m_edits->undoStack(), this);
    m_docks.edit = new QDockWidget(tr("Edit"), this);
    m_docks.edit->setObjectName(QStringLiteral("editDock"));
    // In a scroll area: its tools, sensitivity chart and history must not make the window taller.
    m_docks.edit->setWidget(inScrollArea(m_editPanel, this, m_editPanel->minimumSizeHint().width() + 24));
    addDockWidget(Qt::RightDockWidgetArea, m_docks.edit);
    tabifyDockWidget(m_docks.inspector, m_docks.edit);
    m_docks.inspector->raise();

    connect(m_edits, &EditSession::tokensChanged, this, &MainWindow::onTokensChanged);
    connect(m_engine->worker(), &EngineWorker::decodeFinished, this, &MainWindow::onDecodeFinished);
    connect(m_engine->worker(), &EngineWorker::decodeFailed, this,
            [this](quint64, const QString& message) { showError(tr("Cannot decode the edited tokens"), message); });
    connect(m_editPanel, &EditPanel::toolChanged, this, &MainWindow::onEditToolChanged);
    connect(m_editPanel, &EditPanel::selectionOperation, this, &MainWindow::runSelectionOperation);
    connect(m_editPanel, &EditPanel::pasteRequested, this, &MainWindow::pasteTokensAtPick);
    connect(m_editPanel, &EditPanel::diffViewToggled, this, &MainWindow::refreshCanvasImages);
    connect(m_editPanel, &EditPanel::sensitivityRequested, this, &MainWindow::computeSensitivity);
    connect(m_editPanel, &EditPanel::sensitivityCancelled, this, &MainWindow::cancelSensitivity);
    connect(m_engine->worker(), &EngineWorker::sensitivityProgress, this, [this](quint64 job, double f) {
        if (job == m_sensitivityJob) m_editPanel->setSensitivityProgress(f);
    });
    connect(m_engine->worker(), &EngineWorker::sensitivityFinished, this, &MainWindow::onSensitivityFinished);
    connect(m_engine->worker(), &EngineWorker::sensitivityFailed, this, [this](quint64 job, const QString& message) {
        if (job != m_sensitivityJob) return;
        m_editPanel->setSensitivityProgress(-1);
        if (message == QLatin1String("cancelled")) statusBar()->showMessage(tr("Sensitivity map cancelled"), 4000);
        else showError(tr("Cannot compute the sensitivity map"), message);
    });
    connect(m_canvas, &CanvasView::brushed, this, &MainWindow::onBrushed);
    connect(m_canvas, &CanvasView::tokenClicked, this, &MainWindow::onCanvasClicked);
    connect(m_canvas, &CanvasView::rectSelected, this,
            [this](int r0, int c0, int r1, int c1) { selectTokens(qlip::rectCells(tokens(), r0, c0, r1, c1)); });
    connect(m_canvas, &CanvasView::lassoSelected, this, [this](const QPolygonF& path) {
        std::vector<std::pair<double, double>> poly;
        for (const QPointF& p : path) poly.emplace_back(p.x(), p.y());
        selectTokens(qlip::polygonCells(tokens(), poly));
    });

    m_actions.undo = m_edits->undoStack()->createUndoAction(this, tr("&Undo"));
    m_actions.undo->setShortcuts(QKeySequence::Undo);
    m_actions.redo = m_edits->undoStack()->createRedoAction(this, tr("&Redo"));
    m_actions.redo->setShortcuts(QKeySequence::Redo);
    m_actions.saveTokens = new QAction(tr("Save &Tokens…"), this);
    m_actions.saveTokens->setShortcut(QKeySequence::Save);
    m_actions.loadTokens = new QAction(tr("&Load Tokens…"), this);
    m_actions.exportDecoded = new QAction(tr("Export &Decoded Image as PNG…"), this);
    connect(m_actions.saveTokens, &QAction::triggered, this, &MainWindow::chooseSaveTokens);
    connect(m_actions.loadTokens, &QAction::triggered, this, &MainWindow::chooseLoadTokens);
    connect(m_actions.exportDecoded, &QAction::triggered, this, &MainWindow::chooseExportDecoded);
    m_actions.saveSession = new QAction(tr("Save &Session…"), this);
    m_actions.saveSession->setShortcut(QKeySequence(tr("Ctrl+Shift+S")));
    m_actions.openSession = new QAction(tr("Open S&ession…"), this);
    connect(m_actions.saveSession, &QAction::triggered, this, &MainWindow::chooseSaveSession);
    connect(m_actions.openSession, &QAction::triggered, this, &MainWindow::chooseOpenSession);
    // Edits are autosaved half a second after the last one (a brush stroke writes once).
    m_autosave.setSingleShot(true);
    m_autosave.setInterval(500);
    connect(&m_autosave, &QTimer::timeout, this, &MainWindow::autosaveNow);
}

void MainWindow::showTokensInViews() {
    const TokenData t = toTokenData(tokens());
    m_canvas->setTokenData(t);
    m_planes->setTokens(t);
    m_inspector->setTokens(t);
    m_charts->setTokens(t);
    if (const auto pick = m_canvas->pickedToken()) pickToken(pick->row, pick->col);
}

void MainWindow::onTokensChanged() {
    leaveGenerationView(); // an edit or a new image: the canvas shows the image being edited again
    showTokensInViews();
    const qlip::TokenGrid& g = tokens();
    if (!m_result) return;
    ++m_decodeSerial;
    if (!m_edits->isEdited()) {
        // Back at the encoded tokens: their reconstruction is known, no decode needed.
        m_editedRecon = m_result->reconstruction;
        m_shownSerial = m_decodeSerial;
        refreshCanvasImages();
    } else {
        m_editClock.start();
        m_engine->requestDecode(m_decodeSerial, g);
    }
    if (m_edits->historyIndex() > 0) m_autosave.start();
    updateEditStatus();
}

void MainWindow::onDecodeFinished(quint64 serial, const QImage& image, double) {
    if (serial != m_decodeSerial) return; // a newer edit is on its way
    m_editLatencyMs = double(m_editClock.nsecsElapsed()) / 1e6;
    m_editedRecon = image;
    m_shownSerial = serial;
    refreshCanvasImages();
    updateEditStatus();
    updateHud();
}

void MainWindow::computeSensitivity(bool allBits) {
    if (m_edits->isEmpty()) return;
    std::vector<int> bits;
    if (allBits) {
        for (int e = 0; e < tokens().bits; ++e) bits.push_back(e);
    } else {
        bits.push_back(m_editPanel->bit());
    }
    m_sensitivityTokens = m_decodeSerial;
    m_editPanel->setSensitivityProgress(0);
    m_engine->requestSensitivity(++m_sensitivityJob, tokens(), bits);
}

void MainWindow::cancelSensitivity() { m_engine->worker()->cancelSensitivity(); }

void MainWindow::onSensitivityFinished(const SensitivityResult& r) {
    if (r.job != m_sensitivityJob) return;
    m_editPanel->setSensitivityProgress(-1);
    if (m_sensitivityTokens != m_decodeSerial) {
        statusBar()->showMessage(tr("The tokens changed while the sensitivity map was computed: compute it again"), 6000);
        return;
    }
    // Per token: the bit's change, or the mean over the bits; coloured relative to the largest.
    const int N = tokens().count();
    m_sensitivity.assign(size_t(N), 0.f);
    std::vector<double> perBit;
    for (const auto& values : r.values) {
        double sum = 0;
        for (int n = 0; n < N; ++n) {
            m_sensitivity[size_t(n)] += values[size_t(n)] / float(r.values.size());
            sum += values[size_t(n)];
        }
        perBit.push_back(sum / N);
    }
    const auto top = std::max_element(m_sensitivity.begin(), m_sensitivity.end());
    const float peak = top == m_sensitivity.end() ? 0.f : *top;
    std::vector<QRgb> colors(static_cast<size_t>(N));
    for (int n = 0; n < N; ++n) colors[size_t(n)] = heatColor(peak > 0 ? m_sensitivity[size_t(n)] / peak : 0.0).rgb();
    m_canvas->setCustomTokenColors(colors);
    m_canvas->setColoring({TokenColoring::Custom, 0, 7});
    m_canvas->setGridVisible(true);
    if (m_canvas->gridOpacity() < 0.6) m_canvas->setGridOpacity(0.75);
    m_inspector->setTokenValues(QStringLiteral("sensitivity"), m_sensitivity);
    const int argmax = int(top - m_sensitivity.begin());
    const QString which = r.bits.size() == 1 ? tr("b%1").arg(r.bits.front()) : tr("mean over %1 bits").arg(r.bits.size());
    m_editPanel->setSensitivityChart(r.bits, perBit,
                                     tr("%1: largest %2 levels at (%3, %4); %5 decodes in %6 s")
                                         .arg(which)
                                         .arg(double(peak), 0, 'f', 2)
                                         .arg(argmax / tokens().cols)
                                         .arg(argmax % tokens().cols)
                                         .arg(r.bits.size() * size_t(N))
                                         .arg(r.ms / 1000, 0, 'f', 1));
}

void MainWindow::refreshCanvasImages() {
    if (!m_result || m_generation.shown >= 0) return; // a generation is on the canvas: leave it there
    // With the diff view, the heat map compares the unedited and the edited reconstruction.
    const QImage& base = m_editPanel->diffView() ? m_result->reconstruction : m_result->input;
    m_canvas->setImages(base, m_editedRecon.isNull() ? m_result->reconstruction : m_editedRecon);
}

void MainWindow::updateEditStatus() {
    int changed = 0;
    const auto& cur = m_edits->current().indices;
    const auto& orig = m_edits->original().indices;
    for (size_t i = 0; i < cur.size() && i < orig.size(); ++i) changed += cur[i] != orig[i];
    QString text = tr("%1 of %2 tokens edited").arg(changed).arg(cur.size());
    if (m_editLatencyMs >= 0) text += tr(" · last edit to pixels %1 ms").arg(m_editLatencyMs, 0, 'f', 1);
    m_editPanel->setStatus(text);
}

void MainWindow::onEditToolChanged(EditTool tool) {
    switch (tool) {
    case EditTool::Pick:
    case EditTool::FlipBit: m_canvas->setTool(CanvasView::Tool::Pick); break;
    case EditTool::PaintBit:
    case EditTool::FillBrush:
    case EditTool::RevertBrush: m_canvas->setTool(CanvasView::Tool::Brush); break;
    case EditTool::SelectRect: m_canvas->setTool(CanvasView::Tool::Rect); break;
    case EditTool::SelectLasso: m_canvas->setTool(CanvasView::Tool::Lasso); break;
    }
}

void MainWindow::onCanvasClicked(int row, int col) {
    if (m_editPanel->tool() != EditTool::FlipBit || m_edits->isEmpty()) return;
    const int bit = m_editPanel->bit();
    m_edits->apply(qlip::flipBit(m_edits->current(), row * tokens().cols + col, bit),
                   tr("Flip b%1 of (%2, %3)").arg(bit).arg(row).arg(col));
}

void MainWindow::onBrushed(int row, int col, bool strokeStart) {
    if (m_edits->isEmpty()) return;
    if (strokeStart) m_stroke = m_edits->beginStroke();
    const qlip::TokenGrid& g = m_edits->current();
    const qlip::CellSet cells = qlip::brushCells(g, row, col, m_editPanel->brushRadius());
    qlip::TokenEdit edit;
    QString text;
    switch (m_editPanel->tool()) {
    case EditTool::PaintBit: {
        const auto op = qlip::BitOp(m_editPanel->paintOp());
        edit = qlip::applyBits(g, cells, uint64_t(1) << m_editPanel->bit(), op);
        const char* verb[] = {"Set", "Clear", "Toggle", "Randomize"};
        text = tr("%1 b%2 (brush)").arg(QLatin1String(verb[int(op)])).arg(m_editPanel->bit());
        break;
    }
    case EditTool::FillBrush: {
        const auto pick = m_canvas->pickedToken();
        if (!pick) {
            statusBar()->showMessage(tr("Pick a token first (Pick tool): the brush paints the picked token"), 5000);
            return;
        }
        const int64_t index = g.at(pick->row, pick->col);
        edit = qlip::fillTokens(g, cells, index);
        text = tr("Paint token %1").arg(index);
        break;
    }
    case EditTool::RevertBrush:
        edit = qlip::revertTokens(g, m_edits->original(), cells);
        text = tr("Revert (brush)");
        break;
    default: return;
    }
    m_edits->apply(edit, text, m_stroke);
}

void MainWindow::selectTokens(std::vector<int> cells) {
    m_selection = std::move(cells);
    m_canvas->setSelection(m_selection);
    statusBar()->showMessage(m_selection.empty() ? tr("Selection cleared") : tr("%1 tokens selected").arg(m_selection.size()), 4000);
}

void MainWindow::runSelectionOperation(SelectionOp op) {
    if (m_edits->isEmpty()) return;
    if (op == SelectionOp::Deselect) return selectTokens({});
    if (m_selection.empty()) {
        statusBar()->showMessage(tr("Select tokens first (rectangle or lasso tool)"), 5000);
        return;
    }
    const qlip::TokenGrid& g = m_edits->current();
    const uint64_t mask = channelMask(g.bits, m_editPanel->allBits(), m_editPanel->bit());
    const QString bits = m_editPanel->allBits() ? tr("all bits") : tr("b%1").arg(m_editPanel->bit());
    const QString where = tr("%1 tokens").arg(m_selection.size());
    try {
        switch (op) {
        case SelectionOp::Set: m_edits->apply(qlip::applyBits(g, m_selection, mask, qlip::BitOp::Set), tr("Set %1 of %2").arg(bits, where)); break;
        case SelectionOp::Clear: m_edits->apply(qlip::applyBits(g, m_selection, mask, qlip::BitOp::Clear), tr("Clear %1 of %2").arg(bits, where)); break;
        case SelectionOp::Invert: m_edits->apply(qlip::applyBits(g, m_selection, mask, qlip::BitOp::Toggle), tr("Invert %1 of %2").arg(bits, where)); break;
        case SelectionOp::Randomize:
            m_edits->apply(qlip::applyBits(g, m_selection, mask, qlip::BitOp::Randomize, uint64_t(m_edits->undoStack()->index()) + 1),
                           tr("Randomize %1 of %2").arg(bits, where));
            break;
        case SelectionOp::RotateLeft: m_edits->apply(qlip::rotateBits(g, m_selection, 1), tr("Rotate bits left in %1").arg(where)); break;
        case SelectionOp::RotateRight: m_edits->apply(qlip::rotateBits(g, m_selection, -1), tr("Rotate bits right in %1").arg(where)); break;
        case SelectionOp::FillPicked: {
            const auto pick = m_canvas->pickedToken();
            if (!pick) return statusBar()->showMessage(tr("Pick the token to fill with first"), 5000);
            const int64_t index = g.at(pick->row, pick->col);
            m_edits->apply(qlip::fillTokens(g, m_selection, index), tr("Fill %1 with token %2").arg(where).arg(index));
            break;
        }
        case SelectionOp::Revert: m_edits->apply(qlip::revertTokens(g, m_edits->original(), m_selection), tr("Revert %1").arg(where)); break;
        case SelectionOp::Copy: {
            // The bounding rectangle of the selection goes to the token clipboard.
            int r0 = g.rows, c0 = g.cols, r1 = 0, c1 = 0;
            for (int n : m_selection) {
                r0 = std::min(r0, n / g.cols), r1 = std::max(r1, n / g.cols + 1);
                c0 = std::min(c0, n % g.cols), c1 = std::max(c1, n % g.cols + 1);
            }
            m_clipboard = qlip::copyTokens(g, r0, c0, r1, c1);
            statusBar()->showMessage(tr("Copied %1×%2 tokens; open another image and paste them at a picked token").arg(m_clipboard.rows).arg(m_clipboard.cols), 6000);
            break;
        }
        case SelectionOp::Deselect: break;
        }
    } catch (const qlip::Error& e) {
        showError(tr("Cannot edit"), QString::fromStdString(e.what()));
    }
}

bool MainWindow::pasteTokensAtPick() {
    const auto pick = m_canvas->pickedToken();
    if (m_clipboard.count() == 0 || !pick || m_edits->isEmpty()) {
        statusBar()->showMessage(m_clipboard.count() == 0 ? tr("Nothing copied yet") : tr("Pick where the top-left token goes"), 5000);
        return false;
    }
    try {
        return m_edits->apply(qlip::pasteTokens(m_edits->current(), m_clipboard, pick->row, pick->col),
                              tr("Paste %1×%2 tokens at (%3, %4)").arg(m_clipboard.rows).arg(m_clipboard.cols).arg(pick->row).arg(pick->col));
    } catch (const qlip::Error& e) {
        showError(tr("Cannot paste tokens"), QString::fromStdString(e.what()));
        return false;
    }
}

bool MainWindow::saveTokens(const QString& npyPath) {
    if (m_edits->isEmpty() || !m_result) return false;
    try {
        qlip::saveTokens(npyPath.toStdString(), m_edits->current(),
                         {m_result->model.toStdString(), m_result->path.toStdString(), m_result->preprocessing.toStdString()});
    } catch (const qlip::Error& e) {
        showError(tr("Cannot save tokens"), QString::fromStdString(e.what()));
        return false;
    }
    statusBar()->showMessage(tr("Saved %1 (and its .json sidecar)").arg(QDir::toNativeSeparators(npyPath)), 5000);
    return true;
}

bool MainWindow::loadTokens(const QString& npyPath) {
    if (!m_model || !m_result) {
        showError(tr("Cannot load tokens"), tr("Open a model and an image first: the tokens replace the image's"));
        return false;
    }
    try {
        qlip::TokenGrid loaded = qlip::loadTokens(npyPath.toStdString(), m_model->gridRows, m_model->gridCols, m_model->bits, m_model->groupSize);
        // An undoable edit: every token that differs.
        qlip::TokenEdit edit;
        const auto& cur = m_edits->current();
        for (int n = 0; n < cur.count(); ++n)
            if (cur.indices[size_t(n)] != loaded.indices[size_t(n)]) edit.push_back({n, cur.indices[size_t(n)], loaded.indices[size_t(n)]});
        m_edits->apply(edit, tr("Load tokens %1").arg(QFileInfo(npyPath).fileName()));
    } catch (const qlip::Error& e) {
        showError(tr("Cannot load tokens"), QString::fromStdString(e.what()));
        return false;
    }
    return true;
}

bool MainWindow::exportDecodedPng(const QString& path) {
    if (!m_result || m_editedRecon.isNull()) return false;
    try {
        qlip::savePng(path.toStdString(), toImageRGB8(m_editedRecon),
                      {{"Software", "QLIP Explorer"},
                       {"qlip:model", m_result->model.toStdString()},
                       {"qlip:tokens-digest", qlip::tokenDigest(m_edits->current())},
                       {"qlip:grid", std::to_string(tokens().rows) + "x" + std::to_string(tokens().cols) + "x" + std::to_string(tokens().bits)},
                       {"qlip:source", m_result->path.toStdString()}});
    } catch (const qlip::Error& e) {
        showError(tr("Cannot export"), QString::fromStdString(e.what()));
        return false;
    }
    statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(path)), 5000);
    return true;
}

void MainWindow::chooseSaveTokens() {
    const QString base = m_imagePath.isEmpty() ? QStringLiteral("tokens") : QFileInfo(m_imagePath).completeBaseName();
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Tokens"), base + QStringLiteral("-tokens.npy"), tr("Token grids (*.npy)"));
    if (!path.isEmpty()) saveTokens(path);
}

void MainWindow::chooseLoadTokens() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Load Tokens"), QString(), tr("Token grids (*.npy)"));
    if (!path.isEmpty()) loadTokens(path);
}

void MainWindow::chooseExportDecoded() {
    const QString base = m_imagePath.isEmpty() ? QStringLiteral("decoded") : QFileInfo(m_imagePath).completeBaseName();
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Decoded Image"), base + QStringLiteral("-decoded.png"), tr("PNG images (*.png)"));
    if (!path.isEmpty()) exportDecodedPng(path);
}

} // namespace qlipx
