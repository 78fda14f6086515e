#pragma once
// The GL side of CanvasView: shader program, image textures and the token-key texture.
// Every method must run with the widget's context current (inside initializeGL/paintGL, or
// between makeCurrent/doneCurrent).
#include <QImage>
#include <QOpenGLExtraFunctions>
#include <QRectF>

#include <cstdint>
#include <memory>
#include <vector>

class QOpenGLShaderProgram;
class QOpenGLTexture;
class QOpenGLVertexArrayObject;

namespace qlipx {

struct CanvasFrame {
    QRectF imageRect;        // where the image goes, in the widget's logical pixels
    QSizeF viewport;         // the widget's logical size
    bool showGrid = true;
    float fillOpacity = 0.35f;
    float lineOpacity = 0.65f;
    int hoverRow = -1;
    int hoverCol = -1;
};

class CanvasRenderer : protected QOpenGLExtraFunctions {
public:
    CanvasRenderer();
    ~CanvasRenderer();

    // Compiles the shaders from the Qt resources; returns false (and sets error()) on failure.
    bool initialize();
    bool isInitialized() const { return m_program != nullptr; }
    QString error() const { return m_error; }

    void setImage(const QImage& image);
    void setTokens(int rows, int cols, const std::vector<uint32_t>& keys);
    void paint(const CanvasFrame& frame, QColor background);
    // Frees every GL object (the context must be current).
    void release();

private:
    std::unique_ptr<QOpenGLShaderProgram> m_program;
    std::unique_ptr<QOpenGLVertexArrayObject> m_vao;
    std::unique_ptr<QOpenGLTexture> m_image;
    GLuint m_tokens = 0;
    int m_rows = 0;
    int m_cols = 0;
    QString m_error;
};

} // namespace qlipx
