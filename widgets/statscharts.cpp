#include "statscharts.h"

#include "tokencolor.h"
#include "tokenstats.h"

#include <QCursor>
#include <QEvent>
#include <QGraphicsLayout>
#include <QGridLayout>
#include <QLabel>
#include <QStackedLayout>
#include <QToolTip>
#include <QtCharts/QBarSeries>
#include <QtCharts/QBarSet>
#include <QtCharts/QCategoryAxis>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <QtCharts/QStackedBarSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace qlipx {

namespace {

const QColor kBalanceColour(64, 140, 220);
const QColor kEntropyColour(80, 180, 150);
const QColor kMarginColour(225, 150, 70);
// Each chart may shrink to the minimum; the layout reflows at the preferred size, where titles
// and axis labels still read comfortably.
constexpr int kMinChartWidth = 200;
constexpr int kMinChartHeight = 150;
constexpr int kChartWidth = 270;
constexpr int kChartHeight = 200;

bool isDark(const QPalette& palette) { return palette.color(QPalette::Window).lightness() < 128; }

// A 1-2-5 step that cuts `span` into about `ticks` intervals: labels people can read at a glance.
double niceStep(double span, int ticks) {
    const double raw = span / ticks;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0})
        if (m * magnitude >= raw * (1 - 1e-9)) return m * magnitude;
    return 10 * magnitude;
}

// Count axes: integer ticks from 0, the top rounded up to a whole step.
void setCountRange(QValueAxis* axis, int maxCount) {
    const int step = std::max(1, int(std::lround(niceStep(std::max(1, maxCount), 4))));
    const int top = std::max(step, (std::max(1, maxCount) + step - 1) / step * step);
    axis->setTickType(QValueAxis::TicksDynamic);
    axis->setTickAnchor(0);
    axis->setTickInterval(step);
    axis->setRange(0, top);
    axis->setLabelFormat(QStringLiteral("%d"));
}

// Bit axes: bars sit at 0..bits-1; label every 4th bit when 28 labels would crowd.
void setBitRange(QValueAxis* axis, int bits) {
    axis->setTickType(QValueAxis::TicksDynamic);
    axis->setTickAnchor(0);
    axis->setTickInterval(bits > 12 ? 4 : 1);
    axis->setRange(-0.5, std::max(1, bits) - 0.5);
    axis->setLabelFormat(QStringLiteral("%d"));
}

void replaceValues(QBarSet* set, const std::vector<double>& values) {
    set->remove(0, set->count());
    QList<qreal> list;
    list.reserve(qsizetype(values.size()));
    for (double v : values) list << v;
    set->append(list);
}

// Rank labels under the usage bars (bar i is rank i + 1): the first, then every `step`-th.
void setRankLabels(QCategoryAxis* axis, int shown) {
    for (const QString& label : axis->categoriesLabels()) axis->remove(label);
    axis->setStartValue(-0.5);
    const int step = shown > 16 ? 8 : shown > 8 ? 4 : 1;
    for (int rank = 1; rank <= shown; rank += (rank == 1 && step > 1) ? step - 1 : step)
        axis->append(QString::number(rank), rank - 1);
    axis->setRange(-0.5, std::max(1, shown) - 0.5);
}

void showTip(const QString& text) { QToolTip::showText(QCursor::pos(), text); }

} // namespace

StatsCharts::StatsCharts(QWidget* parent) : QWidget(parent) {
    m_stack = new QStackedLayout(this);
    m_placeholder = new QLabel(QStringLiteral("No tokens"), this);
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_grid = new QWidget(this);
    m_gridLayout = new QGridLayout(m_grid);
    m_gridLayout->setContentsMargins(0, 0, 0, 0);
    m_gridLayout->setSpacing(4);
    m_stack->addWidget(m_placeholder);
    m_stack->addWidget(m_grid);

    buildBalance();
    buildEntropy();
    buildMargins();
    buildUsage();
    connectTooltips();
    applyStyle();
    relayout(true);
    clear();
}

