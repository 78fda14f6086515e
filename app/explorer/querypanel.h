#pragma once
// The Query dock: zero-shot text queries on the image on the canvas. Labels one per line (typed,
// pasted or loaded from a label file), a prompt template or CLIP's template ensemble, the logit
// scale (the reference notebook's fixed 100 or the model's learned one), and the result as a
// sorted bar chart with the raw cosine similarities. The work runs on the engine thread.
#include "engineworker.h"

#include <QTimer>
#include <QWidget>

class QChartView;
class QComboBox;
class QHorizontalBarSeries;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSlider;

namespace qlipx {

class QueryPanel : public QWidget {
    Q_OBJECT
public:
    explicit QueryPanel(QWidget* parent = nullptr);

    QStringList labels() const;
    QStringList templates() const; // one, or the ensemble
    bool learnedScale() const;
    void setLabels(const QStringList& labels);
    void setTemplateIndex(int index); // 0 "{}", 1 "an emoji of {}", 2 "a photo of a {}", 3 ensemble
    // Reads a label file (UTF-8, one per line, # comments); false with `error` set when unreadable.
    static bool readLabelFile(const QString& path, QStringList* labels, QString* error);

    void setResult(const QueryResult& result);
    void setMessage(const QString& text);
    QString resultText() const;     // the sorted list shown under the chart
    QString message() const;
    QStringList chartLabels() const; // bar categories, best first
    QString mapLabel() const;        // the label the "Where?" map is for
    void setOcclusionRunning(bool running); // the Exact button becomes Cancel while it runs
    // The part of the map's value range that spans the colour map, as fractions of [min, max]:
    // values below `low` are the coldest colour, above `high` the hottest.
    double rangeLow() const;
    double rangeHigh() const;
    void setRange(double low, double high);

public Q_SLOTS:
    void run();

Q_SIGNALS:
    void queryRequested(const QStringList& labels, const QStringList& templates, bool learnedScale);
    // Show where `label` matches in the image (a heat map on the canvas).
    void mapRequested(const QString& label, const QStringList& templates);
    void occlusionRequested(const QString& label, const QStringList& templates);
    void occlusionCancelled();
    void mapRangeChanged(); // the colour range of the map on the canvas

private:
    void loadLabels();

    QPlainTextEdit* m_labels = nullptr;
    QComboBox* m_template = nullptr;
    QComboBox* m_scale = nullptr;
    QChartView* m_chart = nullptr;
    QHorizontalBarSeries* m_series = nullptr;
    QPlainTextEdit* m_list = nullptr;
    QLabel* m_message = nullptr;
    QComboBox* m_mapLabel = nullptr;
    QPushButton* m_occlusion = nullptr;
    QSlider* m_rangeLow = nullptr;
    QSlider* m_rangeHigh = nullptr;
    QTimer m_debounce;
};

} // namespace qlipx
