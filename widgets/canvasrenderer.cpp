#include "canvasrenderer.h"

#include <QOpenGLShaderProgram>
#include <QOpenGLTexture>
#include <QOpenGLVertexArrayObject>

static void initShaderResources() { Q_INIT_RESOURCE(qlip_shaders); }

namespace qlipx {

CanvasRenderer::CanvasRenderer() = default;
CanvasRenderer::~CanvasRenderer() = default; // release() must have run with the context current

bool CanvasRenderer::initialize() {
    initShaderResources();
    initializeOpenGLFunctions();
    auto program = std::make_unique<QOpenGLShaderProgram>();
    if (!program->addShaderFromSourceFile(QOpenGLShader::Vertex, QStringLiteral(":/qlip/shaders/canvas.vert")) ||
        !program->addShaderFromSourceFile(QOpenGLShader::Fragment, QStringLiteral(":/qlip/shaders/canvas.frag")) ||
        !program->link()) {
        m_error = program->log();
        return false;
    }
    m_program = std::move(program);
    m_vao = std::make_unique<QOpenGLVertexArrayObject>();
    m_vao->create(); // core profile: a bound VAO is required even without vertex attributes
    glGenTextures(1, &m_tokens);
    setTokens(0, 0, {});
    return true;
}

void CanvasRenderer::setImage(const QImage& image) {
    m_image.reset();
    if (image.isNull()) return;
    m_image = std::make_unique<QOpenGLTexture>(image.convertToFormat(QImage::Format_RGBA8888), QOpenGLTexture::GenerateMipMaps);
    // Crisp image pixels when zoomed in (so token cells stay sharp), smooth when zoomed out.
    m_image->setMagnificationFilter(QOpenGLTexture::Nearest);
    m_image->setMinificationFilter(QOpenGLTexture::LinearMipMapLinear);
    m_image->setWrapMode(QOpenGLTexture::ClampToEdge);
}

void CanvasRenderer::setTokens(int rows, int cols, const std::vector<uint32_t>& keys) {
    const bool valid = rows > 0 && cols > 0 && keys.size() == size_t(rows) * size_t(cols);
    m_rows = valid ? rows : 0;
    m_cols = valid ? cols : 0;
    const uint32_t none = 0;
    glBindTexture(GL_TEXTURE_2D, m_tokens);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_R32UI, valid ? cols : 1, valid ? rows : 1, 0, GL_RED_INTEGER, GL_UNSIGNED_INT,
                 valid ? keys.data() : &none);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST); // integer textures cannot be filtered
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glBindTexture(GL_TEXTURE_2D, 0);
}

void CanvasRenderer::paint(const CanvasFrame& frame, QColor background) {
    glClearColor(background.redF(), background.greenF(), background.blueF(), 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    if (!m_program || !m_image || frame.viewport.isEmpty()) return;

    // Logical pixels -> normalised device coordinates (y up).
    const QRectF& r = frame.imageRect;
    const double w = frame.viewport.width(), h = frame.viewport.height();
    const float left = float(2 * r.left() / w - 1), right = float(2 * r.right() / w - 1);
    const float top = float(1 - 2 * r.top() / h), bottom = float(1 - 2 * r.bottom() / h);

    m_program->bind();
    m_program->setUniformValue("u_rect", left, top, right, bottom);
    m_program->setUniformValue("u_image", 0);
    m_program->setUniformValue("u_tokens", 1);
    glUniform2i(m_program->uniformLocation("u_grid"), m_cols, m_rows);
    glUniform1i(m_program->uniformLocation("u_showGrid"), frame.showGrid ? 1 : 0);
    m_program->setUniformValue("u_fillOpacity", frame.fillOpacity);
    m_program->setUniformValue("u_lineOpacity", frame.lineOpacity);
    glUniform2i(m_program->uniformLocation("u_hover"), frame.hoverCol, frame.hoverRow);

    glActiveTexture(GL_TEXTURE0);
    m_image->bind();
    glActiveTexture(GL_TEXTURE1);
    glBindTexture(GL_TEXTURE_2D, m_tokens);
    m_vao->bind();
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
    m_vao->release();
    glBindTexture(GL_TEXTURE_2D, 0);
    glActiveTexture(GL_TEXTURE0);
    m_image->release();
    m_program->release();
}

void CanvasRenderer::release() {
    m_image.reset();
    if (m_tokens) glDeleteTextures(1, &m_tokens);
    m_tokens = 0;
    m_vao.reset();
    m_program.reset();
}

} // namespace qlipx