StatsCharts::Panel StatsCharts::makePanel(QAbstractBarSeries* series, const QString& xTitle, const QString& yTitle,
                                          QValueAxis* x) {
    Panel p;
    p.chart = new QChart;
    p.chart->legend()->hide();
    p.chart->setBackgroundRoundness(0);
    p.chart->setMargins(QMargins(2, 2, 6, 2));
    p.chart->layout()->setContentsMargins(0, 0, 0, 0);
    p.series = series;
    p.chart->addSeries(series);
    p.x = x ? x : new QValueAxis;
    p.y = new QValueAxis;
    p.x->setTitleText(xTitle);
    p.y->setTitleText(yTitle);
    p.x->setGridLineVisible(false);
    p.chart->addAxis(p.x, Qt::AlignBottom);
    p.chart->addAxis(p.y, Qt::AlignLeft);
    series->attachAxis(p.x);
    series->attachAxis(p.y);
    p.view = new QChartView(p.chart, m_grid);
    p.view->setRenderHint(QPainter::Antialiasing);
    p.view->setFrameShape(QFrame::NoFrame);
    p.view->setMinimumSize(kMinChartWidth, kMinChartHeight);
    return p;
}

QBarSet* StatsCharts::addSet(Panel& panel, const QColor& colour) {
    auto* set = new QBarSet(QString());
    set->setColor(colour);
    set->setBorderColor(colour); // no outline: 28 thin bars with borders look noisy
    panel.series->append(set);
    return set;
}

void StatsCharts::buildBalance() {
    Panel& p = m_panels[Balance] = makePanel(new QBarSeries, QStringLiteral("bit (0 = MSB)"), QStringLiteral("P(bit = 1)"));
    m_balanceSet = addSet(p, kBalanceColour);
    static_cast<QBarSeries*>(p.series)->setBarWidth(0.75);
    p.y->setRange(0, 1);
    p.y->setTickCount(5);
    p.y->setLabelFormat(QStringLiteral("%.2f"));
    // The balance an evenly used bit has; bars should hug it.
    m_halfLine = new QLineSeries;
    p.chart->addSeries(m_halfLine);
    m_halfLine->attachAxis(p.x);
    m_halfLine->attachAxis(p.y);
}

void StatsCharts::buildEntropy() {
    Panel& p = m_panels[Entropy] = makePanel(new QBarSeries, QStringLiteral("bit (0 = MSB)"), QStringLiteral("H (bits)"));
    m_entropySet = addSet(p, kEntropyColour);
    static_cast<QBarSeries*>(p.series)->setBarWidth(0.75);
    p.y->setRange(0, 1);
    p.y->setTickCount(5);
    p.y->setLabelFormat(QStringLiteral("%.2f"));
}

void StatsCharts::buildMargins() {
    Panel& p = m_panels[Margins] = makePanel(new QBarSeries, QString(), QStringLiteral("count"));
    m_marginSet = addSet(p, kMarginColour);
    static_cast<QBarSeries*>(p.series)->setBarWidth(1.0); // a histogram: bins touch
    // The bars live in bin space (bar i at x = i); a second, visible axis in |z| units spans the
    // same width. An empty series holds it in place (Qt Charts draws axes of series only).
    p.x->setVisible(false);
    p.x->setRange(-0.5, kMarginBins - 0.5);
    m_marginValueAxis = new QValueAxis;
    m_marginValueAxis->setTitleText(QStringLiteral("margin |z|"));
    m_marginValueAxis->setGridLineVisible(false);
    p.chart->addAxis(m_marginValueAxis, Qt::AlignBottom);
    m_marginAxisAnchor = new QLineSeries;
    p.chart->addSeries(m_marginAxisAnchor);
    m_marginAxisAnchor->attachAxis(m_marginValueAxis);
    m_marginAxisAnchor->attachAxis(p.y);
}

