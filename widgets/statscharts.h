#pragma once
// Four small charts of the image's tokens (numbers from tokenstats.h):
//   balance - fraction of ones per bit plane, with the ideal 0.5 as a dashed line;
//   entropy - binary entropy of each plane (1 bit = used evenly, 0 = never changes);
//   margins - histogram of every |z|, how close bits sit to flipping;
//   usage   - counts of the most used tokens (at most kMaxUsageBars), each bar in its canvas colour.
// The charts follow the palette (Qt's dark chart theme on a dark palette) and reflow from a
// 2 x 2 grid to one row (wide, short dock) or one column (narrow dock). Hovering a bar shows its
// exact value.
#include "tokendata.h"

#include <QWidget>

#include <cstdint>
#include <vector>

class QAbstractBarSeries;
class QBarSet;
class QChart;
class QChartView;
class QGridLayout;
class QLabel;
class QLineSeries;
class QStackedLayout;
class QValueAxis;

namespace qlipx {

class StatsCharts : public QWidget {
    Q_OBJECT
public:
    static constexpr int kMaxUsageBars = 32;
    static constexpr int kMarginBins = 40;
    enum Chart { Balance, Entropy, Margins, Usage, ChartCount };

    explicit StatsCharts(QWidget* parent = nullptr);

    // Empty data clears every chart and shows "No tokens".
    void setTokens(const TokenData& data);
    void clear();
    bool showsPlaceholder() const;
    int columns() const { return m_columns; }

    // What the charts show, for tests: one bar set per chart (empty after clear()).
    QBarSet* balanceSet() const { return m_balanceSet; }
    QBarSet* entropySet() const { return m_entropySet; }
    QBarSet* marginSet() const { return m_marginSet; }
    // Usage has one set per token (each bar its own colour): stacked, one non-zero value per set.
    QAbstractBarSeries* usageSeries() const { return m_usageSeries; }
    // The usage bars read back from the chart: bar i's height, and the token of each set.
    std::vector<double> usageValues() const;
    std::vector<int64_t> usageIndices() const { return m_usageIndices; }
    // The |z| range under the margin histogram's axis.
    double marginAxisMin() const;
    double marginAxisMax() const;
    QChart* chart(Chart which) const;

protected:
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    struct Panel {
        QChartView* view = nullptr;
        QChart* chart = nullptr;
        QAbstractBarSeries* series = nullptr;
        QValueAxis* x = nullptr;
        QValueAxis* y = nullptr;
    };
    // x: the horizontal axis, a new QValueAxis if null.
    Panel makePanel(QAbstractBarSeries* series, const QString& xTitle, const QString& yTitle, QValueAxis* x = nullptr);
    QBarSet* addSet(Panel& panel, const QColor& colour);
    void buildBalance();
    void buildEntropy();
    void buildMargins();
    void buildUsage();
    void showBalance(const TokenData& data);
    void showEntropy(const TokenData& data);
    void showMargins(const TokenData& data);
    void showUsage(const TokenData& data);
    void connectTooltips();
    void applyStyle();
    void styleAxis(QValueAxis* axis) const;
    void relayout(bool force = false);

    TokenData m_data;
    Panel m_panels[ChartCount];
    QBarSet* m_balanceSet = nullptr;
    QBarSet* m_entropySet = nullptr;
    QBarSet* m_marginSet = nullptr;
    QAbstractBarSeries* m_usageSeries = nullptr;
    std::vector<int64_t> m_usageIndices;
    std::vector<int> m_usageCounts;
    QLineSeries* m_halfLine = nullptr;      // the ideal balance, 0.5
    QValueAxis* m_marginValueAxis = nullptr; // |z| under the histogram (its bars live in bin space)
    QLineSeries* m_marginAxisAnchor = nullptr;
    double m_marginLo = 0;
    double m_marginWidth = 0;

    QStackedLayout* m_stack = nullptr;
    QLabel* m_placeholder = nullptr;
    QWidget* m_grid = nullptr;
    QGridLayout* m_gridLayout = nullptr;
    int m_columns = 0;
};

} // namespace qlipx
