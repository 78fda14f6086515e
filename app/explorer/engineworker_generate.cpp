// EngineWorker's generation (issue #7): the prior that goes with the model, and sampling with
// streamed, coalesced progress.
#include "engineworker.h"

#include "guarded.h"
#include "startup.h"

#include "qlip/image.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QThread>

namespace qlipx {

namespace {

double elapsedMs(const QElapsedTimer& t) { return double(t.nsecsElapsed()) / 1e6; }

// The prior runs in the engine's precision where it can (bf16), else in fp32.
qlip::PriorOptions priorOptionsFor(const qlip::ModelInfo& model) {
    qlip::PriorOptions o;
    o.precision = model.precision == "bf16" ? "bf16" : "fp32";
    return o;
}

QStringList toQStringList(const std::vector<std::string>& lines) {
    QStringList out;
    for (const auto& l : lines) out << QString::fromStdString(l);
    return out;
}

} // namespace

PriorInfo EngineWorker::priorInfo(const QString& note) const {
    PriorInfo info;
    info.note = note;
    if (!m_prior) return info;
    const qlip::PriorConfig& c = m_prior->config();
    info.name = QString::fromStdString(c.name);
    info.folder = QString::fromStdString(m_prior->folder());
    info.parameters = m_prior->parameters();
    info.rows = c.gridRows;
    info.cols = c.gridCols;
    info.groups = c.groups;
    info.width = c.width;
    info.layers = c.layers;
    return info;
}

void EngineWorker::rtUpdatePriorForModel(const QString& modelFolder) {
    QString note;
    // A prior predicts one model's tokens: a new model that it does not fit makes it useless.
    if (m_prior) {
        if (auto why = guarded([&] { m_prior->checkCompatible(*m_engine); })) {
            note = QStringLiteral("the prior %1 was closed: %2").arg(QString::fromStdString(m_prior->config().name), *why);
            m_prior.reset();
        }
    }
    const QString companion = companionPriorFolder(modelFolder);
    const bool alreadyOpen = m_prior && QFileInfo(QString::fromStdString(m_prior->folder())).canonicalFilePath() ==
                                            QFileInfo(companion).canonicalFilePath();
    if (!companion.isEmpty() && !alreadyOpen) {
        std::unique_ptr<qlip::Prior> prior;
        if (auto error = guarded([&] { prior = qlip::Prior::open(companion.toStdString(), *m_engine, priorOptionsFor(m_engine->info())); }))
            note = QStringLiteral("the prior next to the model (%1) cannot be used: %2").arg(companion, *error);
        else
            m_prior = std::move(prior);
    }
    if (!m_prior && note.isEmpty()) note = QStringLiteral("this model has no prior next to it: open one to generate images");
    Q_EMIT priorChanged(priorInfo(note));
}

void EngineWorker::openPrior(const QString& folder) {
    Q_ASSERT(QThread::currentThread() == thread());
    if (!m_engine) return Q_EMIT priorFailed(folder, QStringLiteral("open a model first: a prior belongs to a QLIP model"));
    std::unique_ptr<qlip::Prior> prior;
    if (auto error = guarded([&] { prior = qlip::Prior::open(folder.toStdString(), *m_engine, priorOptionsFor(m_engine->info())); }))
        return Q_EMIT priorFailed(folder, *error); // the current prior, if any, stays
    m_prior = std::move(prior);
    Q_EMIT priorChanged(priorInfo());
}

std::vector<QImage> EngineWorker::decodeImages(const std::vector<qlip::TokenGrid>& grids) {
    std::vector<QImage> images;
    const auto& pre = m_engine->preprocessConfig();
    for (const auto& p : m_engine->decode(grids)) images.push_back(toQImage(qlip::denormalize(p.chw.data(), p.height, p.width, pre)));
    return images;
}

void EngineWorker::generate(quint64 job, const qlip::GenerateRequest& request) {
    Q_ASSERT(QThread::currentThread() == thread());
    if (generationCancelled(job)) return Q_EMIT generationFailed(job, QStringLiteral("cancelled"));
    if (!m_engine) return Q_EMIT generationFailed(job, QStringLiteral("no model is loaded"));
    if (!m_prior) return Q_EMIT generationFailed(job, QStringLiteral("no prior is open for this model: open one in the Generate dock"));
    const bool hasText = !request.prompt.empty() || !request.negativePrompt.empty();
    if (hasText && !m_engine->hasTokenizer())
        return Q_EMIT generationFailed(job, QStringLiteral("this model has no tokenizer: only an empty prompt (unconditional) works"));

    GenerationResult r;
    r.job = job;
    r.request = request;
    r.model = QString::fromStdString(m_engine->info().name);
    r.prior = QString::fromStdString(m_prior->config().name);
    GenerationStream stream(m_prior->config(), request, m_engine->info().groupSize);
    QElapsedTimer clock;
    clock.start();
    auto report = [&] {
        const double start = elapsedMs(clock);
        GenerationProgress p = stream.snapshot(job);
        p.previews = decodeImages(p.grids);
        Q_EMIT generationProgress(p);
        stream.reported(elapsedMs(clock), elapsedMs(clock) - start);
    };
    bool cancelled = false;
    auto error = guarded([&] {
        try {
            qlip::GenerateResult g = m_prior->generate(*m_engine, request, [&](const qlip::GeneratedToken& t) {
                if (generationCancelled(job)) return false;
                if (stream.add(t, elapsedMs(clock))) report();
                return true;
            });
            r.seconds = g.seconds;
            r.sampledTokens = g.sampledTokens;
            r.notices = toQStringList(g.notices);
            r.images = decodeImages(g.grids);
            r.grids = std::move(g.grids);
            r.confidence = std::move(g.confidence);
        } catch (const qlip::Cancelled&) {
            cancelled = true;
        }
    });
    if (cancelled) return Q_EMIT generationFailed(job, QStringLiteral("cancelled"));
    if (error) return Q_EMIT generationFailed(job, *error);
    Q_EMIT generationFinished(r);
}

void EngineWorker::adoptImage(const QString& path) {
    Q_ASSERT(QThread::currentThread() == thread());
    if (!m_engine) return;
    const auto error = guarded([&] {
        m_lastPixels = m_engine->preprocess(qlip::loadImage(path.toStdString(), m_engine->preprocessConfig().alpha));
        m_lastPath = path;
    });
    if (error) m_lastPixels.reset(); // queries then say there is no image, rather than answer for another one
}

} // namespace qlipx