void StatsCharts::buildUsage() {
    auto* ranks = new QCategoryAxis;
    ranks->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    Panel& p = m_panels[Usage] =
        makePanel(new QStackedBarSeries, QStringLiteral("rank (hover a bar for its token)"), QStringLiteral("count"), ranks);
    m_usageSeries = p.series;
    static_cast<QStackedBarSeries*>(p.series)->setBarWidth(0.75);
    setRankLabels(ranks, kMaxUsageBars);
}

void StatsCharts::connectTooltips() {
    const auto hovered = [this](Chart which, auto text) {
        connect(m_panels[which].series, &QAbstractBarSeries::hovered, this, [text](bool on, int i, QBarSet* set) {
            if (on) showTip(text(i, set));
            else QToolTip::hideText();
        });
    };
    hovered(Balance, [this](int i, QBarSet* set) {
        const double p = set->at(i);
        return QStringLiteral("b%1: %2 ones (%3 of %4 tokens)")
            .arg(i)
            .arg(p, 0, 'f', 4)
            .arg(std::lround(p * m_data.count()))
            .arg(m_data.count());
    });
    hovered(Entropy, [](int i, QBarSet* set) { return QStringLiteral("b%1: H = %2 bits").arg(i).arg(set->at(i), 0, 'f', 4); });
    hovered(Margins, [this](int i, QBarSet* set) {
        return QStringLiteral("|z| in [%1, %2): %3 bits")
            .arg(m_marginLo + i * m_marginWidth, 0, 'f', 4)
            .arg(m_marginLo + (i + 1) * m_marginWidth, 0, 'f', 4)
            .arg(int(set->at(i)));
    });
    hovered(Usage, [this](int i, QBarSet*) {
        if (i < 0 || i >= int(m_usageIndices.size())) return QString();
        const int64_t index = m_usageIndices[size_t(i)];
        return QStringLiteral("#%1: token %2 (%3), %4 of %5")
            .arg(i + 1)
            .arg(index)
            .arg(hexText(index, m_data.bits))
            .arg(m_usageCounts[size_t(i)])
            .arg(m_data.count());
    });
}

void StatsCharts::setTokens(const TokenData& tokenData) {
    const bool valid = isConsistent(tokenData);
    if (!valid) return clear();
    m_data = tokenData;
    showBalance(tokenData);
    showEntropy(tokenData);
    showMargins(tokenData);
    showUsage(tokenData);
    m_stack->setCurrentWidget(m_grid);
}

void StatsCharts::clear() {
    m_data = {};
    m_balanceSet->remove(0, m_balanceSet->count());
    m_entropySet->remove(0, m_entropySet->count());
    m_marginSet->remove(0, m_marginSet->count());
    m_halfLine->clear();
    m_usageSeries->clear();
    m_usageIndices.clear();
    m_usageCounts.clear();
    m_stack->setCurrentWidget(m_placeholder);
}

bool StatsCharts::showsPlaceholder() const { return m_stack->currentWidget() == m_placeholder; }

void StatsCharts::showBalance(const TokenData& tokenData) {
    const std::vector<double> balance = bitBalance(tokenData);
    replaceValues(m_balanceSet, balance);
    Panel& p = m_panels[Balance];
    setBitRange(p.x, tokenData.bits);
    m_halfLine->replace({QPointF(-0.5, 0.5), QPointF(tokenData.bits - 0.5, 0.5)});
    // The worst plane is what a researcher looks for first.
    const auto worst = std::max_element(balance.begin(), balance.end(),
                                        [](double a, double b) { return std::abs(a - 0.5) < std::abs(b - 0.5); });
    p.chart->setTitle(QStringLiteral("Bit balance (worst b%1: %2)")
                          .arg(worst - balance.begin())
                          .arg(*worst, 0, 'f', 3));
}

