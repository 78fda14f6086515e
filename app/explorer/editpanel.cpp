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

namespace qlipx {

EditPanel::EditPanel(QUndoStack* history, QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(toolGroup());
    layout->addWidget(selectionGroup());
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
        grid->addWidget(b, i / 2, i % 2);
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
    grid->addLayout(form, (i + 1) / 2, 0, 1, 2);
    return box;
}

QWidget* EditPanel::selectionGroup() {
    auto* box = new QGroupBox(tr("Selection"));
    auto* grid = new QGridLayout(box);
    m_allBits = new QCheckBox(tr("All bits (else the chosen bit)"));
    grid->addWidget(m_allBits, 0, 0, 1, 3);
    const std::pair<SelectionOp, QString> ops[] = {
        {SelectionOp::Set, tr("Set")},          {SelectionOp::Clear, tr("Clear")},       {SelectionOp::Invert, tr("Invert")},
        {SelectionOp::Randomize, tr("Random")}, {SelectionOp::RotateLeft, tr("Rotate ←")}, {SelectionOp::RotateRight, tr("Rotate →")},
        {SelectionOp::FillPicked, tr("Fill picked")}, {SelectionOp::Revert, tr("Revert")}, {SelectionOp::Copy, tr("Copy")},
        {SelectionOp::Deselect, tr("Deselect")}};
    int i = 0;
    for (const auto& [op, text] : ops) {
        auto* b = new QPushButton(text);
        connect(b, &QPushButton::clicked, this, [this, op = op] { Q_EMIT selectionOperation(op); });
        grid->addWidget(b, 1 + i / 3, i % 3);
        ++i;
    }
    auto* paste = new QPushButton(tr("Paste at pick"));
    paste->setToolTip(tr("Paste the copied tokens (from this or another image) with their top-left at the picked token"));
    connect(paste, &QPushButton::clicked, this, &EditPanel::pasteRequested);
    grid->addWidget(paste, 1 + i / 3, i % 3, 1, 3 - i % 3);
    return box;
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
