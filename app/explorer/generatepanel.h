#pragma once
// The Generate dock (issue #7): a prompt, a negative prompt and the sampling parameters (CFG
// scale, temperature, top-k, top-p, seed with a dice button, samples); Generate, which becomes
// Cancel while a run streams, with its progress; the run's notices; the confidence legend; a
// gallery of the run's samples (a click shows one on the canvas, a double-click or "Open in
// explorer" makes it the image being edited, "Save PNG…" writes it with its generation metadata);
// "Regenerate selection" (masked regeneration of the Edit dock's selection); and the run history,
// which survives restarts (a click restores a run's parameters, "Run again" re-runs it).
// It only says what the user chose; MainWindow talks to the engine thread.
#include "generation.h"
#include "generationhistory.h"

#include <QWidget>

class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QToolButton;

namespace qlipx {

class GeneratePanel : public QWidget {
    Q_OBJECT
public:
    // `historyPath`: the history file (GenerationHistory::defaultPath() in the app).
    explicit GeneratePanel(const QString& historyPath, QWidget* parent = nullptr);

    // The parameters as set (no tokens to keep).
    qlip::GenerateRequest request() const;
    void setRequest(const qlip::GenerateRequest& request);
    void setPrompt(const QString& prompt);
    void setSeed(quint64 seed);
    void setSampleCount(int samples);

    void setPrior(const PriorInfo& prior);
    // While running, Generate reads Cancel and the progress bar shows the positions done.
    void setRunning(bool running);
    bool isRunning() const { return m_running; }
    // A masked run (`regenerate` not empty) counts the selected tokens instead of the rows.
    void setProgress(int positionsDone, int positions, int cols, const std::vector<uint8_t>& regenerate = {});
    void setMessage(const QString& text); // notices, errors, timings
    QString message() const;

    // The gallery: one thumbnail per sample of the current run (updated while it streams).
    void setGallery(const std::vector<QImage>& images, const std::vector<double>& meanConfidence);
    int gallerySize() const;
    int selectedSample() const; // -1: none
    void selectSample(int sample);
    void setResultActionsEnabled(bool enabled, bool masked); // Open in explorer / Apply, Save PNG

    GenerationHistory& history() { return m_history; }
    // Adds a run to the history (and its file) and lists it first.
    void recordRun(const GenerationRecord& record);
    int historyRows() const;
    void activateHistoryRow(int row); // row 0 = newest: restores its parameters
    void runHistoryRowAgain(int row);
    QPushButton* generateButton() const { return m_generate; }
    QPushButton* openButton() const { return m_open; }
    QPushButton* regenerateButton() const { return m_regenerate; }
    QListWidget* gallery() const { return m_gallery; }
    QListWidget* historyList() const { return m_historyList; }

Q_SIGNALS:
    void generateRequested(const qlip::GenerateRequest& request);
    void regenerateSelectionRequested(const qlip::GenerateRequest& request);
    void cancelRequested();
    void openPriorRequested(const QString& folder);
    void sampleSelected(int sample);
    void openInExplorerRequested(int sample);
    void savePngRequested(int sample);
    void backToImageRequested();

private:
    QWidget* parameterGroup();
    QWidget* runGroup();
    QWidget* resultGroup();
    QWidget* historyGroup();
    void refreshHistoryList();
    const GenerationRecord* historyRecord(int row) const;

    GenerationHistory m_history;
    bool m_running = false;
    bool m_priorAvailable = false;
    QLabel* m_priorText = nullptr;
    QLineEdit* m_prompt = nullptr;
    QLineEdit* m_negative = nullptr;
    QDoubleSpinBox* m_cfg = nullptr;
    QDoubleSpinBox* m_temperature = nullptr;
    QSpinBox* m_topK = nullptr;
    QDoubleSpinBox* m_topP = nullptr;
    QLineEdit* m_seed = nullptr;
    QToolButton* m_dice = nullptr;
    QSpinBox* m_samples = nullptr;
    QPushButton* m_generate = nullptr;
    QPushButton* m_regenerate = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_message = nullptr;
    QTabWidget* m_tabs = nullptr;
    QListWidget* m_gallery = nullptr;
    QPushButton* m_open = nullptr;
    QPushButton* m_save = nullptr;
    QPushButton* m_back = nullptr;
    QListWidget* m_historyList = nullptr;
    QPushButton* m_runAgain = nullptr;
};

} // namespace qlipx
