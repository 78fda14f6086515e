#include "querypanel.h"

#include "qlip/error.h"
#include "qlip/query.h"
#include "startup.h"

#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSlider>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSet>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QHorizontalBarSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <numeric>

namespace qlipx {

namespace {

constexpr int kChartBars = 10;
// CLIP-style ensemble for emoji and photos: the mean of the normalised embeddings.
const QStringList kEnsemble = {QStringLiteral("{}"), QStringLiteral("an emoji of {}"), QStringLiteral("a picture of {}"),
                               QStringLiteral("a photo of a {}")};

QString dataFile(const QString& name) {
    for (const QString& dir : dataFolders())
        if (QFile::exists(dir + QStringLiteral("/labels/") + name)) return dir + QStringLiteral("/labels/") + name;
    return {};
}

} // namespace

QueryPanel::QueryPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    m_labels = new QPlainTextEdit;
    m_labels->setPlaceholderText(tr("One label per line"));
    m_labels->setPlainText(QStringLiteral("red apple\ngreen apple\ngrinning face\ncat face\nrocket\nred heart"));
    m_labels->setMaximumHeight(110);
    layout->addWidget(m_labels);

    auto* load = new QToolButton;
    load->setText(tr("Labels"));
    load->setPopupMode(QToolButton::InstantPopup);
    auto* menu = new QMenu(load);
    menu->addAction(tr("Load label file…"), this, &QueryPanel::loadLabels);
    for (const auto& [name, file] : {std::pair{tr("Emoji set (1,594)"), QStringLiteral("emoji-fluent.txt")},
                                     std::pair{tr("ImageNet-1k classes"), QStringLiteral("imagenet-1k.txt")},
                                     std::pair{tr("Everyday objects"), QStringLiteral("everyday.txt")}})
        menu->addAction(name, this, [this, file = file] {
            QStringList l;
            QString error;
            if (readLabelFile(dataFile(file), &l, &error)) setLabels(l);
            else setMessage(error);
        });
    load->setMenu(menu);
    auto* runButton = new QPushButton(tr("Run"));
    auto* row = new QHBoxLayout;
    row->addWidget(load);
    row->addStretch(1);
    row->addWidget(runButton);
    layout->addLayout(row);

    auto* form = new QFormLayout;
    m_template = new QComboBox;
    m_template->setEditable(true);
    m_template->addItems({QStringLiteral("{}"), QStringLiteral("an emoji of {}"), QStringLiteral("a photo of a {}"),
                          tr("ensemble: ") + kEnsemble.join(QStringLiteral(" | "))});
    m_template->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_template->setMinimumContentsLength(14); // the ensemble's text is long; the dock stays narrow
    m_template->setToolTip(tr("{} is replaced by each label; the ensemble averages the normalised embeddings of several templates"));
    m_scale = new QComboBox;
    m_scale->addItem(tr("100 (reference notebook)"));
    m_scale->addItem(tr("learned: exp(logit_scale)"));
    form->addRow(tr("Template"), m_template);
    form->addRow(tr("Scale"), m_scale);
    layout->addLayout(form);

