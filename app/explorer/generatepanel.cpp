#include "generatepanel.h"

#include "generationview.h"

#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QRandomGenerator>
#include <QRegularExpressionValidator>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>

namespace qlipx {

namespace {

constexpr int kThumbnail = 64; // the emoji model's images 1:1

QDoubleSpinBox* decimalBox(double min, double max, double step, int decimals, double value, const QString& tip) {
    auto* box = new QDoubleSpinBox;
    box->setRange(min, max);
    box->setSingleStep(step);
    box->setDecimals(decimals);
    box->setValue(value);
    box->setToolTip(tip);
    return box;
}

// Pixel art stays crisp: each image pixel becomes a block of screen pixels.
QIcon thumbnailIcon(const QImage& image) {
    if (image.isNull()) return {};
    return QIcon(QPixmap::fromImage(image.scaled(kThumbnail, kThumbnail, Qt::KeepAspectRatio, Qt::FastTransformation)));
}

} // namespace

GeneratePanel::GeneratePanel(const QString& historyPath, QWidget* parent) : QWidget(parent), m_history(historyPath) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(parameterGroup());
    layout->addWidget(runGroup());
    // The run's samples and the history share the height left.
    m_tabs = new QTabWidget;
    m_tabs->addTab(resultGroup(), tr("Samples"));
    m_tabs->addTab(historyGroup(), tr("History"));
    layout->addWidget(m_tabs, 1);
    setPrior({});
    setRunning(false);
    setResultActionsEnabled(false, false);
    const QString problem = m_history.load();
    refreshHistoryList();
    if (!problem.isEmpty()) setMessage(problem);
    if (!problem.isEmpty()) m_tabs->setCurrentIndex(1);
}

QWidget* GeneratePanel::parameterGroup() {
    auto* box = new QWidget; // no frame or title: the dock is short at the default window size
    auto* form = new QFormLayout(box);
    form->setContentsMargins(0, 0, 0, 0);
    m_priorText = new QLabel;
    m_priorText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_priorText->setMinimumWidth(60);
    auto* openPrior = new QPushButton(tr("Open prior…"));
    openPrior->setToolTip(tr("Open another prior folder (config.json + model.safetensors) for this model"));
    connect(openPrior, &QPushButton::clicked, this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Open Prior Folder"));
        if (!folder.isEmpty()) Q_EMIT openPriorRequested(folder);
    });
    auto* priorRow = new QHBoxLayout;
    priorRow->addWidget(m_priorText, 1);
    priorRow->addWidget(openPrior);
    form->addRow(tr("Prior"), priorRow);

    m_prompt = new QLineEdit;
    m_prompt->setPlaceholderText(tr("e.g. an emoji of a red apple (empty: unconditional)"));
    m_negative = new QLineEdit;
    m_negative->setPlaceholderText(tr("optional: what to steer away from"));
    form->addRow(tr("Prompt"), m_prompt);
    form->addRow(tr("Negative"), m_negative);

    m_cfg = decimalBox(0, 20, 0.5, 2, 3, tr("Classifier-free guidance: 1 = the prompt alone, 0 = unconditional, larger = follow the prompt harder"));
    m_temperature = decimalBox(0, 5, 0.1, 2, 0.8, tr("Sampling temperature (0 = greedy: always the most likely candidate)"));
    m_topK = new QSpinBox;
    m_topK->setRange(0, 1 << 20);
    m_topK->setSpecialValueText(tr("all"));
    m_topK->setToolTip(tr("Keep the k most likely candidates of each bit group (all = no limit)"));
    m_topP = decimalBox(0.01, 1, 0.05, 2, 1, tr("Nucleus sampling per bit group (1 = all candidates)"));
    auto* sampling = new QHBoxLayout;
    for (auto [label, w] : {std::pair<QString, QWidget*>{tr("CFG"), m_cfg}, {tr("T"), m_temperature}}) {
        sampling->addWidget(new QLabel(label));
        sampling->addWidget(w, 1);
    }
    form->addRow(tr("Guidance"), sampling);
    auto* nucleus = new QHBoxLayout;
    for (auto [label, w] : {std::pair<QString, QWidget*>{tr("top-k"), m_topK}, {tr("top-p"), m_topP}}) {
        nucleus->addWidget(new QLabel(label));
        nucleus->addWidget(w, 1);
    }
    form->addRow(tr("Filter"), nucleus);

    m_seed = new QLineEdit;
    m_seed->setValidator(new QRegularExpressionValidator(QRegularExpression(QStringLiteral("\\d{1,19}")), m_seed));
    m_seed->setToolTip(tr("Same seed and settings = the same tokens"));
    m_dice = new QToolButton;
    m_dice->setText(QStringLiteral("⚄")); // a die face: DejaVu Sans has it, unlike the emoji
    m_dice->setToolTip(tr("A random seed"));
    connect(m_dice, &QToolButton::clicked, this, [this] { setSeed(QRandomGenerator::global()->generate()); });
    setSeed(QRandomGenerator::global()->generate());
    m_samples = new QSpinBox;
    m_samples->setRange(1, 16);
    m_samples->setValue(4);
    m_samples->setToolTip(tr("Images per run (they share the prompt and seed, each its own draws)"));
    auto* seedRow = new QHBoxLayout;
    seedRow->addWidget(m_seed, 1);
    seedRow->addWidget(m_dice);
    seedRow->addWidget(new QLabel(tr("samples")));
    seedRow->addWidget(m_samples);
    form->addRow(tr("Seed"), seedRow);
    connect(m_prompt, &QLineEdit::returnPressed, this, [this] {
        if (!m_running) m_generate->click();
    });
    return box;
}

