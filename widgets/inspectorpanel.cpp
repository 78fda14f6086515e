#include "inspectorpanel.h"

#include "tokencolor.h"
#include "tokenstats.h"

#include <QApplication>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QFontDatabase>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPainter>
#include <QRegularExpression>
#include <QScrollArea>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace qlipx {

namespace {

const QString kHint = QStringLiteral("Hover or click a token");
const QString kNoLatents = QStringLiteral("No latents (tokens loaded from a file): margins unknown");
constexpr QChar kMinus(0x2212); // a real minus sign is as wide as '+' in monospace fonts

QFont monoFont() { return QFontDatabase::systemFont(QFontDatabase::FixedFont); }

QString signedCode(bool one) { return one ? QStringLiteral("+1") : QString(kMinus) + QLatin1Char('1'); }

QLabel* valueLabel(QWidget* parent, bool mono = true) {
    auto* label = new QLabel(parent);
    label->setTextFormat(Qt::PlainText);
    // Mouse only: keyboard selection would take focus from the panel and eat the arrow keys.
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    if (mono) label->setFont(monoFont());
    return label;
}

QLabel* keyLabel(const QString& text, QWidget* parent) {
    auto* label = new QLabel(text, parent);
    QPalette p = label->palette();
    p.setColor(QPalette::WindowText, p.color(QPalette::PlaceholderText));
    label->setPalette(p);
    label->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    return label;
}

QPixmap swatchPixmap(const QColor& colour, int size) {
    QPixmap pixmap(size, size);
    pixmap.fill(colour);
    QPainter painter(&pixmap);
    painter.setPen(QColor(0, 0, 0, 140));
    painter.drawRect(0, 0, size - 1, size - 1);
    return pixmap;
}

} // namespace

// The picked token's image patch, scaled up by the largest integer factor that fits so every
// model-input pixel stays a crisp square.
class PatchView : public QWidget {
public:
    explicit PatchView(QWidget* parent) : QWidget(parent) {
        setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
    }
    void setImage(const QImage& image) {
        m_image = image;
        setToolTip(image.isNull() ? QString()
                                  : QStringLiteral("%1 × %2 px of the model input").arg(image.width()).arg(image.height()));
        update();
    }
    const QImage& image() const { return m_image; }
    QSize sizeHint() const override { return {kSide, kSide}; }

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter painter(this);
        const QRect inner = rect().adjusted(1, 1, -1, -1);
        painter.fillRect(rect(), palette().color(QPalette::Base));
        if (m_image.isNull()) {
            painter.setPen(palette().color(QPalette::PlaceholderText));
            painter.drawText(inner, Qt::AlignCenter | Qt::TextWordWrap, QStringLiteral("no patch"));
        } else {
            const int factor = std::max(1, std::min(inner.width() / m_image.width(), inner.height() / m_image.height()));
            const QSize size = m_image.size() * factor;
            const QRect target(inner.center() - QPoint(size.width() / 2, size.height() / 2), size);
            painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
            painter.drawImage(target, m_image);
        }
        painter.setPen(palette().color(QPalette::Mid));
        painter.drawRect(rect().adjusted(0, 0, -1, -1));
    }

private:
    static constexpr int kSide = 98; // 16 px patches at 6x, 8 px at 12x, plus the frame
    QImage m_image;
};

// One row per bit: bit number, code, margin |z| and a bar to the image-wide scale, so moving
// the pick compares tokens at a glance. The smallest margin (the bit closest to flipping) is
// highlighted. Right click copies the list as tab-separated text.
class MarginBars : public QWidget {
public:
    explicit MarginBars(QWidget* parent) : QWidget(parent) {
        setFont(monoFont());
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    }

    void setData(std::vector<bool> ones, std::vector<float> latents, float scale, int weakest) {
        m_ones = std::move(ones);
        m_latents = std::move(latents);
        m_scale = scale > 0 ? scale : 1.f;
        m_weakest = weakest;
        updateGeometry();
        update();
    }
    std::vector<float> margins() const {
        std::vector<float> m(m_latents.size());
        std::transform(m_latents.begin(), m_latents.end(), m.begin(), [](float z) { return std::abs(z); });
        return m;
    }
    int weakest() const { return m_weakest; }
    QString tsv() const {
        QString text = QStringLiteral("bit\tcode\tz\tmargin\n");
        for (size_t e = 0; e < m_latents.size(); ++e)
            text += QStringLiteral("b%1\t%2\t%3\t%4\n")
                        .arg(e)
                        .arg(m_ones[e] ? 1 : -1)
                        .arg(double(m_latents[e]), 0, 'f', 6)
                        .arg(double(std::abs(m_latents[e])), 0, 'f', 6);
        return text;
    }

