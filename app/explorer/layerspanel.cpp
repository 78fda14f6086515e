#include "layerspanel.h"

#include "tokencolor.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QPainter>
#include <QRadioButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include <cmath>

namespace qlipx {

namespace {

QSlider* percentSlider(int value, const QString& tip) {
    auto* s = new QSlider(Qt::Horizontal);
    s->setRange(0, 100);
    s->setValue(value);
    s->setToolTip(tip);
    return s;
}

// The heat map's colour scale, drawn with the canvas's own colour function.
QPixmap heatLegend(int width, int height) {
    QImage img(width, height, QImage::Format_RGB32);
    for (int x = 0; x < width; ++x) {
        const QRgb c = heatColor(double(x) / (width - 1)).rgb();
        for (int y = 0; y < height; ++y) img.setPixel(x, y, c);
    }
    return QPixmap::fromImage(img);
}

} // namespace

LayersPanel::LayersPanel(CanvasView* canvas, QWidget* parent) : QWidget(parent), m_canvas(canvas) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(imageGroup());
    layout->addWidget(errorGroup());
    layout->addWidget(tokenGroup());
    layout->addStretch(1);

    connect(m_canvas, &CanvasView::layerChanged, this, [this] { syncFromCanvas(); });
    connect(m_canvas, &CanvasView::compareChanged, this, [this] { syncFromCanvas(); });
    connect(m_canvas, &CanvasView::displayChanged, this, [this] {
        if (!m_syncing) syncFromCanvas();
    });
    setQuality(std::nan(""), std::nan(""));
    syncFromCanvas();
}

QWidget* LayersPanel::imageGroup() {
    auto* box = new QGroupBox(tr("Image"));
    auto* form = new QFormLayout(box);
    auto* original = new QRadioButton(tr("Original"));
    auto* recon = new QRadioButton(tr("Reconstruction"));
    original->setToolTip(tr("The model's input: resized and centre-cropped as the model saw it (1)"));
    recon->setToolTip(tr("Decoded from the tokens (2)"));
    m_layer = new QButtonGroup(box);
    m_layer->addButton(original, int(CanvasView::Layer::Original));
    m_layer->addButton(recon, int(CanvasView::Layer::Reconstruction));
    auto* row = new QHBoxLayout;
    row->addWidget(original);
    row->addWidget(recon);
    form->addRow(row);
    connect(m_layer, &QButtonGroup::idClicked, this, [this](int id) { m_canvas->setLayer(CanvasView::Layer(id)); });

    m_compare = new QComboBox;
    m_compare->addItem(tr("Off"), int(CanvasView::Compare::Off));
    m_compare->addItem(tr("Split (drag the divider)"), int(CanvasView::Compare::Split));
    m_compare->addItem(tr("Flicker"), int(CanvasView::Compare::Flicker));
    m_compare->setToolTip(tr("Compare the original with the reconstruction at the same zoom"));
    form->addRow(tr("Compare"), m_compare);
    connect(m_compare, &QComboBox::currentIndexChanged, this, [this](int i) {
        if (!m_syncing) m_canvas->setCompare(CanvasView::Compare(m_compare->itemData(i).toInt()));
    });

    m_flickerMs = new QSpinBox;
    m_flickerMs->setRange(50, 5000);
    m_flickerMs->setSingleStep(50);
    m_flickerMs->setValue(500);
    m_flickerMs->setSuffix(tr(" ms"));
    form->addRow(tr("Flicker every"), m_flickerMs);
    connect(m_flickerMs, &QSpinBox::valueChanged, m_canvas, &CanvasView::setFlickerInterval);

    m_quality = new QLabel;
    m_quality->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_quality->setToolTip(tr("Reconstruction against the model's input, 8-bit RGB. SSIM: 11x11 Gaussian window (sigma 1.5)"));
    form->addRow(tr("Quality"), m_quality);
    return box;
}

QWidget* LayersPanel::errorGroup() {
    auto* box = new QGroupBox(tr("Error heat map"));
    auto* form = new QFormLayout(box);
    m_errorOpacity = percentSlider(0, tr("Opacity of |original - reconstruction| over the image (0 hides it)"));
    form->addRow(tr("Opacity"), m_errorOpacity);
    connect(m_errorOpacity, &QSlider::valueChanged, this, [this](int v) { m_canvas->setErrorOpacity(v / 100.0); });

    m_errorRange = new QSlider(Qt::Horizontal);
    m_errorRange->setRange(1, 100);
    m_errorRange->setValue(25);
    m_errorRange->setToolTip(tr("The error (in % of full scale, mean over RGB) shown at the top of the colour map"));
    m_errorRangeText = new QLabel;
    auto* rangeRow = new QHBoxLayout;
    rangeRow->addWidget(m_errorRange, 1);
    rangeRow->addWidget(m_errorRangeText);
    form->addRow(tr("Range"), rangeRow);
    auto* legend = new QLabel;
    legend->setPixmap(heatLegend(160, 10));
    legend->setToolTip(tr("0 on the left, the range on the right"));
    form->addRow(QString(), legend);
    connect(m_errorRange, &QSlider::valueChanged, this, [this](int v) {
        m_canvas->setErrorRange(v / 100.0);
        m_errorRangeText->setText(QStringLiteral("%1 %").arg(v));
    });
    return box;
}