    auto* chart = new QChart;
    chart->legend()->hide();
    chart->setMargins(QMargins(2, 2, 2, 2));
    chart->setBackgroundRoundness(0);
    chart->setTheme(palette().color(QPalette::Window).lightness() < 128 ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    m_series = new QHorizontalBarSeries;
    chart->addSeries(m_series);
    auto* y = new QBarCategoryAxis;
    auto* x = new QValueAxis;
    x->setRange(0, 1);
    x->setLabelFormat(QStringLiteral("%.1f"));
    chart->addAxis(y, Qt::AlignLeft);
    chart->addAxis(x, Qt::AlignBottom);
    m_series->attachAxis(y);
    m_series->attachAxis(x);
    m_chart = new QChartView(chart);
    m_chart->setMinimumHeight(160);
    layout->addWidget(m_chart, 1);
    m_list = new QPlainTextEdit;
    m_list->setReadOnly(true);
    m_list->setFont(QFont(QStringLiteral("monospace")));
    m_list->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_list->setMinimumHeight(90);
    layout->addWidget(m_list, 1);
    m_message = new QLabel;
    m_message->setWordWrap(true);
    layout->addWidget(m_message);
    // Where does a label match? The per-token text map as a heat layer on the canvas.
    auto* mapRow = new QHBoxLayout;
    m_mapLabel = new QComboBox;
    m_mapLabel->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_mapLabel->setMinimumContentsLength(12);
    auto* where = new QPushButton(tr("Where?"));
    where->setToolTip(tr("Colour each token by how well it matches the label (cosine of its projected value-path state "
                         "with the label's text embedding, MaskCLIP-style); hottest = best match"));
    m_occlusion = new QPushButton(tr("Exact"));
    m_occlusion->setCheckable(true);
    m_occlusion->setToolTip(tr("Occlusion map: grey out each 2x2 window of tokens, re-embed, and colour tokens by how much the "
                               "label's similarity drops (batched on the engine thread; click again to cancel)"));
    mapRow->addWidget(m_mapLabel, 1);
    mapRow->addWidget(where);
    mapRow->addWidget(m_occlusion);
    layout->addLayout(mapRow);
    // Range control of the map's colours (napari's contrast limits): [min, max] by default.
    auto* rangeRow = new QHBoxLayout;
    m_rangeLow = new QSlider(Qt::Horizontal);
    m_rangeHigh = new QSlider(Qt::Horizontal);
    for (QSlider* s : {m_rangeLow, m_rangeHigh}) {
        s->setRange(0, 100);
        s->setToolTip(tr("Colour range of the map: the part of [min, max] that spans cold to hot"));
        connect(s, &QSlider::valueChanged, this, &QueryPanel::mapRangeChanged);
    }
    m_rangeHigh->setValue(100);
    rangeRow->addWidget(new QLabel(tr("Range")));
    rangeRow->addWidget(m_rangeLow);
    rangeRow->addWidget(m_rangeHigh);
    layout->addLayout(rangeRow);
    connect(m_occlusion, &QPushButton::clicked, this, [this](bool on) {
        if (!on) return Q_EMIT occlusionCancelled();
        if (m_mapLabel->currentText().isEmpty()) return m_occlusion->setChecked(false);
        Q_EMIT occlusionRequested(m_mapLabel->currentText(), templates());
    });
    connect(where, &QPushButton::clicked, this, [this] {
        if (!m_mapLabel->currentText().isEmpty()) Q_EMIT mapRequested(m_mapLabel->currentText(), templates());
    });

    m_debounce.setSingleShot(true);
    m_debounce.setInterval(400); // typing re-runs the query once the user pauses
    connect(&m_debounce, &QTimer::timeout, this, &QueryPanel::run);
    connect(m_labels, &QPlainTextEdit::textChanged, &m_debounce, qOverload<>(&QTimer::start));
    connect(m_template, &QComboBox::currentTextChanged, &m_debounce, qOverload<>(&QTimer::start));
    connect(m_scale, &QComboBox::currentIndexChanged, this, &QueryPanel::run);
    connect(runButton, &QPushButton::clicked, this, &QueryPanel::run);
}

QStringList QueryPanel::labels() const {
    QStringList out;
    for (const QString& l : m_labels->toPlainText().split(QLatin1Char('\n'))) {
        const QString t = l.trimmed();
        if (!t.isEmpty() && !t.startsWith(QLatin1Char('#')) && !out.contains(t)) out << t;
    }
    return out;
}

QStringList QueryPanel::templates() const {
    const QString t = m_template->currentText();
    if (t.startsWith(tr("ensemble: "))) return kEnsemble;
    return {t.contains(QStringLiteral("{}")) ? t : t + QStringLiteral(" {}")};
}

bool QueryPanel::learnedScale() const { return m_scale->currentIndex() == 1; }
void QueryPanel::setLabels(const QStringList& labels) { m_labels->setPlainText(labels.join(QLatin1Char('\n'))); }
void QueryPanel::setTemplateIndex(int index) { m_template->setCurrentIndex(index); }
void QueryPanel::setMessage(const QString& text) { m_message->setText(text); }
QString QueryPanel::resultText() const { return m_list->toPlainText(); }
QString QueryPanel::message() const { return m_message->text(); }
QString QueryPanel::mapLabel() const { return m_mapLabel->currentText(); }
double QueryPanel::rangeLow() const { return std::min(m_rangeLow->value(), m_rangeHigh->value() - 1) / 100.0; }
double QueryPanel::rangeHigh() const { return std::max(m_rangeHigh->value(), m_rangeLow->value() + 1) / 100.0; }
void QueryPanel::setRange(double low, double high) {
    m_rangeLow->setValue(qRound(low * 100));
    m_rangeHigh->setValue(qRound(high * 100));
}
void QueryPanel::setOcclusionRunning(bool running) {
    m_occlusion->setChecked(running);
    m_occlusion->setText(running ? tr("Cancel") : tr("Exact"));
}

QStringList QueryPanel::chartLabels() const {
    auto* axis = qobject_cast<QBarCategoryAxis*>(m_chart->chart()->axes(Qt::Vertical).value(0));
    QStringList out = axis ? axis->categories() : QStringList();
    std::reverse(out.begin(), out.end()); // the axis lists bottom to top
    return out;
}

bool QueryPanel::readLabelFile(const QString& path, QStringList* labels, QString* error) {
    try {
        labels->clear();
        for (const std::string& l : qlip::readLabelFile(path.toStdString())) *labels << QString::fromStdString(l);
    } catch (const qlip::Error& e) {
        *error = QString::fromStdString(e.what());
        return false;
    }
    if (labels->isEmpty()) {
        *error = tr("%1 holds no labels").arg(path);
        return false;
    }
    return true;
}

void QueryPanel::loadLabels() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Load Labels"), QString(), tr("Label files (*.txt);;All files (*)"));
    if (path.isEmpty()) return;
    QStringList l;
    QString error;
    if (readLabelFile(path, &l, &error)) setLabels(l);
    else setMessage(error);
}

