#include "statusreadout.h"

#include "engineworker.h"
#include "tokencolor.h"

#include <QFontDatabase>
#include <QLabel>
#include <QStatusBar>

namespace qlipx {

namespace {

QLabel* addLabel(QStatusBar* bar, const QString& tip, bool monospace = false) {
    auto* label = new QLabel(bar);
    label->setToolTip(tip);
    label->setContentsMargins(6, 0, 6, 0);
    if (monospace) label->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    bar->addPermanentWidget(label);
    return label;
}

QString milliseconds(double ms) { return ms < 10 ? QString::number(ms, 'f', 1) : QString::number(qRound(ms)); }

} // namespace

StatusReadout::StatusReadout(QStatusBar* bar) : QObject(bar) {
    m_swatch = addLabel(bar, tr("Colour of the hovered token in the grid overlay"));
    m_swatch->setFixedSize(14, 14);
    m_swatch->setContentsMargins(0, 0, 0, 0);
    m_token = addLabel(bar, tr("Hovered token: row, column, raster position, token index in decimal and hex"), true);
    // Wide enough for any 32-bit token, so that the bar does not jump while the mouse moves.
    m_token->setMinimumWidth(m_token->fontMetrics().horizontalAdvance(formatToken(99, 99, 100, 0xFFFFFFFFll, 32)) + 12);
    m_zoom = addLabel(bar, tr("Zoom (screen pixels per image pixel)"));
    m_model = addLabel(bar, tr("Model, token grid, bits per token, device and dtype"));
    m_time = addLabel(bar, tr("Time of the last operation: load + pre-process, encode, decode"));
    clearHoveredToken();
}

QString StatusReadout::formatToken(int row, int col, int cols, int64_t index, int bits) {
    const int hexDigits = std::max(1, (bits + 3) / 4);
    return QStringLiteral("row %1  col %2  (#%3)  index %4  0x%5")
        .arg(row)
        .arg(col)
        .arg(row * cols + col)
        .arg(index)
        .arg(QString::number(qulonglong(index), 16).toUpper().rightJustified(hexDigits, QLatin1Char('0')));
}

void StatusReadout::setModel(const qlip::ModelInfo& m) {
    m_model->setText(tr("%1 · %2×%3 × %4 bits · %5 %6")
                         .arg(QString::fromStdString(m.name))
                         .arg(m.gridRows)
                         .arg(m.gridCols)
                         .arg(m.bits)
                         .arg(QString::fromStdString(m.device), QString::fromStdString(m.precision)));
    m_model->setToolTip(tr("%1\nimage %2 px, patch %3 px, %4 M parameters, %5 threads, loaded in %6 ms%7")
                            .arg(QString::fromStdString(m.folder))
                            .arg(m.imageSize)
                            .arg(m.patchSize)
                            .arg(double(m.parameters) / 1e6, 0, 'f', 2)
                            .arg(m.threads)
                            .arg(milliseconds(m.loadSeconds * 1000))
                            .arg(m.hasTokenizer ? QString() : tr("\nno text tokenizer")));
    m_time->setText(tr("loaded in %1 ms").arg(milliseconds(m.loadSeconds * 1000)));
}

void StatusReadout::setModelLoading(const QString& folder) { m_model->setText(tr("loading %1 …").arg(folder)); }

void StatusReadout::setEncodeTiming(const EncodeResult& r) {
    m_time->setText(tr("%1 ms").arg(milliseconds(r.totalMs())));
    m_time->setToolTip(tr("Last image: read + pre-process %1 ms, encode %2 ms, decode %3 ms")
                           .arg(milliseconds(r.loadMs), milliseconds(r.encodeMs), milliseconds(r.decodeMs)));
}

void StatusReadout::setBusy(const QString& what) { m_time->setText(what); }

void StatusReadout::setZoom(double zoom) { m_zoom->setText(QStringLiteral("%1%").arg(qRound(zoom * 100))); }

void StatusReadout::setHoveredToken(int row, int col, int cols, int64_t index, int bits) {
    m_token->setText(formatToken(row, col, cols, index, bits));
    m_swatch->setStyleSheet(QStringLiteral("background: %1; border: 1px solid #888;").arg(tokenColor(index).name()));
}

void StatusReadout::clearHoveredToken() {
    m_token->setText(tr("hover a token"));
    m_swatch->setStyleSheet(QStringLiteral("background: transparent; border: 1px solid #555;"));
}

QString StatusReadout::tokenText() const { return m_token->text(); }
QString StatusReadout::modelText() const { return m_model->text(); }
QString StatusReadout::timeText() const { return m_time->text(); }

} // namespace qlipx
