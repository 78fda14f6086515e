#pragma once
// The Generate dock's run history: every generation's prompt, negative prompt, sampling
// parameters, seed, sample count, time and model, kept across restarts in a JSON file
// (QStandardPaths::AppDataLocation, $QLIPX_GENERATION_HISTORY overrides) written atomically
// (QSaveFile) and capped to the newest `capacity` runs. A file that cannot be read is set aside
// (renamed to <file>.corrupt) and reported; the history then starts empty, it never stops the app.
#include "qlip/prior.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>

#include <vector>

namespace qlipx {

struct GenerationRecord {
    QString prompt;
    QString negativePrompt;
    qlip::SamplingParams sampling; // seed included
    int samples = 1;
    QDateTime time;                // when the run was started (UTC)
    QString model;                 // QLIP model name
    QString prior;                 // prior name
    double seconds = 0;            // how long the sampling took (0: unknown)

    static GenerationRecord of(const qlip::GenerateRequest& request, const QString& model, const QString& prior, const QDateTime& time);
    // The request that runs it again (same seed: the same tokens with the same model and prior).
    qlip::GenerateRequest request() const;
    QString summary() const; // one line for a list
    QString details() const; // every parameter, for a tooltip

    QJsonObject toJson() const;
    // Throws qlip::Error when a field is missing or has the wrong type.
    static GenerationRecord fromJson(const QJsonObject& json);
};

class GenerationHistory {
public:
    static constexpr int kVersion = 1;

    explicit GenerationHistory(QString path, int capacity = 200);
    // $QLIPX_GENERATION_HISTORY, else <AppDataLocation>/generation-history.json.
    static QString defaultPath();

    // Reads the file (a missing one is an empty history). Returns an empty string, or what went
    // wrong: then the file was set aside as <path>.corrupt and the history is empty, or some
    // unreadable entries were skipped.
    QString load();
    // Adds a run (dropping the oldest beyond the capacity) and writes the file atomically; false
    // with `error` set when it cannot be written (the run is still in memory).
    bool append(const GenerationRecord& record, QString* error = nullptr);
    const std::vector<GenerationRecord>& records() const { return m_records; } // oldest first
    const QString& path() const { return m_path; }
    int capacity() const { return m_capacity; }

private:
    QString m_path;
    int m_capacity;
    std::vector<GenerationRecord> m_records;
};

} // namespace qlipx