void QueryPanel::run() {
    m_debounce.stop();
    const QStringList l = labels();
    if (l.isEmpty()) return setMessage(tr("Type at least one label"));
    setMessage(tr("Running …"));
    Q_EMIT queryRequested(l, templates(), learnedScale());
}

void QueryPanel::setResult(const QueryResult& r) {
    std::vector<size_t> order(r.labels.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return r.probabilities[a] > r.probabilities[b]; });
    // The chart shows the best ten, best at the top.
    m_series->clear();
    auto* set = new QBarSet(tr("probability"));
    QStringList categories;
    const size_t bars = std::min<size_t>(order.size(), kChartBars);
    for (size_t i = bars; i-- > 0;) {
        *set << double(r.probabilities[order[i]]);
        categories << r.labels[int(order[i])];
    }
    m_series->append(set);
    // A fresh category axis each time: QtCharts 6.4 sizes the label column when the axis is added,
    // so changing the categories of an existing axis leaves the labels elided.
    QChart* chart = m_chart->chart();
    for (QAbstractAxis* old : chart->axes(Qt::Vertical)) {
        chart->removeAxis(old);
        delete old;
    }
    auto* axis = new QBarCategoryAxis;
    axis->setTruncateLabels(false);
    axis->append(categories);
    chart->addAxis(axis, Qt::AlignLeft);
    m_series->attachAxis(axis);
    QStringList lines{tr("   p      cos    label")};
    for (size_t i : order)
        lines << QStringLiteral("%1  %2  %3").arg(double(r.probabilities[i]), 5, 'f', 3).arg(double(r.cosines[i]), 6, 'f', 3).arg(r.labels[int(i)]);
    if (lines.size() > 41) {
        const int more = int(lines.size()) - 41;
        lines = lines.mid(0, 41);
        lines << tr("… and %1 more").arg(more);
    }
    m_list->setPlainText(lines.join(QLatin1Char('\n')));
    const QString keep = m_mapLabel->currentText();
    m_mapLabel->clear();
    for (size_t i : order) m_mapLabel->addItem(r.labels[int(i)]);
    if (const int k = m_mapLabel->findText(keep); k >= 0) m_mapLabel->setCurrentIndex(k);
    setMessage(tr("%1 labels, scale %2, %3 ms").arg(r.labels.size()).arg(r.scale, 0, 'f', 1).arg(r.ms, 0, 'f', 0));
}

} // namespace qlipx