QWidget* GeneratePanel::runGroup() {
    auto* w = new QWidget;
    auto* v = new QVBoxLayout(w);
    v->setContentsMargins(0, 0, 0, 0);
    m_generate = new QPushButton;
    m_generate->setDefault(true);
    connect(m_generate, &QPushButton::clicked, this, [this] {
        if (m_running) Q_EMIT cancelRequested();
        else Q_EMIT generateRequested(request());
    });
    m_regenerate = new QPushButton(tr("Regenerate selection"));
    m_regenerate->setToolTip(tr("Resample only the tokens selected in the Edit dock (rectangle or lasso); "
                                "the others condition them. The chosen sample becomes an undoable edit."));
    connect(m_regenerate, &QPushButton::clicked, this, [this] { Q_EMIT regenerateSelectionRequested(request()); });
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_generate, 1);
    buttons->addWidget(m_regenerate, 1);
    v->addLayout(buttons);
    m_progress = new QProgressBar;
    m_progress->setTextVisible(true);
    v->addWidget(m_progress);
    m_message = new QLabel;
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    v->addWidget(m_message);
    // The legend of the canvas's token layer while a generation is shown.
    auto* legend = new QHBoxLayout;
    auto* empty = new QLabel;
    empty->setPixmap(emptyCellSwatch(24, 12));
    legend->addWidget(empty);
    legend->addWidget(new QLabel(tr("not sampled yet")));
    legend->addSpacing(10);
    legend->addWidget(new QLabel(tr("confidence 0")));
    auto* scale = new QLabel;
    scale->setPixmap(confidenceLegend(90, 10));
    scale->setToolTip(tr("Per token: the geometric mean over its bit groups of the chosen candidate's probability "
                         "(guided, at temperature 1). Drawn by the canvas's token layer (Layers dock: opacity)."));
    legend->addWidget(scale);
    legend->addWidget(new QLabel(tr("1")));
    legend->addStretch(1);
    v->addLayout(legend);

    return w;
}

QWidget* GeneratePanel::resultGroup() {
    auto* box = new QWidget;
    auto* v = new QVBoxLayout(box);
    v->setContentsMargins(4, 4, 4, 4);
    // The actions first: the gallery below them may be cut by a short dock, they must not.
    m_open = new QPushButton(tr("Open in explorer"));
    m_save = new QPushButton(tr("Save PNG…"));
    m_save->setToolTip(tr("The selected sample as PNG, with the prompt and every parameter in its metadata"));
    m_back = new QPushButton(tr("Back to image"));
    m_back->setToolTip(tr("Show the image being edited on the canvas again"));
    connect(m_open, &QPushButton::clicked, this, [this] {
        if (selectedSample() >= 0) Q_EMIT openInExplorerRequested(selectedSample());
    });
    connect(m_save, &QPushButton::clicked, this, [this] {
        if (selectedSample() >= 0) Q_EMIT savePngRequested(selectedSample());
    });
    connect(m_back, &QPushButton::clicked, this, &GeneratePanel::backToImageRequested);
    auto* actions = new QHBoxLayout;
    actions->addWidget(m_open);
    actions->addWidget(m_save);
    actions->addWidget(m_back);
    v->addLayout(actions);
    m_gallery = new QListWidget;
    m_gallery->setViewMode(QListView::IconMode);
    m_gallery->setIconSize(QSize(kThumbnail, kThumbnail));
    m_gallery->setGridSize(QSize(kThumbnail + 12, kThumbnail + 24));
    m_gallery->setResizeMode(QListView::Adjust);
    m_gallery->setMovement(QListView::Static);
    m_gallery->setMinimumHeight(kThumbnail + 36);
    m_gallery->setSelectionMode(QAbstractItemView::SingleSelection);
    m_gallery->setToolTip(tr("Click: show on the canvas. Double-click: open in the explorer for editing."));
    connect(m_gallery, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row >= 0) Q_EMIT sampleSelected(row);
    });
    connect(m_gallery, &QListWidget::itemDoubleClicked, this, [this](QListWidgetItem* item) {
        if (m_open->isEnabled()) Q_EMIT openInExplorerRequested(m_gallery->row(item));
    });
    v->addWidget(m_gallery, 1);

    return box;
}

