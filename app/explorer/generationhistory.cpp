#include "generationhistory.h"

#include "qlip/error.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QStandardPaths>

#include <limits>

namespace qlipx {

namespace {

const QLatin1String kFormat("qlipx-generation-history");

QJsonValue required(const QJsonObject& o, const char* key, QJsonValue::Type type) {
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.type() != type) throw qlip::Error(std::string("the entry's \"") + key + "\" is missing or of the wrong type");
    return v;
}

QString fixed(double v, int decimals) { return QString::number(v, 'f', decimals); }

} // namespace

GenerationRecord GenerationRecord::of(const qlip::GenerateRequest& r, const QString& model, const QString& prior, const QDateTime& time) {
    GenerationRecord g;
    g.prompt = QString::fromStdString(r.prompt);
    g.negativePrompt = QString::fromStdString(r.negativePrompt);
    g.sampling = r.sampling;
    g.samples = r.samples;
    g.time = time.toUTC();
    g.model = model;
    g.prior = prior;
    return g;
}

qlip::GenerateRequest GenerationRecord::request() const {
    qlip::GenerateRequest r;
    r.prompt = prompt.toStdString();
    r.negativePrompt = negativePrompt.toStdString();
    r.sampling = sampling;
    r.samples = samples;
    return r;
}

// The user's texts go in by the last arg() call: a later one would treat a "%1" in them as a placeholder.
QString GenerationRecord::summary() const {
    const QString text = prompt.isEmpty() ? QStringLiteral("(unconditional)") : QStringLiteral("\"") + prompt + QStringLiteral("\"");
    return QStringLiteral("%1 · seed %2 · ×%3  %4")
        .arg(time.toLocalTime().toString(QStringLiteral("MM-dd HH:mm")), QString::number(sampling.seed), QString::number(samples), text);
}

QString GenerationRecord::details() const {
    const QString none = QStringLiteral("(none)");
    QString numbers = QStringLiteral("CFG %1, temperature %2, top-k %3, top-p %4\nseed %5, %6 samples\n%7")
                          .arg(fixed(sampling.cfgScale, 2), fixed(sampling.temperature, 2), QString::number(sampling.topK), fixed(sampling.topP, 2),
                               QString::number(sampling.seed), QString::number(samples), time.toLocalTime().toString(Qt::ISODate));
    if (seconds > 0) numbers += QStringLiteral(", %1 s").arg(fixed(seconds, 2));
    return QStringLiteral("prompt: %1\nnegative: %2\n%3\nmodel %4, prior %5")
        .arg(prompt.isEmpty() ? none : prompt, negativePrompt.isEmpty() ? none : negativePrompt, numbers, model, prior);
}

QJsonObject GenerationRecord::toJson() const {
    QJsonObject o;
    o[QStringLiteral("prompt")] = prompt;
    o[QStringLiteral("negative_prompt")] = negativePrompt;
    o[QStringLiteral("cfg")] = double(sampling.cfgScale);
    o[QStringLiteral("cfg_first")] = sampling.cfgFirst;
    o[QStringLiteral("cfg_last")] = sampling.cfgLast == std::numeric_limits<int>::max() ? -1 : sampling.cfgLast;
    o[QStringLiteral("temperature")] = double(sampling.temperature);
    o[QStringLiteral("top_k")] = sampling.topK;
    o[QStringLiteral("top_p")] = double(sampling.topP);
    o[QStringLiteral("seed")] = QString::number(sampling.seed); // a string: JSON numbers are doubles
    o[QStringLiteral("samples")] = samples;
    o[QStringLiteral("time")] = time.toUTC().toString(Qt::ISODateWithMs);
    o[QStringLiteral("model")] = model;
    o[QStringLiteral("prior")] = prior;
    o[QStringLiteral("seconds")] = seconds;
    return o;
}