QWidget* LayersPanel::tokenGroup() {
    auto* box = new QGroupBox(tr("Tokens"));
    auto* form = new QFormLayout(box);
    m_grid = new QCheckBox(tr("Grid and colours (G)"));
    form->addRow(m_grid);
    connect(m_grid, &QCheckBox::toggled, this, [this](bool on) {
        m_canvas->setGridVisible(on);
        m_tokenOpacity->setEnabled(on);
        Q_EMIT gridToggled(on);
    });

    m_tokenOpacity = percentSlider(25, tr("Opacity of the per-token colours; cell borders stay"));
    form->addRow(tr("Opacity"), m_tokenOpacity);
    connect(m_tokenOpacity, &QSlider::valueChanged, this, [this](int v) { m_canvas->setGridOpacity(v / 100.0); });

    m_coloring = new QComboBox;
    m_coloring->addItem(tr("Index (hash)"), int(TokenColoring::IndexHash));
    m_coloring->addItem(tr("Latent PCA (RGB = PC1-3)"), int(TokenColoring::LatentPca));
    m_coloring->addItem(tr("Bit group value"), int(TokenColoring::BitGroup));
    m_coloring->addItem(tr("Map: sensitivity, query, confidence"), int(TokenColoring::Custom));
    m_coloring->setToolTip(tr("Hash: equal tokens share a colour. PCA: similar latents look alike. "
                              "Bit group: tokens that agree on the chosen bits share a hue."));
    form->addRow(tr("Colour by"), m_coloring);
    m_bitStart = new QSpinBox;
    m_bitStart->setRange(0, 27);
    m_bitStart->setPrefix(tr("from b"));
    m_bitCount = new QSpinBox;
    m_bitCount->setRange(1, 12);
    m_bitCount->setValue(7);
    m_bitCount->setSuffix(tr(" bits"));
    auto* bitsRow = new QHBoxLayout;
    bitsRow->addWidget(m_bitStart);
    bitsRow->addWidget(m_bitCount);
    form->addRow(tr("Bits"), bitsRow);
    connect(m_coloring, &QComboBox::currentIndexChanged, this, &LayersPanel::applyColoring);
    connect(m_bitStart, &QSpinBox::valueChanged, this, &LayersPanel::applyColoring);
    connect(m_bitCount, &QSpinBox::valueChanged, this, &LayersPanel::applyColoring);
    return box;
}

void LayersPanel::applyColoring() {
    if (m_syncing) return;
    const auto mode = TokenColoring(m_coloring->currentData().toInt());
    m_bitStart->setEnabled(mode == TokenColoring::BitGroup);
    m_bitCount->setEnabled(mode == TokenColoring::BitGroup);
    m_canvas->setColoring({mode, m_bitStart->value(), m_bitCount->value()});
}

void LayersPanel::setBits(int bits) {
    m_bitStart->setMaximum(std::max(0, bits - 1));
    m_bitCount->setMaximum(std::clamp(bits - m_bitStart->value(), 1, 12));
    applyColoring();
}

void LayersPanel::setQuality(double psnr, double ssim) {
    if (std::isnan(psnr)) m_quality->setText(tr("–"));
    else m_quality->setText(tr("PSNR %1 dB   SSIM %2").arg(psnr, 0, 'f', 2).arg(ssim, 0, 'f', 3));
}

QString LayersPanel::qualityText() const { return m_quality->text(); }

void LayersPanel::syncFromCanvas() {
    m_syncing = true;
    const QSignalBlocker b1(m_tokenOpacity), b2(m_grid), b3(m_errorOpacity), b4(m_errorRange), b5(m_coloring), b6(m_bitStart),
        b7(m_bitCount);
    if (QAbstractButton* b = m_layer->button(int(m_canvas->layer()))) b->setChecked(true);
    m_compare->setCurrentIndex(m_compare->findData(int(m_canvas->compare())));
    m_grid->setChecked(m_canvas->gridVisible());
    m_tokenOpacity->setValue(qRound(m_canvas->gridOpacity() * 100));
    m_tokenOpacity->setEnabled(m_canvas->gridVisible());
    m_errorOpacity->setValue(qRound(m_canvas->errorOpacity() * 100));
    m_errorRange->setValue(qRound(m_canvas->errorRange() * 100));
    m_errorRangeText->setText(QStringLiteral("%1 %").arg(m_errorRange->value()));
    const auto& c = m_canvas->coloring();
    m_coloring->setCurrentIndex(m_coloring->findData(int(c.mode)));
    m_bitStart->setValue(c.bitStart);
    m_bitCount->setValue(c.bitCount);
    m_bitStart->setEnabled(c.mode == TokenColoring::BitGroup);
    m_bitCount->setEnabled(c.mode == TokenColoring::BitGroup);
    m_syncing = false;
}

} // namespace qlipx