QWidget* GeneratePanel::historyGroup() {
    auto* box = new QWidget;
    auto* v = new QVBoxLayout(box);
    v->setContentsMargins(4, 4, 4, 4);
    m_runAgain = new QPushButton(tr("Run again"));
    m_runAgain->setToolTip(tr("Run the selected entry again: same seed and settings, so the same tokens with the same model and prior"));
    connect(m_runAgain, &QPushButton::clicked, this, [this] { runHistoryRowAgain(m_historyList->currentRow()); });
    auto* row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("Click restores a run's parameters")), 1);
    row->addWidget(m_runAgain);
    v->addLayout(row);
    m_historyList = new QListWidget;
    m_historyList->setMinimumHeight(90);
    m_historyList->setToolTip(tr("Click: restore the run's parameters. Double-click: run it again."));
    connect(m_historyList, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) { activateHistoryRow(m_historyList->row(item)); });
    connect(m_historyList, &QListWidget::itemDoubleClicked, this, [this](QListWidgetItem* item) { runHistoryRowAgain(m_historyList->row(item)); });
    v->addWidget(m_historyList, 1);
    return box;
}

qlip::GenerateRequest GeneratePanel::request() const {
    qlip::GenerateRequest r;
    r.prompt = m_prompt->text().trimmed().toStdString();
    r.negativePrompt = m_negative->text().trimmed().toStdString();
    r.samples = m_samples->value();
    r.sampling.cfgScale = float(m_cfg->value());
    r.sampling.temperature = float(m_temperature->value());
    r.sampling.topK = m_topK->value();
    r.sampling.topP = float(m_topP->value());
    r.sampling.seed = m_seed->text().toULongLong();
    return r;
}

void GeneratePanel::setRequest(const qlip::GenerateRequest& r) {
    m_prompt->setText(QString::fromStdString(r.prompt));
    m_negative->setText(QString::fromStdString(r.negativePrompt));
    m_samples->setValue(r.samples);
    m_cfg->setValue(r.sampling.cfgScale);
    m_temperature->setValue(r.sampling.temperature);
    m_topK->setValue(r.sampling.topK);
    m_topP->setValue(r.sampling.topP);
    setSeed(r.sampling.seed);
}

void GeneratePanel::setPrompt(const QString& prompt) { m_prompt->setText(prompt); }
void GeneratePanel::setSeed(quint64 seed) { m_seed->setText(QString::number(seed)); }
void GeneratePanel::setSampleCount(int samples) { m_samples->setValue(samples); }
void GeneratePanel::setMessage(const QString& text) { m_message->setText(text); }
QString GeneratePanel::message() const { return m_message->text(); }

void GeneratePanel::setPrior(const PriorInfo& p) {
    m_priorAvailable = p.available();
    // One line: the name and size; where it comes from and any note in the tooltip (and the
    // note, which says why there is no prior, in the message line too).
    if (!p.available()) {
        m_priorText->setText(tr("none"));
        m_priorText->setToolTip(p.note);
        if (!p.note.isEmpty()) setMessage(p.note);
    } else {
        m_priorText->setText(tr("%1 (%2 M)").arg(p.name, QString::number(double(p.parameters) / 1e6, 'f', 1)));
        const QString shape = tr("%1×%2 tokens, %3 bit groups, width %4, %5 layers, %6 parameters")
                                  .arg(p.rows).arg(p.cols).arg(p.groups).arg(p.width).arg(p.layers).arg(p.parameters);
        m_priorText->setToolTip(QStringLiteral("%1\n%2%3").arg(p.folder.isEmpty() ? tr("(in memory)") : p.folder, shape,
                                                                p.note.isEmpty() ? QString() : QStringLiteral("\n") + p.note));
    }
    m_generate->setEnabled(p.available() || m_running);
    m_regenerate->setEnabled(p.available() && !m_running);
}