GenerationRecord GenerationRecord::fromJson(const QJsonObject& o) {
    using T = QJsonValue::Type;
    GenerationRecord g;
    g.prompt = required(o, "prompt", T::String).toString();
    g.negativePrompt = o.value(QStringLiteral("negative_prompt")).toString();
    g.sampling.cfgScale = float(required(o, "cfg", T::Double).toDouble());
    g.sampling.cfgFirst = o.value(QStringLiteral("cfg_first")).toInt(0);
    const int last = o.value(QStringLiteral("cfg_last")).toInt(-1);
    g.sampling.cfgLast = last < 0 ? std::numeric_limits<int>::max() : last;
    g.sampling.temperature = float(required(o, "temperature", T::Double).toDouble());
    g.sampling.topK = required(o, "top_k", T::Double).toInt();
    g.sampling.topP = float(required(o, "top_p", T::Double).toDouble());
    bool ok = false;
    g.sampling.seed = required(o, "seed", T::String).toString().toULongLong(&ok);
    if (!ok) throw qlip::Error("the entry's seed is not a whole number");
    g.samples = required(o, "samples", T::Double).toInt();
    if (g.samples < 1) throw qlip::Error("the entry's sample count is not positive");
    g.time = QDateTime::fromString(required(o, "time", T::String).toString(), Qt::ISODateWithMs);
    g.model = o.value(QStringLiteral("model")).toString();
    g.prior = o.value(QStringLiteral("prior")).toString();
    g.seconds = o.value(QStringLiteral("seconds")).toDouble(0);
    return g;
}

GenerationHistory::GenerationHistory(QString path, int capacity) : m_path(std::move(path)), m_capacity(std::max(capacity, 1)) {}

QString GenerationHistory::defaultPath() {
    const QString over = qEnvironmentVariable("QLIPX_GENERATION_HISTORY");
    if (!over.isEmpty()) return over;
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/generation-history.json");
}

QString GenerationHistory::load() {
    m_records.clear();
    QFile file(m_path);
    if (!file.exists()) return {};
    QString problem;
    QJsonArray runs;
    if (!file.open(QIODevice::ReadOnly)) {
        problem = file.errorString();
    } else {
        QJsonParseError parse;
        const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parse);
        file.close();
        const QJsonObject root = doc.object();
        if (parse.error != QJsonParseError::NoError) problem = parse.errorString();
        else if (root.value(QStringLiteral("format")).toString() != kFormat) problem = QStringLiteral("not a generation history");
        else if (root.value(QStringLiteral("version")).toInt() > kVersion) problem = QStringLiteral("written by a newer version");
        else runs = root.value(QStringLiteral("runs")).toArray();
    }
    if (!problem.isEmpty()) {
        // Set aside, not overwritten by the next run: the user may want it back.
        const QString aside = m_path + QStringLiteral(".corrupt");
        QFile::remove(aside);
        QFile::rename(m_path, aside);
        return QStringLiteral("The generation history %1 could not be read (%2); it was moved to %3 and a new history starts.")
            .arg(QDir::toNativeSeparators(m_path), problem, QDir::toNativeSeparators(aside));
    }
    int skipped = 0;
    for (const QJsonValue& v : runs) {
        try {
            m_records.push_back(GenerationRecord::fromJson(v.toObject()));
        } catch (const qlip::Error&) {
            ++skipped;
        }
    }
    if (int(m_records.size()) > m_capacity) m_records.erase(m_records.begin(), m_records.end() - m_capacity);
    return skipped ? QStringLiteral("%1 unreadable entries of the generation history were skipped.").arg(skipped) : QString();
}

bool GenerationHistory::append(const GenerationRecord& record, QString* error) {
    m_records.push_back(record);
    if (int(m_records.size()) > m_capacity) m_records.erase(m_records.begin(), m_records.end() - m_capacity);
    QJsonArray runs;
    for (const auto& r : m_records) runs.append(r.toJson());
    QJsonObject root;
    root[QStringLiteral("format")] = kFormat;
    root[QStringLiteral("version")] = kVersion;
    root[QStringLiteral("runs")] = runs;
    QDir().mkpath(QFileInfo(m_path).absolutePath());
    QSaveFile file(m_path);
    const bool ok = file.open(QIODevice::WriteOnly) && file.write(QJsonDocument(root).toJson(QJsonDocument::Indented)) >= 0 && file.commit();
    if (!ok && error) *error = QStringLiteral("Cannot write the generation history %1: %2").arg(QDir::toNativeSeparators(m_path), file.errorString());
    return ok;
}

} // namespace qlipx
