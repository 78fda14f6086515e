#pragma once
// The Layers dock (napari's layer list, flattened): what the canvas draws and how strongly.
//  - Image: original or reconstruction, compare mode (split / flicker), PSNR and SSIM.
//  - Error heat map: opacity and the error that reaches the top of the colour map.
//  - Tokens: grid on/off, colour opacity, colour by index hash, latent PCA or a bit group.
// It drives the CanvasView directly and follows it (the View menu and keys change it too).
#include "canvasview.h"

#include <QWidget>

class QButtonGroup;
class QCheckBox;
class QComboBox;
class QLabel;
class QSlider;
class QSpinBox;

namespace qlipx {

class LayersPanel : public QWidget {
    Q_OBJECT
public:
    explicit LayersPanel(CanvasView* canvas, QWidget* parent = nullptr);

    // The quality of the reconstruction on the canvas; NaN hides it.
    void setQuality(double psnr, double ssim);
    // Bits of the current model: bounds the bit-group controls.
    void setBits(int bits);
    // Re-reads every control's value from the canvas.
    void syncFromCanvas();

    QString qualityText() const;
    QComboBox* compareBox() const { return m_compare; }
    QComboBox* coloringBox() const { return m_coloring; }
    QSlider* errorOpacitySlider() const { return m_errorOpacity; }
    QSlider* errorRangeSlider() const { return m_errorRange; }
    QSlider* tokenOpacitySlider() const { return m_tokenOpacity; }

Q_SIGNALS:
    void gridToggled(bool visible); // by the user, in this panel

private:
    QWidget* imageGroup();
    QWidget* errorGroup();
    QWidget* tokenGroup();
    void applyColoring();

    CanvasView* m_canvas;
    QButtonGroup* m_layer = nullptr;
    QComboBox* m_compare = nullptr;
    QSpinBox* m_flickerMs = nullptr;
    QLabel* m_quality = nullptr;
    QSlider* m_errorOpacity = nullptr;
    QSlider* m_errorRange = nullptr;
    QLabel* m_errorRangeText = nullptr;
    QCheckBox* m_grid = nullptr;
    QSlider* m_tokenOpacity = nullptr;
    QComboBox* m_coloring = nullptr;
    QSpinBox* m_bitStart = nullptr;
    QSpinBox* m_bitCount = nullptr;
    bool m_syncing = false;
};

} // namespace qlipx