    QSize sizeHint() const override { return {columnBar() + 120, rowHeight() * int(m_latents.size())}; }
    QSize minimumSizeHint() const override { return {columnBar() + 40, sizeHint().height()}; }

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter painter(this);
        const QColor text = palette().color(QPalette::Text);
        const QColor dim = palette().color(QPalette::PlaceholderText);
        const QColor bar = palette().color(QPalette::Highlight);
        const QColor warn(255, 159, 67); // orange: the bit nearest to flipping
        const int barLeft = columnBar();
        const int barMax = std::max(1, width() - barLeft - 2);
        for (int e = 0; e < int(m_latents.size()); ++e) {
            const QRect row(0, e * rowHeight(), width(), rowHeight());
            const bool weakest = e == m_weakest;
            if (weakest) painter.fillRect(row, QColor(warn.red(), warn.green(), warn.blue(), 45));
            else if (e % 2) painter.fillRect(row, QColor(255, 255, 255, 8)); // faint zebra keeps rows aligned by eye
            const float margin = std::abs(m_latents[size_t(e)]);
            const QString cells = QStringLiteral("b%1 %2 %3")
                                      .arg(e, -2)
                                      .arg(signedCode(m_ones[size_t(e)]))
                                      .arg(double(margin), 0, 'f', 4);
            painter.setPen(weakest ? warn : text);
            painter.drawText(row.adjusted(2, 0, 0, 0), Qt::AlignVCenter | Qt::AlignLeft, cells);
            const int length = std::max(1, int(std::lround(double(margin / m_scale) * barMax)));
            const QRect barRect(barLeft, row.top() + 3, std::min(length, barMax), row.height() - 6);
            painter.fillRect(barRect, weakest ? warn : bar);
        }
        if (m_latents.empty()) {
            painter.setPen(dim);
            painter.drawText(rect(), Qt::AlignCenter, QStringLiteral("—"));
        }
    }

    bool event(QEvent* event) override {
        if (event->type() == QEvent::ToolTip) {
            auto* help = static_cast<QHelpEvent*>(event);
            const int e = help->pos().y() / rowHeight();
            if (e >= 0 && e < int(m_latents.size())) {
                const float z = m_latents[size_t(e)];
                QToolTip::showText(help->globalPos(),
                                   QStringLiteral("b%1: code %2, z = %3, margin |z| = %4%5")
                                       .arg(e)
                                       .arg(signedCode(m_ones[size_t(e)]))
                                       .arg(double(z), 0, 'f', 6)
                                       .arg(double(std::abs(z)), 0, 'f', 6)
                                       .arg(e == m_weakest ? QStringLiteral(" (nearest to flipping)") : QString()),
                                   this);
            } else {
                QToolTip::hideText();
            }
            return true;
        }
        return QWidget::event(event);
    }

    void contextMenuEvent(QContextMenuEvent* event) override {
        if (m_latents.empty()) return;
        QMenu menu(this);
        menu.addAction(QStringLiteral("Copy margins (tab-separated)"), this,
                       [this] { QApplication::clipboard()->setText(tsv()); });
        menu.exec(event->globalPos());
    }

private:
    int rowHeight() const { return QFontMetrics(font()).height() + 3; }
    // Bars start after "b27 -1 0.1234 ", whatever the font.
    int columnBar() const { return QFontMetrics(font()).horizontalAdvance(QStringLiteral("b00 +1 0.0000  ")) + 2; }

    std::vector<bool> m_ones;
    std::vector<float> m_latents;
    float m_scale = 1.f;
    int m_weakest = -1;
};

InspectorPanel::InspectorPanel(QWidget* parent) : QWidget(parent) {
    setFocusPolicy(Qt::StrongFocus);
    buildUi();
    refresh();
}