void StatsCharts::showEntropy(const TokenData& tokenData) {
    const std::vector<double> entropy = bitEntropy(tokenData);
    replaceValues(m_entropySet, entropy);
    Panel& p = m_panels[Entropy];
    setBitRange(p.x, tokenData.bits);
    const double total = std::accumulate(entropy.begin(), entropy.end(), 0.0);
    p.chart->setTitle(QStringLiteral("Bit entropy (mean %1 bits)").arg(total / double(entropy.size()), 0, 'f', 3));
}

void StatsCharts::showMargins(const TokenData& tokenData) {
    const Histogram hist = marginHistogram(tokenData, kMarginBins);
    Panel& p = m_panels[Margins];
    std::vector<double> counts(hist.counts.begin(), hist.counts.end());
    replaceValues(m_marginSet, counts);
    m_marginLo = hist.lo;
    m_marginWidth = hist.binWidth();
    if (hist.counts.empty()) {
        p.chart->setTitle(QStringLiteral("Margins |z|: no latents (tokens from a file)"));
        m_marginValueAxis->setRange(0, 1);
        setCountRange(p.y, 1);
        return;
    }
    m_marginValueAxis->setRange(hist.lo, hist.hi);
    // Round ticks (0.1, 0.2, ...) rather than fifths of an arbitrary maximum.
    const double step = niceStep(hist.hi - hist.lo, 4);
    m_marginValueAxis->setTickType(QValueAxis::TicksDynamic);
    m_marginValueAxis->setTickAnchor(0);
    m_marginValueAxis->setTickInterval(step);
    m_marginValueAxis->setLabelFormat(QStringLiteral("%.%1f").arg(std::max(0, int(std::ceil(-std::log10(step) - 1e-9)))));
    setCountRange(p.y, *std::max_element(hist.counts.begin(), hist.counts.end()));
    p.chart->setTitle(QStringLiteral("Margins |z| (%1 bits)").arg(tokenData.latents.size()));
}

void StatsCharts::showUsage(const TokenData& tokenData) {
    const std::vector<TokenUsage> usage = tokenUsage(tokenData);
    const int shown = std::min(int(usage.size()), kMaxUsageBars);
    Panel& p = m_panels[Usage];
    m_usageSeries->clear();
    m_usageIndices.clear();
    m_usageCounts.clear();
    // One set per token so each bar can have the token's canvas colour: set i is zero except
    // at bar i, and the stacked series puts the zeros out of sight.
    QList<QBarSet*> sets;
    for (int i = 0; i < shown; ++i) {
        auto* set = new QBarSet(hexText(usage[size_t(i)].index, tokenData.bits));
        QList<qreal> values(shown, 0.0);
        values[i] = usage[size_t(i)].count;
        set->append(values);
        const QColor colour = tokenColor(usage[size_t(i)].index);
        set->setColor(colour);
        set->setBorderColor(colour);
        sets << set;
        m_usageIndices.push_back(usage[size_t(i)].index);
        m_usageCounts.push_back(usage[size_t(i)].count);
    }
    m_usageSeries->append(sets);
    setRankLabels(static_cast<QCategoryAxis*>(p.x), shown);
    setCountRange(p.y, shown ? usage.front().count : 1);
    p.chart->setTitle(QStringLiteral("Token usage (%1 distinct of %2)").arg(usage.size()).arg(tokenData.count()));
}

std::vector<double> StatsCharts::usageValues() const {
    const QList<QBarSet*> sets = m_usageSeries->barSets();
    std::vector<double> values;
    for (QBarSet* set : sets) {
        if (values.size() < size_t(set->count())) values.resize(size_t(set->count()), 0.0);
        for (int i = 0; i < set->count(); ++i) values[size_t(i)] += set->at(i);
    }
    return values;
}

double StatsCharts::marginAxisMin() const { return m_marginValueAxis->min(); }
double StatsCharts::marginAxisMax() const { return m_marginValueAxis->max(); }
QChart* StatsCharts::chart(Chart which) const { return which < ChartCount ? m_panels[which].chart : nullptr; }

