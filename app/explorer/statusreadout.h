#pragma once
// The permanent readouts of the status bar: hovered token, zoom, model (name, grid, bits,
// device, dtype) and the last operation's time. Transient messages use the status bar itself.
#include <QObject>
#include <QString>

#include <cstdint>

class QLabel;
class QStatusBar;

namespace qlip {
struct ModelInfo;
}

namespace qlipx {

struct EncodeResult;

class StatusReadout : public QObject {
    Q_OBJECT
public:
    explicit StatusReadout(QStatusBar* bar);

    void setModel(const qlip::ModelInfo& model);
    void setModelLoading(const QString& folder);
    void setEncodeTiming(const EncodeResult& result);
    void setBusy(const QString& what);
    void setZoom(double zoom);
    void setHoveredToken(int row, int col, int cols, int64_t index, int bits);
    void clearHoveredToken();

    // The texts, for tests.
    QString tokenText() const;
    QString modelText() const;
    QString timeText() const;

    // "row 3  col 7  (#55)  index 123456789  0x75BCD15": #55 is the raster position, the hex
    // is padded to the bit width.
    static QString formatToken(int row, int col, int cols, int64_t index, int bits);

private:
    QLabel* m_swatch;
    QLabel* m_token;
    QLabel* m_zoom;
    QLabel* m_model;
    QLabel* m_time;
};

} // namespace qlipx
