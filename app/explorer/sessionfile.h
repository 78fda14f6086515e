#pragma once
// Explorer session files (*.qlipxsession): the image, the model, the encoded tokens, the edit
// history with its position, and the view. JSON, versioned; the format is described in
// docs/session-format.md. Writes are atomic (QSaveFile: a temporary file renamed over the target).
#include "editsession.h"

#include "qlip/tokens.h"

#include <QJsonObject>
#include <QString>

#include <vector>

namespace qlipx {

struct SessionData {
    static constexpr int kVersion = 1;
    QString image;       // absolute path of the image the tokens came from
    QString model;       // model folder
    QString modelName;
    qlip::TokenGrid original;          // as encoded (no latents)
    std::vector<HistoryEntry> history; // every edit, oldest first
    int historyIndex = 0;              // how many of them are applied
    QJsonObject view;                  // layer, compare, colouring, pick, selection (free-form, optional)
};

QByteArray sessionToJson(const SessionData& session);
// Throws qlip::Error naming `what` and the problem (not JSON, wrong format, newer version, bad grid,
// history that does not fit the tokens).
SessionData sessionFromJson(const QByteArray& json, const QString& what);

// Atomic write; false with `error` set on failure (the previous file, if any, stays intact).
bool saveSessionFile(const QString& path, const SessionData& session, QString* error);
SessionData loadSessionFile(const QString& path); // throws qlip::Error

} // namespace qlipx