void InspectorPanel::buildUi() {
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(6, 6, 6, 6);
    outer->setSpacing(4);

    m_header = new QLabel(this);
    m_header->setTextFormat(Qt::PlainText);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont bold = m_header->font();
    bold.setBold(true);
    m_header->setFont(bold);
    m_header->setWordWrap(true);
    outer->addWidget(m_header);
    m_keysHint = keyLabel(QStringLiteral("Arrow keys move the pick · Ctrl+G goes to row, col · Ctrl+C copies the readout"),
                          this);
    m_keysHint->setWordWrap(true);
    outer->addWidget(m_keysHint);

    // The readout scrolls in a short dock; the scroll area never takes focus so the arrow keys
    // stay with the panel.
    auto* scroll = new QScrollArea(this);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setFocusPolicy(Qt::NoFocus);
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    outer->addWidget(scroll, 1);

    auto* content = new QWidget(scroll);
    auto* contentLayout = new QVBoxLayout(content);
    contentLayout->setContentsMargins(0, 0, 0, 0);
    m_details = new QWidget(content);
    contentLayout->addWidget(m_details);
    contentLayout->addStretch(1);
    scroll->setWidget(content);

    auto* details = new QVBoxLayout(m_details);
    details->setContentsMargins(0, 0, 0, 0);
    details->setSpacing(6);

    // Top: the patch beside the identity of the token.
    auto* top = new QHBoxLayout;
    top->setSpacing(10);
    m_patch = new PatchView(m_details);
    top->addWidget(m_patch, 0, Qt::AlignTop);
    auto* facts = new QGridLayout;
    facts->setHorizontalSpacing(8);
    facts->setVerticalSpacing(2);
    m_cell = valueLabel(m_details);
    m_index = valueLabel(m_details);
    m_hex = valueLabel(m_details);
    m_count = valueLabel(m_details);
    m_colour = valueLabel(m_details);
    m_swatch = new QLabel(m_details);
    auto* colourRow = new QHBoxLayout;
    colourRow->setSpacing(6);
    colourRow->addWidget(m_swatch);
    colourRow->addWidget(m_colour, 1);
    int r = 0;
    facts->addWidget(keyLabel(QStringLiteral("row, col"), m_details), r, 0);
    facts->addWidget(m_cell, r++, 1);
    facts->addWidget(keyLabel(QStringLiteral("index"), m_details), r, 0);
    facts->addWidget(m_index, r++, 1);
    facts->addWidget(keyLabel(QStringLiteral("hex"), m_details), r, 0);
    facts->addWidget(m_hex, r++, 1);
    facts->addWidget(keyLabel(QStringLiteral("colour"), m_details), r, 0);
    facts->addLayout(colourRow, r++, 1);
    facts->addWidget(keyLabel(QStringLiteral("occurs"), m_details), r, 0);
    facts->addWidget(m_count, r++, 1);
    // A per-token value from elsewhere (a text-query map, a sensitivity map), when one is shown.
    m_mapKey = keyLabel(QString(), m_details);
    m_map = valueLabel(m_details);
    facts->addWidget(m_mapKey, r, 0);
    facts->addWidget(m_map, r++, 1);
    facts->setColumnStretch(1, 1);
    top->addLayout(facts, 1);
    top->setAlignment(facts, Qt::AlignTop);
    details->addLayout(top);

    // Bits: the binary under its bit-number ruler, then the BSQ group values. Headings sit above
    // the monospace lines rather than beside them, so 28 bits fit a narrow dock.
    auto* bits = new QVBoxLayout;
    bits->setSpacing(0);
    m_binaryKey = keyLabel(QString(), m_details);
    m_binaryKey->setWordWrap(true);
    m_ruler = valueLabel(m_details);
    QPalette dim = m_ruler->palette();
    dim.setColor(QPalette::WindowText, dim.color(QPalette::PlaceholderText));
    m_ruler->setPalette(dim);
    m_binary = valueLabel(m_details);
    m_groupsKey = keyLabel(QStringLiteral("group values (g0 = most significant)"), m_details);
    m_groups = valueLabel(m_details);
    m_groups->setWordWrap(true);
    bits->addWidget(m_binaryKey);
    bits->addWidget(m_ruler);
    bits->addWidget(m_binary);
    bits->addSpacing(4);
    bits->addWidget(m_groupsKey);
    bits->addWidget(m_groups);
    details->addLayout(bits);

    m_marginNote = valueLabel(m_details, false);
    m_marginNote->setWordWrap(true);
    details->addSpacing(2);
    details->addWidget(m_marginNote);
    m_marginScale = keyLabel(QString(), m_details);
    m_marginScale->setWordWrap(true);
    details->addWidget(m_marginScale);
    m_margins = new MarginBars(m_details);
    details->addWidget(m_margins);

    // Go to (Ctrl+G): hidden until asked for; the message stays after a failed attempt.
    m_goToRow = new QWidget(this);
    auto* goToLayout = new QGridLayout(m_goToRow);
    goToLayout->setContentsMargins(0, 0, 0, 0);
    goToLayout->setVerticalSpacing(2);
    m_goTo = new QLineEdit(m_goToRow);
    m_goTo->setPlaceholderText(QStringLiteral("row, col  (e.g. 3, 7)"));
    m_goTo->setClearButtonEnabled(true);
    m_goToMessage = new QLabel(m_goToRow);
    m_goToMessage->setTextFormat(Qt::PlainText);
    m_goToMessage->setWordWrap(true);
    QPalette warn = m_goToMessage->palette();
    warn.setColor(QPalette::WindowText, QColor(255, 120, 110));
    m_goToMessage->setPalette(warn);
    goToLayout->addWidget(new QLabel(QStringLiteral("Go to"), m_goToRow), 0, 0);
    goToLayout->addWidget(m_goTo, 0, 1);
    goToLayout->addWidget(m_goToMessage, 1, 0, 1, 2);
    m_goToRow->hide();
    outer->addWidget(m_goToRow);
    m_goTo->installEventFilter(this);
    connect(m_goTo, &QLineEdit::returnPressed, this, [this] {
        if (goToToken(m_goTo->text())) hideGoTo();
    });
}