void GeneratePanel::setRunning(bool running) {
    m_running = running;
    m_generate->setText(running ? tr("Cancel") : tr("Generate"));
    m_generate->setToolTip(running ? tr("Stop this run (the tokens sampled so far are dropped)") : tr("Sample images from the prompt (Enter)"));
    if (running) m_generate->setEnabled(true);
    m_regenerate->setEnabled(!running && m_priorAvailable);
    if (!running) m_generate->setEnabled(m_priorAvailable);
    m_dice->setEnabled(!running);
    m_runAgain->setEnabled(!running);
    if (running) {
        m_progress->setRange(0, 0); // busy until the first report (the prompt is being embedded)
        m_progress->setFormat(tr("starting …"));
    }
    if (running) setResultActionsEnabled(false, false);
}

void GeneratePanel::setProgress(int done, int positions, int cols, const std::vector<uint8_t>& regenerate) {
    if (!regenerate.empty()) {
        // A masked run: what counts is the selection, wherever it lies in raster order.
        int total = 0, sampled = 0;
        for (int n = 0; n < int(regenerate.size()); ++n)
            if (regenerate[size_t(n)]) ++total, sampled += n < done;
        m_progress->setRange(0, std::max(total, 1));
        m_progress->setValue(sampled);
        m_progress->setFormat(tr("%1 / %2 selected tokens").arg(sampled).arg(total));
        return;
    }
    m_progress->setRange(0, std::max(positions, 1));
    m_progress->setValue(done);
    const int rows = cols > 0 ? (positions + cols - 1) / cols : 0;
    const int rowsDone = cols > 0 ? done / cols : 0;
    m_progress->setFormat(tr("%1 of %2 rows · %3 / %4 tokens").arg(rowsDone).arg(rows).arg(done).arg(positions));
}

void GeneratePanel::setGallery(const std::vector<QImage>& images, const std::vector<double>& mean) {
    // Same count: icons are updated in place, so the selection and scroll position stay.
    if (m_gallery->count() != int(images.size())) {
        const QSignalBlocker block(m_gallery);
        m_gallery->clear();
        for (size_t i = 0; i < images.size(); ++i) m_gallery->addItem(new QListWidgetItem);
    }
    for (size_t i = 0; i < images.size(); ++i) {
        QListWidgetItem* item = m_gallery->item(int(i));
        item->setIcon(thumbnailIcon(images[i]));
        const double c = i < mean.size() ? mean[i] : std::nan("");
        item->setText(std::isnan(c) ? QStringLiteral("#%1").arg(i) : QStringLiteral("#%1 · %2").arg(i).arg(c, 0, 'f', 2));
        item->setToolTip(std::isnan(c) ? tr("sample %1").arg(i) : tr("sample %1: mean token confidence %2").arg(i).arg(c, 0, 'f', 3));
    }
}

int GeneratePanel::gallerySize() const { return m_gallery->count(); }
int GeneratePanel::selectedSample() const { return m_gallery->currentRow(); }

void GeneratePanel::selectSample(int sample) {
    const QSignalBlocker block(m_gallery);
    m_gallery->setCurrentRow(sample);
}

void GeneratePanel::setResultActionsEnabled(bool enabled, bool masked) {
    m_open->setEnabled(enabled);
    m_save->setEnabled(enabled);
    m_open->setText(masked ? tr("Apply as edit") : tr("Open in explorer"));
    m_open->setToolTip(masked ? tr("Put this sample's tokens into the selection, as an undoable edit")
                              : tr("Make this sample the image being edited: its tokens become the current tokens (double-click does the same)"));
}

void GeneratePanel::recordRun(const GenerationRecord& record) {
    QString error;
    if (!m_history.append(record, &error)) setMessage(error);
    refreshHistoryList();
}

void GeneratePanel::refreshHistoryList() {
    m_historyList->clear();
    const auto& records = m_history.records();
    for (auto it = records.rbegin(); it != records.rend(); ++it) {
        auto* item = new QListWidgetItem(it->summary());
        item->setToolTip(it->details());
        m_historyList->addItem(item);
    }
    m_tabs->setTabText(1, tr("History (%1)").arg(records.size()));
}

int GeneratePanel::historyRows() const { return m_historyList->count(); }

const GenerationRecord* GeneratePanel::historyRecord(int row) const {
    const auto& records = m_history.records();
    if (row < 0 || row >= int(records.size())) return nullptr;
    return &records[records.size() - 1 - size_t(row)];
}

void GeneratePanel::activateHistoryRow(int row) {
    const GenerationRecord* r = historyRecord(row);
    if (!r) return;
    m_historyList->setCurrentRow(row);
    setRequest(r->request());
    setMessage(tr("Parameters of the run of %1 restored (model %2, prior %3)")
                   .arg(r->time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")), r->model, r->prior));
}

void GeneratePanel::runHistoryRowAgain(int row) {
    if (m_running || !historyRecord(row)) return;
    activateHistoryRow(row);
    Q_EMIT generateRequested(request());
}

} // namespace qlipx
