#include "engineworker.h"

#include "guarded.h"

#include "qlip/error.h"
#include "qlip/eval.h"
#include "qlip/image.h"
#include "qlip/query.h"

#include <QCryptographicHash>
#include <QStandardPaths>
#include <QDir>
#include <QFileInfo>
#include <QElapsedTimer>
#include <QThread>

#include <cmath>
#include <exception>

namespace qlipx {

namespace {

double elapsedMs(const QElapsedTimer& t) { return double(t.nsecsElapsed()) / 1e6; }

// Folder files are untrusted: they go through the core decoder (size limits, hardened
// libraries), not Qt's image plugins. A file that no longer decodes has no thumbnail.
QImage thumbnail(const QString& path) {
    try {
        return toQImage(qlip::loadImage(path.toStdString())).scaled(96, 96, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    } catch (const qlip::Error&) {
        return {};
    }
}

} // namespace

QImage toQImage(const qlip::ImageRGB8& image) {
    if (image.empty()) return {};
    QImage out(image.width, image.height, QImage::Format_RGB888);
    for (int y = 0; y < image.height; ++y)
        std::copy_n(image.pixel(0, y), size_t(image.width) * 3, out.scanLine(y));
    return out;
}

qlip::ImageRGB8 toImageRGB8(const QImage& image) {
    const QImage rgb = image.convertToFormat(QImage::Format_RGB888);
    qlip::ImageRGB8 out{rgb.width(), rgb.height(), std::vector<uint8_t>(size_t(rgb.width()) * rgb.height() * 3)};
    for (int y = 0; y < rgb.height(); ++y) std::copy_n(rgb.constScanLine(y), size_t(rgb.width()) * 3, out.pixel(0, y));
    return out;
}

EngineWorker::EngineWorker(const qlip::EngineOptions& options, QObject* parent) : QObject(parent), m_options(options) {
    qRegisterMetaType<qlip::ModelInfo>();
    qRegisterMetaType<qlipx::EncodeResult>();
    qRegisterMetaType<qlip::TokenGrid>();
    qRegisterMetaType<qlipx::SensitivityResult>();
    qRegisterMetaType<qlipx::QueryResult>();
    qRegisterMetaType<qlipx::SearchResult>();
    qRegisterMetaType<qlipx::PriorInfo>();
    qRegisterMetaType<qlipx::GenerationProgress>();
    qRegisterMetaType<qlipx::GenerationResult>();
}

EngineWorker::~EngineWorker() = default;

void EngineWorker::openModel(const QString& folder) {
    Q_ASSERT(QThread::currentThread() == thread());
    Q_EMIT modelLoading(folder);
    m_cancelLoad = false;
    std::unique_ptr<qlip::Engine> engine;
    QElapsedTimer timer;
    timer.start();
    int lastPercent = -1;
    auto progress = [&](double fraction) {
        // Signals at most once per percent: the queue to the GUI stays short.
        if (int percent = int(fraction * 100); percent != lastPercent) {
            lastPercent = percent;
            Q_EMIT modelLoadProgress(folder, fraction);
        }
        return !m_cancelLoad.load();
    };
    bool cancelled = false;
    auto error = guarded([&] {
        try {
            engine = qlip::Engine::open(folder.toStdString(), m_options, progress);
        } catch (const qlip::Cancelled&) {
            cancelled = true;
        }
    });
    if (cancelled) {
        Q_EMIT modelLoadCancelled(folder); // the previous model, if any, stays
        return;
    }
    if (error) {
        Q_EMIT modelFailed(folder, *error); // the previous model, if any, stays
        return;
    }
    m_engine = std::move(engine);
    m_textCache.clear(); // embeddings belong to the model
    m_indexes.clear();
    m_lastPixels.reset();
    qlip::ModelInfo info = m_engine->info();
    info.loadSeconds = elapsedMs(timer) / 1000;
    if (info.folder.empty()) info.folder = folder.toStdString();
    Q_EMIT modelLoaded(info);
    rtUpdatePriorForModel(folder);
}

void EngineWorker::encodeImage(const QString& path) {
    Q_ASSERT(QThread::currentThread() == thread());
    // A newer request replaces a waiting one; the run is posted behind everything already queued,
    // so a burst of requests collapses into its last one.
    m_pendingEncode = Pending{++m_encodeSerial, path};
    QMetaObject::invokeMethod(this, [this] { rtRunPendingEncode(); }, Qt::QueuedConnection);
}

void EngineWorker::decodeTokens(quint64 serial, const qlip::TokenGrid& tokens) {
    Q_ASSERT(QThread::currentThread() == thread());
    // As encodes: a burst of edits collapses into a decode of the newest tokens.
    m_pendingDecode = PendingDecode{serial, tokens};
    QMetaObject::invokeMethod(this, [this] { rtRunPendingDecode(); }, Qt::QueuedConnection);
}

void EngineWorker::computeSensitivity(quint64 job, const qlip::TokenGrid& tokens, const std::vector<int>& bits) {
    Q_ASSERT(QThread::currentThread() == thread());
    if (!m_engine) return Q_EMIT sensitivityFailed(job, QStringLiteral("no model is loaded"));
    SensitivityResult r;
    r.job = job;
    r.bits = bits;
    QElapsedTimer timer;
    timer.start();
    int lastPercent = -1;
    bool cancelled = false;
    auto error = guarded([&] {
        try {
            r.values = m_engine->bitSensitivity(tokens, bits, [&](double f) {
                if (int p = int(f * 100); p != lastPercent) {
                    lastPercent = p;
                    Q_EMIT sensitivityProgress(job, f);
                }
                return !m_cancelSensitivity.load();
            });
        } catch (const qlip::Cancelled&) {
            cancelled = true;
        }
    });
    if (cancelled) return Q_EMIT sensitivityFailed(job, QStringLiteral("cancelled"));
    if (error) return Q_EMIT sensitivityFailed(job, *error);
    r.ms = elapsedMs(timer);
    Q_EMIT sensitivityFinished(r);
}

std::vector<std::vector<float>> EngineWorker::promptEmbeddings(const QStringList& labels, const QStringList& templates) {
    // The ensemble is qlip::embedPrompts; the cache keeps each (templates, label) result, and the
    // labels not seen yet are embedded in one call.
    std::vector<std::string> tpl;
    for (const QString& t : templates) tpl.push_back(t.toStdString());
    const std::string prefix = templates.join(QLatin1Char('\x1f')).toStdString() + '\x1e';
    std::vector<std::string> missing;
    for (const QString& l : labels)
        if (!m_textCache.count(prefix + l.toStdString())) missing.push_back(l.toStdString());
    if (!missing.empty()) {
        const auto embedded = qlip::embedPrompts(*m_engine, missing, tpl);
        for (size_t i = 0; i < missing.size(); ++i) m_textCache[prefix + missing[i]] = embedded[i];
    }
    std::vector<std::vector<float>> out;
    for (const QString& l : labels) out.push_back(m_textCache.at(prefix + l.toStdString()));
    return out;
}

std::vector<float> EngineWorker::promptEmbedding(const QString& label, const QStringList& templates) {
    return promptEmbeddings({label}, templates).front();
}

void EngineWorker::runQuery(quint64 job, const QStringList& labels, const QStringList& templates, bool learnedScale) {
    Q_ASSERT(QThread::currentThread() == thread());
    if (!m_engine) return Q_EMIT queryFailed(job, QStringLiteral("no model is loaded"));
    if (!m_lastPixels) return Q_EMIT queryFailed(job, QStringLiteral("no image is encoded yet"));
    if (!m_engine->hasTokenizer()) return Q_EMIT queryFailed(job, QStringLiteral("this model has no tokenizer (vocab.json + merges.txt): text queries are unavailable"));
    QueryResult r;
    r.job = job;
    r.image = m_lastPath;
    for (const QString& l : labels)
        if (!l.trimmed().isEmpty() && !r.labels.contains(l.trimmed())) r.labels << l.trimmed();
    if (r.labels.isEmpty()) return Q_EMIT queryFailed(job, QStringLiteral("no labels: type one per line"));
    QStringList tpl;
    for (const QString& t : templates) tpl << (t.contains(QStringLiteral("{}")) ? t : t + QStringLiteral(" {}"));
    if (tpl.isEmpty()) tpl << QStringLiteral("{}");
    QElapsedTimer timer;
    timer.start();
    if (auto error = guarded([&] {
            const auto image = m_engine->embedImages({*m_lastPixels}).front();
            const std::vector<std::vector<float>> texts = promptEmbeddings(r.labels, tpl);
            const auto z = m_engine->zeroShot(image, texts, learnedScale ? qlip::ZeroShotScale::Learned : qlip::ZeroShotScale::Fixed100);
            r.probabilities = z.probabilities;
            r.cosines = z.cosine;
            r.scale = z.scale;
        }))
        return Q_EMIT queryFailed(job, *error);
    r.ms = elapsedMs(timer);
    Q_EMIT queryFinished(r);
}

void EngineWorker::runTokenMap(quint64 job, const QString& label, const QStringList& templates) {
    Q_ASSERT(QThread::currentThread() == thread());
    if (!m_engine || !m_lastPixels || !m_engine->hasTokenizer()) return Q_EMIT queryFailed(job, QStringLiteral("no image or no tokenizer"));
    std::vector<float> map;
    if (auto error = guarded([&] { map = qlip::tokenTextMap(*m_engine, *m_lastPixels, promptEmbedding(label, templates)); }))
        return Q_EMIT queryFailed(job, *error);
    Q_EMIT tokenMapFinished(job, label, map);
}

QString EngineWorker::indexFileFor(const QString& folder) {
    // Next to the app's data, not in the user's folder (which may be read-only or shared): one
    // file per folder, named by a hash of its absolute path.
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/indexes");
    QDir().mkpath(dir);
    const QByteArray key = QCryptographicHash::hash(QFileInfo(folder).absoluteFilePath().toUtf8(), QCryptographicHash::Sha1).toHex().left(16);
    return dir + QStringLiteral("/%1-%2.safetensors").arg(QFileInfo(folder).fileName(), QString::fromLatin1(key));
}

// The model-input pixels under token (row, col) of an image file, as the model saw them.
QImage EngineWorker::exemplarPatch(const QString& file, int row, int col) {
    try {
        const qlip::PixelTensor p = m_engine->preprocess(qlip::loadImage(file.toStdString(), m_engine->preprocessConfig().alpha));
        const QImage input = toQImage(qlip::denormalize(p.chw.data(), p.height, p.width, m_engine->preprocessConfig()));
        const int cell = input.width() / std::max(m_engine->info().gridCols, 1);
        return input.copy(col * cell, row * cell, cell, cell);
    } catch (const qlip::Error&) {
        return {}; // the file changed since it was indexed: no picture, the numbers stand
    }
}

qlip::FolderIndex& EngineWorker::indexFor(quint64 job, const QString& folder, qlip::IndexUpdate* update) {
    auto& slot = m_indexes[folder.toStdString()];
    if (!slot) slot = std::make_unique<qlip::FolderIndex>(folder.toStdString(), indexFileFor(folder).toStdString());
    *update = slot->update(*m_engine, [&](const qlip::IndexProgress& p) {
        Q_EMIT searchProgress(job, p.done, p.total, QString::fromStdString(p.path));
        return !m_cancelSearch.load();
    });
    return *slot;
}

void EngineWorker::searchFolder(quint64 job, const QString& folder, const QString& text, const QStringList& templates, int top) {
    Q_ASSERT(QThread::currentThread() == thread());
    if (!m_engine) return Q_EMIT searchFailed(job, QStringLiteral("no model is loaded"));
    if (!text.isEmpty() && !m_engine->hasTokenizer()) return Q_EMIT searchFailed(job, QStringLiteral("this model has no tokenizer: search by image instead"));
    if (text.isEmpty() && !m_lastPixels) return Q_EMIT searchFailed(job, QStringLiteral("no image is encoded yet"));
    SearchResult r;
    r.job = job;
    r.folder = folder;
    r.query = text.isEmpty() ? QStringLiteral("like %1").arg(QFileInfo(m_lastPath).fileName()) : text;
    QElapsedTimer timer;
    timer.start();
    bool cancelled = false;
    auto error = guarded([&] {
        try {
            qlip::IndexUpdate u;
            qlip::FolderIndex& index = indexFor(job, folder, &u);
            r.encoded = u.encoded, r.reused = u.reused, r.removed = u.removed;
            for (const auto& [path, why] : u.skipped) r.skipped << QString::fromStdString(path + ": " + why);
            for (const auto& m : u.messages) r.messages << QString::fromStdString(m);
            const std::vector<float> query = text.isEmpty() ? m_engine->embedImages({*m_lastPixels}).front() : promptEmbedding(text, templates);
            for (const auto& hit : index.search(query, top)) {
                SearchResult::Hit h;
                h.path = QDir(folder).absoluteFilePath(QString::fromStdString(hit.path));
                h.score = hit.score;
                h.thumbnail = thumbnail(h.path);
                r.hits.push_back(std::move(h));
            }
            r.folderTokens.rows = int(index.entries().size());
            r.folderTokens.cols = index.gridRows() * index.gridCols();
            r.folderTokens.bits = index.bits();
            for (const auto& e : index.entries()) r.folderTokens.indices.insert(r.folderTokens.indices.end(), e.tokens.begin(), e.tokens.end());
            const qlip::IndexStats s = index.stats(8);
            for (const auto& t : s.top) {
                const QString file = QDir(folder).absoluteFilePath(QString::fromStdString(t.file));
                r.frequent.push_back({t.token, t.count, file, t.row, t.col, exemplarPatch(file, t.row, t.col)});
            }
            r.stats = QStringLiteral("%1 images, %2 tokens, %3 distinct; bit entropy sum %4 of %5")
                          .arg(s.images).arg(s.tokens).arg(s.distinct).arg(s.entropySum, 0, 'f', 2).arg(index.bits());
        } catch (const qlip::Cancelled&) {
            cancelled = true;
        }
    });
    if (cancelled) return Q_EMIT searchFailed(job, QStringLiteral("cancelled"));
    if (error) return Q_EMIT searchFailed(job, *error);
    r.ms = elapsedMs(timer);
    Q_EMIT searchFinished(r);
}

void EngineWorker::writeFolderStats(quint64 job, const QString& folder, const QString& csvPath) {
    Q_ASSERT(QThread::currentThread() == thread());
    if (!m_engine) return Q_EMIT searchFailed(job, QStringLiteral("no model is loaded"));
    bool cancelled = false;
    auto error = guarded([&] {
        try {
            qlip::IndexUpdate u;
            indexFor(job, folder, &u).writeStatsCsv(csvPath.toStdString(), 50);
        } catch (const qlip::Cancelled&) {
            cancelled = true;
        }
    });
    if (cancelled) return Q_EMIT searchFailed(job, QStringLiteral("cancelled"));
    if (error) return Q_EMIT searchFailed(job, *error);
    Q_EMIT folderStatsWritten(job, csvPath);
}

void EngineWorker::runOcclusionMap(quint64 job, const QString& label, const QStringList& templates) {
    Q_ASSERT(QThread::currentThread() == thread());
    if (!m_engine || !m_lastPixels || !m_engine->hasTokenizer()) return Q_EMIT queryFailed(job, QStringLiteral("no image or no tokenizer"));
    std::vector<float> map;
    bool cancelled = false;
    auto error = guarded([&] {
        try {
            map = qlip::occlusionMap(*m_engine, *m_lastPixels, promptEmbedding(label, templates), 2, [&](double f) {
                Q_EMIT occlusionProgress(job, f);
                return !m_cancelOcclusion.load();
            });
        } catch (const qlip::Cancelled&) {
            cancelled = true;
        }
    });
    if (cancelled) return Q_EMIT queryFailed(job, QStringLiteral("occlusion map cancelled"));
    if (error) return Q_EMIT queryFailed(job, *error);
    Q_EMIT tokenMapFinished(job, label + QStringLiteral(" (occlusion)"), map);
}

void EngineWorker::rtRunPendingDecode() {
    if (!m_pendingDecode) return;
    const PendingDecode job = std::move(*m_pendingDecode);
    m_pendingDecode.reset();
    if (!m_engine) {
        Q_EMIT decodeFailed(job.serial, QStringLiteral("no model is loaded"));
        return;
    }
    QImage image;
    QElapsedTimer timer;
    timer.start();
    if (auto error = guarded([&] { image = toQImage(m_engine->decodeToImage(job.tokens)); })) {
        Q_EMIT decodeFailed(job.serial, *error);
        return;
    }
    Q_EMIT decodeFinished(job.serial, image, elapsedMs(timer));
}

void EngineWorker::rtRunPendingEncode() {
    if (!m_pendingEncode) return; // already taken by an earlier run
    const Pending job = *m_pendingEncode;
    m_pendingEncode.reset();
    Q_EMIT encodeStarted(job.request, job.path);
    if (!m_engine) {
        Q_EMIT encodeFailed(job.request, job.path, QStringLiteral("no model is loaded"));
        return;
    }
    EncodeResult result;
    if (auto error = guarded([&] { result = rtEncode(job.request, job.path); })) {
        Q_EMIT encodeFailed(job.request, job.path, *error);
        return;
    }
    Q_EMIT encodeFinished(result);
}

EncodeResult EngineWorker::rtEncode(quint64 request, const QString& path) {
    EncodeResult r;
    r.request = request;
    r.path = path;
    r.model = QString::fromStdString(m_engine->info().name);
    r.preprocessing = QString::fromStdString(qlip::preprocessingJson(m_engine->preprocessConfig()));

    QElapsedTimer timer;
    timer.start();
    // Alpha is a model property: dropped as the reference does, or composited on white for models
    // trained on transparent art (the emoji model).
    const qlip::ImageRGB8 source = qlip::loadImage(path.toStdString(), m_engine->preprocessConfig().alpha);
    r.sourceSize = QSize(source.width, source.height);
    const qlip::PixelTensor pixels = m_engine->preprocess(source);
    const qlip::ImageRGB8 input = qlip::denormalize(pixels.chw.data(), pixels.height, pixels.width, m_engine->preprocessConfig());
    r.input = toQImage(input);
    r.loadMs = elapsedMs(timer);
    m_lastPixels = pixels;
    m_lastPath = path;

    timer.restart();
    r.tokens = std::move(m_engine->encode({pixels}).front());
    r.encodeMs = elapsedMs(timer);

    timer.restart();
    const qlip::ImageRGB8 recon = m_engine->decodeToImage(r.tokens);
    r.reconstruction = toQImage(recon);
    r.decodeMs = elapsedMs(timer);
    r.psnr = qlip::psnr(input, recon);
    r.ssim = qlip::ssim(input, recon);
    return r;
}

} // namespace qlipx