bool InspectorPanel::hasPick() const {
    return m_pick.row >= 0 && m_pick.col >= 0 && m_pick.row < m_data.rows && m_pick.col < m_data.cols;
}

int InspectorPanel::pickedToken() const { return hasPick() ? m_pick.row * m_data.cols + m_pick.col : -1; }

void InspectorPanel::setTokens(const TokenData& tokenData) {
    const bool sameGrid = tokenData.rows == m_data.rows && tokenData.cols == m_data.cols;
    const bool valid = isConsistent(tokenData);
    m_data = valid ? tokenData : TokenData{};
    std::unordered_map<int64_t, int> counts;
    for (int64_t index : m_data.indices) ++counts[index];
    m_countOf.resize(m_data.indices.size());
    for (size_t n = 0; n < m_data.indices.size(); ++n) m_countOf[n] = counts[m_data.indices[n]];
    // One bar scale for the whole image, so bars compare between tokens as the pick moves.
    m_maxMargin = 0.f;
    for (float z : m_data.latents) m_maxMargin = std::max(m_maxMargin, std::abs(z));
    if (!sameGrid) m_patch->setImage({});
    if (!hasPick()) m_pick = {-1, -1};
    refresh();
}

void InspectorPanel::setPatch(const QImage& patch) { m_patch->setImage(patch); }

QImage InspectorPanel::patch() const { return m_patch->image(); }

void InspectorPanel::setPick(int row, int col) {
    m_pick = {row, col};
    if (!hasPick()) {
        m_pick = {-1, -1};
        m_patch->setImage({});
    }
    refresh();
}

void InspectorPanel::clear() {
    setTokens(TokenData{}); // drops the pick too
    m_patch->setImage({});
    hideGoTo();
}

void InspectorPanel::refresh() {
    const int n = pickedToken();
    m_details->setVisible(n >= 0);
    m_keysHint->setVisible(n < 0);
    if (n < 0) {
        m_header->setText(kHint);
        for (QLabel* label : {m_cell, m_index, m_hex, m_colour, m_count, m_ruler, m_binary, m_groups, m_marginNote, m_marginScale})
            label->clear();
        m_swatch->clear();
        m_margins->setData({}, {}, 1.f, -1);
        return;
    }
    const int64_t index = m_data.indices[size_t(n)];
    m_header->setText(QStringLiteral("Token at row %1, col %2  (%3 × %4 grid, %5 bits)")
                          .arg(m_pick.row)
                          .arg(m_pick.col)
                          .arg(m_data.rows)
                          .arg(m_data.cols)
                          .arg(m_data.bits));
    m_cell->setText(QStringLiteral("%1, %2").arg(m_pick.row).arg(m_pick.col));
    m_index->setText(QString::number(index));
    m_hex->setText(qlipx::hexText(index, m_data.bits));
    const QColor colour = tokenColor(index);
    const int swatchSide = m_colour->fontMetrics().height();
    m_swatch->setPixmap(swatchPixmap(colour, swatchSide));
    m_colour->setText(colour.name());
    const int count = m_countOf[size_t(n)];
    m_count->setText(count == 1 ? QStringLiteral("1 of %1 tokens (unique)").arg(m_data.count())
                                : QStringLiteral("%1 of %2 tokens").arg(count).arg(m_data.count()));
    const bool groups = hasGroups(m_data.bits, m_data.groupSize);
    m_binaryKey->setText(groups ? QStringLiteral("binary (b0 = MSB), by group of %1 bits").arg(m_data.groupSize)
                                : QStringLiteral("binary (b0 = MSB), by hex digit"));
    m_ruler->setText(binaryRuler(m_data.bits, m_data.groupSize));
    m_binary->setText(qlipx::binaryText(index, m_data.bits, m_data.groupSize));
    m_groups->setText(qlipx::groupText(m_data, n));
    m_groups->setVisible(groups);
    m_groupsKey->setVisible(groups);
    const bool mapped = m_mapValues.size() == size_t(m_data.count());
    m_mapKey->setVisible(mapped);
    m_map->setVisible(mapped);
    if (mapped) {
        m_mapKey->setText(m_mapTitle);
        m_map->setText(QString::number(double(m_mapValues[size_t(n)]), 'f', 4));
    }
    refreshMargins();
}

