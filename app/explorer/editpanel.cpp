#include "editpanel.h"

#include "qlip/tokenedit.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QUndoView>
#include <QVBoxLayout>
#include <QProgressBar>
#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSeries>
#include <QtCharts/QBarSet>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QValueAxis>

#include <algorithm>

namespace qlipx {

EditPanel::EditPanel(QUndoStack* history, QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(toolGroup());
    layout->addWidget(selectionGroup());
    layout->addWidget(sensitivityGroup());
    m_diff = new QCheckBox(tr("Heat map: edited vs unedited reconstruction"));
    m_diff->setToolTip(tr("The error heat map (Layers) shows how the edits changed the decoded image"));
    connect(m_diff, &QCheckBox::toggled, this, &EditPanel::diffViewToggled);
    layout->addWidget(m_diff);
    m_status = new QLabel;
    m_status->setWordWrap(true);
    layout->addWidget(m_status);
    auto* historyBox = new QGroupBox(tr("History"));
    auto* hl = new QVBoxLayout(historyBox);
    auto* view = new QUndoView(history);
    view->setEmptyLabel(tr("<encoded tokens>"));
    hl->addWidget(view);
    layout->addWidget(historyBox, 1);
}

QWidget* EditPanel::toolGroup() {
    auto* box = new QGroupBox(tr("Tool"));
    auto* grid = new QGridLayout(box);
    m_tools = new QButtonGroup(box);
    const std::pair<EditTool, QString> tools[] = {
        {EditTool::Pick, tr("Pick / pan")},          {EditTool::FlipBit, tr("Flip bit (click)")},
        {EditTool::PaintBit, tr("Paint bit (brush)")}, {EditTool::FillBrush, tr("Paint picked token")},
        {EditTool::RevertBrush, tr("Revert (brush)")}, {EditTool::SelectRect, tr("Select rectangle")},
        {EditTool::SelectLasso, tr("Select lasso")}};
    int i = 0;
    for (const auto& [tool, text] : tools) {
        auto* b = new QRadioButton(text);
        m_tools->addButton(b, int(tool));
        grid->addWidget(b, i, 0, 1, 2);
        ++i;
    }
    m_tools->button(int(EditTool::Pick))->setChecked(true);
    connect(m_tools, &QButtonGroup::idClicked, this, [this](int id) { Q_EMIT toolChanged(EditTool(id)); });

    auto* form = new QFormLayout;
    m_bit = new QSpinBox;
    m_bit->setRange(0, 27);
    m_bit->setPrefix(QStringLiteral("b"));
    m_bit->setToolTip(tr("The bit the tools act on (b0 = most significant)"));
    m_paintOp = new QComboBox;
    m_paintOp->addItem(tr("Set to 1"), int(qlip::BitOp::Set));
    m_paintOp->addItem(tr("Clear to 0"), int(qlip::BitOp::Clear));
    m_paintOp->addItem(tr("Toggle"), int(qlip::BitOp::Toggle));
    m_radius = new QSpinBox;
    m_radius->setRange(0, 6);
    m_radius->setSuffix(tr(" tokens"));
    m_radius->setToolTip(tr("Brush radius (0 = one token)"));
    form->addRow(tr("Bit"), m_bit);
    form->addRow(tr("Paint"), m_paintOp);
    form->addRow(tr("Brush radius"), m_radius);
    grid->addLayout(form, i, 0, 1, 2);
    return box;
}

QWidget* EditPanel::selectionGroup() {
    auto* box = new QGroupBox(tr("Selection"));
    auto* grid = new QGridLayout(box);
    m_allBits = new QCheckBox(tr("All bits (else the chosen bit)"));
    grid->addWidget(m_allBits, 0, 0, 1, 2);
    const std::pair<SelectionOp, QString> ops[] = {
        {SelectionOp::Set, tr("Set")},          {SelectionOp::Clear, tr("Clear")},       {SelectionOp::Invert, tr("Invert")},
        {SelectionOp::Randomize, tr("Random")}, {SelectionOp::RotateLeft, tr("Rotate ←")}, {SelectionOp::RotateRight, tr("Rotate →")},
        {SelectionOp::FillPicked, tr("Fill picked")}, {SelectionOp::Revert, tr("Revert")}, {SelectionOp::Copy, tr("Copy")},
        {SelectionOp::Deselect, tr("Deselect")}};
    int i = 0;
    for (const auto& [op, text] : ops) {
        auto* b = new QPushButton(text);
        connect(b, &QPushButton::clicked, this, [this, op = op] { Q_EMIT selectionOperation(op); });
        grid->addWidget(b, 1 + i / 2, i % 2);
        ++i;
    }
    auto* paste = new QPushButton(tr("Paste at pick"));
    paste->setToolTip(tr("Paste the copied tokens (from this or another image) with their top-left at the picked token"));
    connect(paste, &QPushButton::clicked, this, &EditPanel::pasteRequested);
    grid->addWidget(paste, 1 + i / 2, i % 2, 1, 2 - i % 2);
    return box;
}

QWidget* EditPanel::sensitivityGroup() {
    auto* box = new QGroupBox(tr("Bit-flip sensitivity"));
    box->setToolTip(tr("Flip a bit in every token, one token at a time, decode, and measure how much the image changes "
                       "(mean absolute change over all pixels, levels of 255). Shown as token colours on the canvas."));
    auto* grid = new QGridLayout(box);
    m_sensitivityBits = new QComboBox;
    m_sensitivityBits->addItem(tr("The chosen bit"));
    m_sensitivityBits->addItem(tr("All bits (mean)"));
    m_sensitivityRun = new QPushButton(tr("Compute"));
    m_sensitivityCancel = new QPushButton(tr("Cancel"));
    m_sensitivityCancel->setEnabled(false);
    m_sensitivityProgress = new QProgressBar;
    m_sensitivityProgress->setRange(0, 100);
    m_sensitivityProgress->setVisible(false);
    m_sensitivitySummary = new QLabel;
    m_sensitivitySummary->setWordWrap(true);
    grid->addWidget(m_sensitivityBits, 0, 0);
    grid->addWidget(m_sensitivityRun, 0, 1);
    grid->addWidget(m_sensitivityCancel, 0, 2);
    grid->addWidget(m_sensitivityProgress, 1, 0, 1, 3);
    grid->addWidget(m_sensitivitySummary, 2, 0, 1, 3);

    auto* chart = new QChart;
    chart->legend()->hide();
    chart->setMargins(QMargins(2, 2, 2, 2));
    chart->setBackgroundRoundness(0);
    chart->setTheme(palette().color(QPalette::Window).lightness() < 128 ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    m_sensitivitySet = new QBarSet(tr("mean change"));
    auto* series = new QBarSeries;
    series->append(m_sensitivitySet);
    chart->addSeries(series);
    auto* x = new QBarCategoryAxis;
    auto* y = new QValueAxis;
    y->setTitleText(tr("levels"));
    y->setLabelFormat(QStringLiteral("%.1f"));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    series->attachAxis(x);
    series->attachAxis(y);
    m_sensitivityChart = new QChartView(chart);
    m_sensitivityChart->setMinimumHeight(150);
    m_sensitivityChart->setVisible(false);
    grid->addWidget(m_sensitivityChart, 3, 0, 1, 3);

    connect(m_sensitivityRun, &QPushButton::clicked, this, [this] { Q_EMIT sensitivityRequested(sensitivityAllBits()); });
    connect(m_sensitivityCancel, &QPushButton::clicked, this, &EditPanel::sensitivityCancelled);
    return box;
}

bool EditPanel::sensitivityAllBits() const { return m_sensitivityBits->currentIndex() == 1; }

void EditPanel::setSensitivityProgress(double fraction) {
    const bool running = fraction >= 0;
    m_sensitivityProgress->setVisible(running);
    m_sensitivityProgress->setValue(running ? int(fraction * 100) : 0);
    m_sensitivityRun->setEnabled(!running);
    m_sensitivityCancel->setEnabled(running);
}

void EditPanel::setSensitivityChart(const std::vector<int>& bits, const std::vector<double>& means, const QString& summary) {
    m_sensitivitySummary->setText(summary);
    m_sensitivitySet->remove(0, m_sensitivitySet->count());
    QStringList labels;
    double top = 0;
    for (size_t i = 0; i < bits.size() && i < means.size(); ++i) {
        *m_sensitivitySet << means[i];
        labels << QString::number(bits[i]);
        top = std::max(top, means[i]);
    }
    QChart* chart = m_sensitivityChart->chart();
    auto* x = qobject_cast<QBarCategoryAxis*>(chart->axes(Qt::Horizontal).value(0));
    auto* y = qobject_cast<QValueAxis*>(chart->axes(Qt::Vertical).value(0));
    x->setCategories(labels);
    y->setRange(0, top > 0 ? top * 1.1 : 1);
    m_sensitivityChart->setVisible(bits.size() > 1);
}

std::vector<double> EditPanel::sensitivityChartValues() const {
    std::vector<double> v;
    for (int i = 0; i < m_sensitivitySet->count(); ++i) v.push_back(m_sensitivitySet->at(i));
    return v;
}

EditTool EditPanel::tool() const { return EditTool(m_tools->checkedId()); }

void EditPanel::setTool(EditTool tool) {
    if (auto* b = m_tools->button(int(tool))) b->setChecked(true);
    Q_EMIT toolChanged(tool);
}

int EditPanel::bit() const { return m_bit->value(); }
bool EditPanel::allBits() const { return m_allBits->isChecked(); }
int EditPanel::paintOp() const { return m_paintOp->currentData().toInt(); }
int EditPanel::brushRadius() const { return m_radius->value(); }
bool EditPanel::diffView() const { return m_diff->isChecked(); }
void EditPanel::setBits(int bits) { m_bit->setMaximum(std::max(0, bits - 1)); }
void EditPanel::setStatus(const QString& text) { m_status->setText(text); }
QString EditPanel::statusText() const { return m_status->text(); }

} // namespace qlipx
