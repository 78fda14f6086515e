#include "sessionfile.h"

#include "qlip/error.h"
#include "qlip/tokenedit.h"

#include <QFile>
#include <cmath>
#include <limits>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

namespace qlipx {

namespace {

constexpr const char* kFormat = "qlip-explorer-session";
constexpr int64_t kMaxGridSide = 4096; // as for token .npy files

[[noreturn]] void fail(const QString& what, const QString& why) { throw qlip::Error((what + QStringLiteral(": ") + why).toStdString()); }

// An integer stored as a JSON number (exact up to 2^53; token indices have at most 28 bits).
int64_t integer(const QJsonValue& v, const QString& what, const QString& field) {
    const double d = v.toDouble(-1);
    if (!v.isDouble() || d < 0 || d != std::floor(d) || d > 9007199254740992.0) fail(what, field + QStringLiteral(" must be a non-negative integer"));
    return int64_t(d);
}

// A grid size, bit count or token position: an integer that must also fit the int it is kept in
// (a cast alone would read rows: 4294967298 as 2).
int smallInteger(const QJsonValue& v, const QString& what, const QString& field, int64_t maxValue) {
    const int64_t n = integer(v, what, field);
    if (n > maxValue) fail(what, QStringLiteral("%1 is %2, more than %3").arg(field).arg(n).arg(maxValue));
    return int(n);
}

QJsonArray changesToJson(const qlip::TokenEdit& edit) {
    QJsonArray a;
    for (const auto& c : edit) a.append(QJsonArray{c.n, double(c.before), double(c.after)});
    return a;
}

qlip::TokenEdit changesFromJson(const QJsonValue& v, const QString& what) {
    if (!v.isArray()) fail(what, QStringLiteral("a history entry has no \"changes\" array"));
    qlip::TokenEdit edit;
    for (const QJsonValue& c : v.toArray()) {
        const QJsonArray t = c.toArray();
        if (t.size() != 3) fail(what, QStringLiteral("a change must be [token, before, after]"));
        edit.push_back({smallInteger(t[0], what, QStringLiteral("token"), std::numeric_limits<int>::max()), integer(t[1], what, QStringLiteral("before")),
                        integer(t[2], what, QStringLiteral("after"))});
    }
    return edit;
}

} // namespace

QByteArray sessionToJson(const SessionData& s) {
    QJsonObject grid{{QStringLiteral("rows"), s.original.rows}, {QStringLiteral("cols"), s.original.cols},
                     {QStringLiteral("bits"), s.original.bits}, {QStringLiteral("groupSize"), s.original.groupSize}};
    QJsonArray indices;
    for (int64_t v : s.original.indices) indices.append(double(v));
    QJsonArray history;
    for (const auto& h : s.history) history.append(QJsonObject{{QStringLiteral("text"), h.text}, {QStringLiteral("changes"), changesToJson(h.edit)}});
    QJsonObject root{{QStringLiteral("format"), QString::fromLatin1(kFormat)},
                     {QStringLiteral("version"), SessionData::kVersion},
                     {QStringLiteral("image"), s.image},
                     {QStringLiteral("model"), s.model},
                     {QStringLiteral("modelName"), s.modelName},
                     {QStringLiteral("grid"), grid},
                     {QStringLiteral("tokens"), indices},
                     {QStringLiteral("history"), history},
                     {QStringLiteral("historyIndex"), s.historyIndex},
                     {QStringLiteral("view"), s.view}};
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

SessionData sessionFromJson(const QByteArray& json, const QString& what) {
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &err);
    if (doc.isNull()) fail(what, QStringLiteral("not a session file (JSON error at byte %1: %2; truncated?)").arg(err.offset).arg(err.errorString()));
    const QJsonObject root = doc.object();
    if (root.value(QStringLiteral("format")).toString() != QLatin1String(kFormat)) fail(what, QStringLiteral("not a QLIP Explorer session"));
    const int version = root.value(QStringLiteral("version")).toInt(-1);
    if (version < 1) fail(what, QStringLiteral("the session has no valid version"));
    if (version > SessionData::kVersion)
        fail(what, QStringLiteral("written by a newer QLIP Explorer (session version %1; this one reads up to %2)").arg(version).arg(SessionData::kVersion));

    SessionData s;
    s.image = root.value(QStringLiteral("image")).toString();
    s.model = root.value(QStringLiteral("model")).toString();
    s.modelName = root.value(QStringLiteral("modelName")).toString();
    const QJsonObject grid = root.value(QStringLiteral("grid")).toObject();
    s.original.rows = smallInteger(grid.value(QStringLiteral("rows")), what, QStringLiteral("grid.rows"), kMaxGridSide);
    s.original.cols = smallInteger(grid.value(QStringLiteral("cols")), what, QStringLiteral("grid.cols"), kMaxGridSide);
    s.original.bits = smallInteger(grid.value(QStringLiteral("bits")), what, QStringLiteral("grid.bits"), 62);
    s.original.groupSize = int(grid.value(QStringLiteral("groupSize")).toInt(1));
    for (const QJsonValue& v : root.value(QStringLiteral("tokens")).toArray()) s.original.indices.push_back(integer(v, what, QStringLiteral("a token")));
    try {
        s.original.validate(what.toStdString());
    } catch (const qlip::Error& e) {
        fail(what, QString::fromStdString(e.what()));
    }
    for (const QJsonValue& h : root.value(QStringLiteral("history")).toArray())
        s.history.push_back({h.toObject().value(QStringLiteral("text")).toString(), changesFromJson(h.toObject().value(QStringLiteral("changes")), what)});
    s.historyIndex = root.value(QStringLiteral("historyIndex")).toInt(-1);
    if (s.historyIndex < 0 || s.historyIndex > int(s.history.size())) fail(what, QStringLiteral("historyIndex is out of range"));
    // The whole history must apply to the tokens, or the file is inconsistent.
    qlip::TokenGrid probe = s.original;
    try {
        for (const auto& h : s.history) qlip::applyEdit(probe, h.edit);
    } catch (const qlip::Error& e) {
        fail(what, QStringLiteral("the edit history does not fit the tokens (%1)").arg(QString::fromStdString(e.what())));
    }
    s.view = root.value(QStringLiteral("view")).toObject();
    return s;
}

bool saveSessionFile(const QString& path, const SessionData& session, QString* error) {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(sessionToJson(session)) < 0 || !f.commit()) {
        if (error) *error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    return true;
}

SessionData loadSessionFile(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) fail(path, QStringLiteral("cannot open (%1)").arg(f.errorString()));
    return sessionFromJson(f.readAll(), path);
}

} // namespace qlipx