void InspectorPanel::setTokenValues(const QString& title, std::vector<float> values) {
    m_mapTitle = title;
    m_mapValues = std::move(values);
    refresh();
}

QString InspectorPanel::tokenValueText() const { return m_map->isVisible() ? m_map->text() : QString(); }

void InspectorPanel::refreshMargins() {
    const int n = pickedToken();
    if (!m_data.hasLatents()) {
        m_marginNote->setText(kNoLatents);
        m_marginScale->clear();
        m_marginScale->hide();
        m_margins->setData({}, {}, 1.f, -1);
        m_margins->hide();
        return;
    }
    std::vector<bool> ones(size_t(m_data.bits));
    std::vector<float> latents(size_t(m_data.bits));
    for (int e = 0; e < m_data.bits; ++e) {
        ones[size_t(e)] = m_data.bit(n, e);
        latents[size_t(e)] = m_data.latents[size_t(n) * size_t(m_data.bits) + size_t(e)];
    }
    const float scale = m_maxMargin;
    const int weakest = weakestBit(m_data, n);
    m_marginNote->setText(QStringLiteral("Margins |z| per bit, nearest flip: b%1 at %2")
                              .arg(weakest)
                              .arg(double(m_data.margin(n, weakest)), 0, 'f', 4));
    m_marginScale->setText(QStringLiteral("A full bar is %1, the largest |z| in the image").arg(double(scale), 0, 'f', 3));
    m_marginScale->show();
    m_margins->setData(std::move(ones), std::move(latents), scale, weakest);
    m_margins->show();
}

QString InspectorPanel::headerText() const { return m_header->text(); }
QString InspectorPanel::indexText() const { return m_index->text(); }
QString InspectorPanel::hexText() const { return m_hex->text(); }
QString InspectorPanel::binaryText() const { return m_binary->text(); }
QString InspectorPanel::rulerText() const { return m_ruler->text(); }
QString InspectorPanel::groupText() const { return m_groups->text(); }
QString InspectorPanel::countText() const { return m_count->text(); }
QString InspectorPanel::marginNoteText() const { return m_marginNote->text(); }
QString InspectorPanel::goToMessage() const { return m_goToMessage->text(); }
std::vector<float> InspectorPanel::shownMargins() const { return m_margins->margins(); }
int InspectorPanel::highlightedBit() const { return m_margins->weakest(); }

QString InspectorPanel::readoutText() const {
    if (!hasPick()) return {};
    QString text = headerText() + QLatin1Char('\n');
    text += QStringLiteral("row, col\t%1\n").arg(m_cell->text());
    text += QStringLiteral("index\t%1\n").arg(indexText());
    text += QStringLiteral("hex\t%1\n").arg(hexText());
    text += QStringLiteral("colour\t%1\n").arg(m_colour->text());
    text += QStringLiteral("occurs\t%1\n").arg(countText());
    text += QStringLiteral("bits\t%1\n\t%2\n").arg(rulerText(), binaryText());
    if (!groupText().isEmpty()) text += QStringLiteral("groups\t%1\n").arg(groupText());
    text += marginNoteText() + QLatin1Char('\n');
    if (!m_marginScale->text().isEmpty()) text += m_marginScale->text() + QLatin1Char('\n');
    if (m_data.hasLatents()) text += m_margins->tsv();
    return text;
}