void StatsCharts::styleAxis(QValueAxis* axis) const {
    const QPalette& pal = palette();
    const QColor text = pal.color(QPalette::WindowText);
    QColor dim = pal.color(QPalette::PlaceholderText);
    QColor grid = text;
    grid.setAlpha(isDark(pal) ? 34 : 50);
    QFont labels = font();
    labels.setPointSizeF(std::max(7.0, font().pointSizeF() - 1.0));
    axis->setLabelsFont(labels);
    axis->setLabelsBrush(text);
    axis->setTitleFont(labels);
    axis->setTitleBrush(dim.lightness() > 0 ? dim : text);
    axis->setLinePenColor(dim);
    axis->setGridLineColor(grid);
    axis->setMinorGridLineVisible(false);
}

void StatsCharts::applyStyle() {
    const QPalette& pal = palette();
    const bool dark = isDark(pal);
    const QColor text = pal.color(QPalette::WindowText);
    QFont title = font();
    title.setBold(true);
    for (Panel& p : m_panels) {
        // The theme first (it resets colours), then the palette's own colours on top so the
        // charts sit flush with the window rather than on the theme's gradient.
        p.chart->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
        p.chart->setBackgroundBrush(pal.color(QPalette::Window));
        p.chart->setBackgroundPen(Qt::NoPen);
        p.chart->setPlotAreaBackgroundVisible(false);
        p.chart->setTitleBrush(text);
        p.chart->setTitleFont(title);
        p.view->setBackgroundBrush(pal.color(QPalette::Window));
        styleAxis(p.x);
        styleAxis(p.y);
    }
    styleAxis(m_marginValueAxis);
    m_balanceSet->setColor(kBalanceColour);
    m_balanceSet->setBorderColor(kBalanceColour);
    m_entropySet->setColor(kEntropyColour);
    m_entropySet->setBorderColor(kEntropyColour);
    m_marginSet->setColor(kMarginColour);
    m_marginSet->setBorderColor(kMarginColour);
    QColor half = text;
    half.setAlpha(170);
    m_halfLine->setPen(QPen(half, 1.2, Qt::DashLine));
    // Token colours are data, not theme: the theme must not repaint them.
    const QList<QBarSet*> sets = m_usageSeries->barSets();
    for (int i = 0; i < int(sets.size()) && i < int(m_usageIndices.size()); ++i) {
        sets[i]->setColor(tokenColor(m_usageIndices[size_t(i)]));
        sets[i]->setBorderColor(sets[i]->color());
    }
    QPalette placeholder = m_placeholder->palette();
    placeholder.setColor(QPalette::WindowText, pal.color(QPalette::PlaceholderText));
    m_placeholder->setPalette(placeholder);
}

void StatsCharts::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) applyStyle();
    QWidget::changeEvent(event);
}

void StatsCharts::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    relayout();
}

void StatsCharts::relayout(bool force) {
    // A wide, short dock gets one row; a narrow one a column; otherwise 2 x 2.
    const int w = width(), h = height();
    int columns = 2;
    if (w >= 4 * kChartWidth && h < 2 * kChartHeight) columns = 4;
    else if (w < 2 * kChartWidth) columns = 1;
    if (columns == m_columns && !force) return;
    m_columns = columns;
    for (int i = 0; i < ChartCount; ++i) {
        m_gridLayout->removeWidget(m_panels[i].view);
        m_gridLayout->addWidget(m_panels[i].view, i / columns, i % columns);
    }
    for (int i = 0; i < 4; ++i) {
        m_gridLayout->setColumnStretch(i, i < columns ? 1 : 0);
        m_gridLayout->setRowStretch(i, i < (ChartCount + columns - 1) / columns ? 1 : 0);
    }
}

} // namespace qlipx
