#include "generationview.h"

#include "tokencolor.h"

#include <cmath>

namespace qlipx {

namespace {

// The checkerboard of empty cells: two dark greys close to the canvas background.
constexpr QRgb kCheckDark = qRgb(38, 38, 42);
constexpr QRgb kCheckLight = qRgb(62, 62, 68);
// How much of the preview decode shows through: a hint only, since what the decoder was given
// there is a stand-in token, not a sample (its colour must not read as content).
constexpr double kPreviewShowThrough = 0.1;

QRgb mixRgb(QRgb a, QRgb b, double t) {
    auto m = [t](int x, int y) { return int(std::lround(x + (y - x) * t)); };
    return qRgb(m(qRed(a), qRed(b)), m(qGreen(a), qGreen(b)), m(qBlue(a), qBlue(b)));
}

} // namespace

std::vector<uint8_t> pendingPositions(int positions, int positionsDone, const std::vector<uint8_t>& regenerate) {
    std::vector<uint8_t> pending(size_t(std::max(positions, 0)), 0);
    for (int n = std::max(positionsDone, 0); n < positions; ++n) pending[size_t(n)] = isSampledPosition(regenerate, n);
    return pending;
}

std::vector<QRgb> confidenceColors(const std::vector<float>& confidence, int positionsDone, const std::vector<uint8_t>& regenerate) {
    std::vector<QRgb> colors(confidence.size(), qRgba(0, 0, 0, 0));
    for (int n = 0; n < positionsDone && n < int(confidence.size()); ++n)
        if (isSampledPosition(regenerate, n)) {
            const QColor c = heatColor(double(confidence[size_t(n)]));
            colors[size_t(n)] = qRgba(c.red(), c.green(), c.blue(), kConfidenceAlpha);
        }
    return colors;
}

QImage withPendingCellsEmpty(const QImage& preview, int rows, int cols, const std::vector<uint8_t>& pending) {
    if (preview.isNull() || rows <= 0 || cols <= 0 || pending.size() != size_t(rows) * size_t(cols)) return preview;
    QImage out = preview.convertToFormat(QImage::Format_RGB32);
    const int cellW = out.width() / cols, cellH = out.height() / rows;
    const int check = std::max(1, cellW / 4); // four checks per cell side, whatever the image size
    for (int y = 0; y < out.height(); ++y) {
        auto* line = reinterpret_cast<QRgb*>(out.scanLine(y));
        const int row = std::min(y / std::max(cellH, 1), rows - 1);
        for (int x = 0; x < out.width(); ++x) {
            const int col = std::min(x / std::max(cellW, 1), cols - 1);
            if (!pending[size_t(row) * cols + col]) continue;
            const QRgb checker = ((x / check + y / check) % 2) ? kCheckLight : kCheckDark;
            line[x] = mixRgb(checker, line[x], kPreviewShowThrough);
        }
    }
    return out;
}

double meanConfidence(const std::vector<float>& confidence, int positionsDone, const std::vector<uint8_t>& regenerate) {
    double sum = 0;
    int n = 0;
    for (int i = 0; i < positionsDone && i < int(confidence.size()); ++i)
        if (isSampledPosition(regenerate, i)) sum += confidence[size_t(i)], ++n;
    return n ? sum / n : std::nan("");
}

QPixmap confidenceLegend(int width, int height) {
    QImage img(width, height, QImage::Format_RGB32);
    for (int x = 0; x < width; ++x) {
        const QRgb c = heatColor(double(x) / std::max(width - 1, 1)).rgb();
        for (int y = 0; y < height; ++y) img.setPixel(x, y, c);
    }
    return QPixmap::fromImage(img);
}

QPixmap emptyCellSwatch(int width, int height) {
    QImage img(width, height, QImage::Format_RGB32);
    const int check = std::max(1, height / 3);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) img.setPixel(x, y, ((x / check + y / check) % 2) ? kCheckLight : kCheckDark);
    return QPixmap::fromImage(img);
}

QString generatedFileName(const qlip::GenerateRequest& request, int sample) {
    QString slug;
    for (const QChar c : QString::fromStdString(request.prompt).toLower()) {
        if (c.isLetterOrNumber() && c.unicode() < 128) slug += c;
        else if (!slug.isEmpty() && !slug.endsWith(QLatin1Char('-'))) slug += QLatin1Char('-');
        if (slug.size() >= 48) break;
    }
    while (slug.endsWith(QLatin1Char('-'))) slug.chop(1);
    if (slug.isEmpty()) slug = QStringLiteral("unconditional");
    return QStringLiteral("%1-s%2-%3.png").arg(slug, QString::number(request.sampling.seed), QString::number(sample));
}

} // namespace qlipx