void InspectorPanel::copyReadout() const {
    // A selection in one of the labels wins: the user asked for that piece.
    for (QLabel* label : {m_header, m_cell, m_index, m_hex, m_colour, m_count, m_ruler, m_binary, m_groups, m_marginNote}) {
        if (label->hasSelectedText()) {
            QApplication::clipboard()->setText(label->selectedText());
            return;
        }
    }
    if (hasPick()) QApplication::clipboard()->setText(readoutText());
}

bool InspectorPanel::goToToken(const QString& text) {
    static const QRegularExpression pattern(QStringLiteral(R"(^\s*([+-]?\d+)\s*(?:,|\s)\s*([+-]?\d+)\s*$)"));
    const auto fail = [this](const QString& message) {
        m_goToMessage->setText(message);
        m_goToRow->show();
        return false;
    };
    if (m_data.empty()) return fail(QStringLiteral("No tokens to go to: encode an image first."));
    const QRegularExpressionMatch match = pattern.match(text);
    bool rowOk = false, colOk = false;
    const int row = match.hasMatch() ? match.captured(1).toInt(&rowOk) : 0;
    const int col = match.hasMatch() ? match.captured(2).toInt(&colOk) : 0;
    if (!rowOk || !colOk)
        return fail(QStringLiteral("Cannot read \"%1\": type row,col or row col, e.g. 3,7.").arg(text.trimmed()));
    QStringList outside;
    if (row < 0 || row >= m_data.rows) outside << QStringLiteral("row %1 is outside 0..%2").arg(row).arg(m_data.rows - 1);
    if (col < 0 || col >= m_data.cols) outside << QStringLiteral("col %1 is outside 0..%2").arg(col).arg(m_data.cols - 1);
    if (!outside.isEmpty()) {
        QString message = outside.join(QStringLiteral(", ")) + QLatin1Char('.');
        message[0] = message[0].toUpper();
        return fail(message);
    }
    m_goToMessage->clear();
    requestPick(row, col);
    return true;
}

void InspectorPanel::showGoTo() {
    m_goToRow->show();
    m_goTo->setFocus(Qt::ShortcutFocusReason);
    m_goTo->selectAll();
}

void InspectorPanel::hideGoTo() {
    const bool hadFocus = m_goTo->hasFocus();
    m_goToMessage->clear();
    m_goToRow->hide();
    if (hadFocus) setFocus(Qt::OtherFocusReason);
}

void InspectorPanel::requestPick(int row, int col) {
    if (TokenCell{row, col} == m_pick) return;
    setPick(row, col);
    Q_EMIT pickRequested(row, col);
}

void InspectorPanel::movePick(int dRow, int dCol) {
    if (m_data.empty()) return;
    // The first move without a pick starts at the top-left token.
    if (!hasPick()) return requestPick(0, 0);
    requestPick(std::clamp(m_pick.row + dRow, 0, m_data.rows - 1), std::clamp(m_pick.col + dCol, 0, m_data.cols - 1));
}

bool InspectorPanel::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_goTo && event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent*>(event)->key();
        if (key == Qt::Key_Escape) {
            hideGoTo();
            return true;
        }
        // The field ignores Up / Down; they would reach the panel and move the pick mid-typing.
        if (key == Qt::Key_Up || key == Qt::Key_Down) return true;
    }
    return QWidget::eventFilter(watched, event);
}

void InspectorPanel::keyPressEvent(QKeyEvent* event) {
    if (event->matches(QKeySequence::Copy)) return copyReadout();
    if (event->key() == Qt::Key_G && event->modifiers() == Qt::ControlModifier) return showGoTo();
    if (event->key() == Qt::Key_Escape && m_goToRow->isVisible()) return hideGoTo();
    if (event->modifiers() & ~Qt::KeypadModifier) return QWidget::keyPressEvent(event);
    switch (event->key()) {
    case Qt::Key_Left: return movePick(0, -1);
    case Qt::Key_Right: return movePick(0, 1);
    case Qt::Key_Up: return movePick(-1, 0);
    case Qt::Key_Down: return movePick(1, 0);
    case Qt::Key_Home: return movePick(0, -m_data.cols);
    case Qt::Key_End: return movePick(0, m_data.cols);
    default: return QWidget::keyPressEvent(event);
    }
}

} // namespace qlipx
