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
    setTokenColors(0, 0, {});
    return true;
}

namespace {

std::unique_ptr<QOpenGLTexture> makeImageTexture(const QImage& image) {
    if (image.isNull()) return nullptr;
    auto t = std::make_unique<QOpenGLTexture>(image.convertToFormat(QImage::Format_RGBA8888), QOpenGLTexture::GenerateMipMaps);
    // Crisp image pixels when zoomed in (so token cells stay sharp), smooth when zoomed out.
    t->setMagnificationFilter(QOpenGLTexture::Nearest);
    t->setMinificationFilter(QOpenGLTexture::LinearMipMapLinear);
    t->setWrapMode(QOpenGLTexture::ClampToEdge);
    return t;
}

} // namespace

void CanvasRenderer::setImages(const QImage& original, const QImage& reconstruction) {
    m_original = makeImageTexture(original);
    m_reconstruction = reconstruction.size() == original.size() ? makeImageTexture(reconstruction) : nullptr;
}

void CanvasRenderer::setTokenColors(int rows, int cols, const std::vector<QRgb>& colors) {
    const bool valid = rows > 0 && cols > 0 && colors.size() == size_t(rows) * size_t(cols);
    m_rows = valid ? rows : 0;
    m_cols = valid ? cols : 0;
    std::vector<uint8_t> rgba(valid ? colors.size() * 4 : 4, 0);
    for (size_t i = 0; valid && i < colors.size(); ++i) {
        rgba[4 * i] = uint8_t(qRed(colors[i]));
        rgba[4 * i + 1] = uint8_t(qGreen(colors[i]));
        rgba[4 * i + 2] = uint8_t(qBlue(colors[i]));
        rgba[4 * i + 3] = uint8_t(qAlpha(colors[i])); // scales the layer's opacity per token (0: untinted)
    }
    glBindTexture(GL_TEXTURE_2D, m_tokens);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, valid ? cols : 1, valid ? rows : 1, 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba.data());
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST); // one texel per token, never blended
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glBindTexture(GL_TEXTURE_2D, 0);
}

void CanvasRenderer::paint(const CanvasFrame& frame, QColor background) {
    glClearColor(background.redF(), background.greenF(), background.blueF(), 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    if (!m_program || !m_original || frame.viewport.isEmpty()) return;

    // Logical pixels -> normalised device coordinates (y up).
    const QRectF& r = frame.imageRect;
    const double w = frame.viewport.width(), h = frame.viewport.height();
    const float left = float(2 * r.left() / w - 1), right = float(2 * r.right() / w - 1);
    const float top = float(1 - 2 * r.top() / h), bottom = float(1 - 2 * r.bottom() / h);

    m_program->bind();
    m_program->setUniformValue("u_rect", left, top, right, bottom);
    m_program->setUniformValue("u_original", 0);
    m_program->setUniformValue("u_reconstruction", 1);
    m_program->setUniformValue("u_tokenColors", 2);
    glUniform1i(m_program->uniformLocation("u_hasReconstruction"), m_reconstruction ? 1 : 0);
    glUniform1i(m_program->uniformLocation("u_mode"), int(frame.image));
    m_program->setUniformValue("u_split", frame.split);
    m_program->setUniformValue("u_errorOpacity", frame.errorOpacity);
    m_program->setUniformValue("u_errorRange", frame.errorRange);
    glUniform2i(m_program->uniformLocation("u_grid"), m_cols, m_rows);
    glUniform2i(m_program->uniformLocation("u_pick"), frame.pickCol, frame.pickRow);
    glUniform1i(m_program->uniformLocation("u_showGrid"), frame.showGrid ? 1 : 0);
    m_program->setUniformValue("u_fillOpacity", frame.fillOpacity);
    m_program->setUniformValue("u_lineOpacity", frame.lineOpacity);
    glUniform2i(m_program->uniformLocation("u_hover"), frame.hoverCol, frame.hoverRow);

    m_original->bind(0);
    if (m_reconstruction) m_reconstruction->bind(1);
    glActiveTexture(GL_TEXTURE2);
    glBindTexture(GL_TEXTURE_2D, m_tokens);
    m_vao->bind();
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
    m_vao->release();
    glBindTexture(GL_TEXTURE_2D, 0);
    if (m_reconstruction) m_reconstruction->release(1);
    m_original->release(0);
    glActiveTexture(GL_TEXTURE0);
    m_program->release();
}

void CanvasRenderer::release() {
    m_original.reset();
    m_reconstruction.reset();
    if (m_tokens) glDeleteTextures(1, &m_tokens);
    m_tokens = 0;
    m_vao.reset();
    m_program.reset();
}

} // namespace qlipx
