#pragma once
// The engine thread's side of the explorer: EngineWorker owns the one qlip::Engine and runs
// every model operation. It lives in its own QThread (see EngineThread); the GUI reaches it only
// through queued calls and hears back only through queued signals carrying values (QImages,
// token grids), never pointers into engine state.
//
// Slots run on the engine thread. Encode requests are latest-wins: a request that arrives while
// older ones still wait in the queue replaces them, and only the newest is run. A model that
// fails to load leaves the previous one in place. Every failure becomes a *Failed signal; nothing
// thrown by the engine escapes.
#include "generation.h"

#include "qlip/engine.h"
#include "qlip/folderindex.h"
#include "qlip/prior.h"
#include "qlip/tokens.h"

#include <QImage>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>

#include <atomic>
#include <map>
#include <memory>
#include <optional>

namespace qlipx {


struct EncodeResult {
    quint64 request = 0;    // the worker numbers encode requests 1, 2, ... in arrival order
    QString path;
    QString model;
    QSize sourceSize;       // the image file's size
    QImage input;           // what the model saw: resized, centre-cropped, as 8-bit RGB
    QImage reconstruction;  // decoded from the tokens, same size as `input`
    qlip::TokenGrid tokens; // covers `input` exactly
    double loadMs = 0;      // read + decode the file + pre-process
    double encodeMs = 0;
    double decodeMs = 0;
    QString preprocessing;  // JSON text: how `input` was made (for token sidecars)
    double psnr = 0;        // reconstruction vs input, dB (uint8 RGB)
    double ssim = 0;        // 11x11 Gaussian window, per channel, mean

    double totalMs() const { return loadMs + encodeMs + decodeMs; }
};

struct SensitivityResult {
    quint64 job = 0;
    std::vector<int> bits;                  // the channels measured
    std::vector<std::vector<float>> values; // [bits][tokens]: mean |change| in levels of 255
    double ms = 0;
};

struct QueryResult {
    quint64 job = 0;
    QString image;             // the image the probabilities are for
    QStringList labels;        // as given (duplicates removed)
    std::vector<float> probabilities;
    std::vector<float> cosines;
    double scale = 100;
    double ms = 0;
};

struct SearchResult {
    quint64 job = 0;
    QString folder;
    QString query;                 // the text, or "like <image>"
    struct Hit {
        QString path;              // absolute
        float score = 0;
        QImage thumbnail;          // at most 96 px
    };
    std::vector<Hit> hits;         // best first
    int encoded = 0, reused = 0, removed = 0;
    QStringList skipped;           // "path: reason"
    QStringList messages;          // why the index was rebuilt, if it was
    QString stats;                 // a summary of the folder's token statistics
    qlip::TokenGrid folderTokens;  // every indexed image's tokens, one row per image (for the charts)
    struct FrequentToken {
        qint64 token = 0;
        qint64 count = 0;
        QString file;              // the exemplar: the token's first occurrence
        int row = 0, col = 0;
        QImage patch;              // the model-input pixels it covers there
    };
    std::vector<FrequentToken> frequent; // most frequent first
    double ms = 0;
};

class EngineWorker : public QObject {
    Q_OBJECT
public:
    explicit EngineWorker(const qlip::EngineOptions& options = {}, QObject* parent = nullptr);
    ~EngineWorker() override;

    // Any thread: asks the model load in progress (if any) to stop at its next tensor.
    void cancelLoad() { m_cancelLoad = true; }
    // Any thread: stops the sensitivity map being computed (if any) at its next batch.
    void cancelSensitivity() { m_cancelSensitivity = true; }
    // Called by the requesting thread before it posts a cancellable job, so that a cancel that
    // comes right after the request (even before the job starts) is never lost.
    void armCancellableJobs() {
        m_cancelSensitivity = false;
        m_cancelSearch = false;
        m_cancelOcclusion = false;
    }
    // Any thread. Generation jobs are numbered by the requester (1, 2, ...): noteGenerationRequest()
    // before posting a job, and cancelGeneration() stops every job requested so far (the running
    // one at its next token, the waiting ones before they start) but none requested after it, so
    // neither a quick cancel nor a quick new request is lost.
    void noteGenerationRequest(quint64 job) { m_newestGeneration = job; }
    void cancelGeneration() { m_cancelGenerationUpTo = m_newestGeneration.load(); }

public Q_SLOTS:
    // Engine thread. Loads a Hugging Face model folder; on success it replaces the current model.
    // Progress is reported; cancelLoad() stops it and keeps the current model.
    void openModel(const QString& folder);
    // Engine thread. Queues an encode (file -> tokens -> reconstruction); latest-wins.
    void encodeImage(const QString& path);
    // Engine thread. Queues a decode of edited tokens; latest-wins (`serial` is the caller's number
    // for the token state, returned with the image so the caller can drop stale ones).
    void decodeTokens(quint64 serial, const qlip::TokenGrid& tokens);
    // Engine thread. Zero-shot probabilities of `labels` for the last encoded image. Each label is
    // embedded with every template ("{}" replaced by the label), normalised, averaged and
    // re-normalised (CLIP's prompt ensemble). Text embeddings are cached per model.
    void runQuery(quint64 job, const QStringList& labels, const QStringList& templates, bool learnedScale);
    // Engine thread. Where in the last encoded image `label` matches: the per-token text map
    // (qlip::tokenTextMap, value path) of the label's prompt-ensemble embedding.
    void runTokenMap(quint64 job, const QString& label, const QStringList& templates);
    // Engine thread. The exact map: the drop of image-text similarity when a window of 2x2 tokens
    // is greyed out, per token (qlip::occlusionMap); progress, cancelOcclusion().
    void runOcclusionMap(quint64 job, const QString& label, const QStringList& templates);
    void cancelOcclusion() { m_cancelOcclusion = true; }
    // Engine thread. Brings the folder's index up to date (only new or changed images are encoded;
    // cancellable with cancelSearch()) and ranks its images by `text` (prompt ensemble over
    // `templates`), or by similarity to the last encoded image when `text` is empty.
    void searchFolder(quint64 job, const QString& folder, const QString& text, const QStringList& templates, int top);
    // Engine thread. The folder's token statistics as CSV (indexes the folder first).
    void writeFolderStats(quint64 job, const QString& folder, const QString& csvPath);
    // Any thread: stops the indexing in progress at its next image.
    void cancelSearch() { m_cancelSearch = true; }
    // Engine thread. The bit-flip sensitivity of every token for each of `bits`; reports progress.
    void computeSensitivity(quint64 job, const qlip::TokenGrid& tokens, const std::vector<int>& bits);
    // Engine thread. Opens a prior folder for the current model; on failure the current prior stays.
    void openPrior(const QString& folder);
    // Engine thread. Samples token grids with the prior (qlip::Prior::generate), streaming
    // coalesced progress (generationProgress) with preview decodes; generationFinished at the end,
    // generationFailed ("cancelled" when cancelled) otherwise.
    void generate(quint64 job, const qlip::GenerateRequest& request);
    // Engine thread. Makes `path` the image that queries and searches "like this image" use (a
    // generated image opened in the explorer: its tokens come from the prior, not from an encode).
    void adoptImage(const QString& path);

Q_SIGNALS:
    void modelLoading(const QString& folder);
    void modelLoaded(const qlip::ModelInfo& model); // loadSeconds measured by the worker
    void modelFailed(const QString& folder, const QString& message);
    void modelLoadProgress(const QString& folder, double fraction);
    void modelLoadCancelled(const QString& folder);
    void encodeStarted(quint64 request, const QString& path);
    void encodeFinished(const qlipx::EncodeResult& result);
    void encodeFailed(quint64 request, const QString& path, const QString& message);
    void decodeFinished(quint64 serial, const QImage& image, double decodeMs);
    void decodeFailed(quint64 serial, const QString& message);
    void sensitivityProgress(quint64 job, double fraction);
    void sensitivityFinished(const qlipx::SensitivityResult& result);
    void sensitivityFailed(quint64 job, const QString& message); // "cancelled" when cancelled
    void queryFinished(const qlipx::QueryResult& result);
    void queryFailed(quint64 job, const QString& message);
    void tokenMapFinished(quint64 job, const QString& label, const std::vector<float>& map);
    void searchProgress(quint64 job, int done, int total, const QString& path);
    void occlusionProgress(quint64 job, double fraction);
    void searchFinished(const qlipx::SearchResult& result);
    void searchFailed(quint64 job, const QString& message); // "cancelled" when cancelled
    void folderStatsWritten(quint64 job, const QString& csvPath);
    // The prior after a model load, openPrior() or a drop (info.available() false: none, info.note says why).
    void priorChanged(const qlipx::PriorInfo& info);
    void priorFailed(const QString& folder, const QString& message); // the previous prior stays
    void generationProgress(const qlipx::GenerationProgress& progress);
    void generationFinished(const qlipx::GenerationResult& result);
    void generationFailed(quint64 job, const QString& message); // "cancelled" when cancelled

private:
    void rtRunPendingEncode();
    EncodeResult rtEncode(quint64 request, const QString& path);

    qlip::EngineOptions m_options;
    std::unique_ptr<qlip::Engine> m_engine;
    std::atomic<bool> m_cancelLoad{false};
    std::atomic<bool> m_cancelSensitivity{false};
    std::atomic<bool> m_cancelSearch{false};
    std::atomic<bool> m_cancelOcclusion{false};
    std::map<std::string, std::unique_ptr<qlip::FolderIndex>> m_indexes; // per folder, this model
    // Generation (engineworker_generate.cpp).
    void rtUpdatePriorForModel(const QString& modelFolder);
    PriorInfo priorInfo(const QString& note = {}) const;
    std::vector<QImage> decodeImages(const std::vector<qlip::TokenGrid>& grids);
    bool generationCancelled(quint64 job) const { return job <= m_cancelGenerationUpTo.load(); }
    std::unique_ptr<qlip::Prior> m_prior; // belongs to m_engine's model; dropped when a new model rejects it
    std::atomic<quint64> m_newestGeneration{0};
    std::atomic<quint64> m_cancelGenerationUpTo{0};
    qlip::FolderIndex& indexFor(quint64 job, const QString& folder, qlip::IndexUpdate* update);

public:
    // Where the explorer keeps a folder's index: <app data>/indexes/<name>-<hash of the path>.safetensors.
    static QString indexFileFor(const QString& folder);
    std::optional<qlip::PixelTensor> m_lastPixels; // the last encoded image, for queries
    QString m_lastPath;
    std::map<std::string, std::vector<float>> m_textCache; // (templates, label) -> ensemble embedding, this model
    std::vector<std::vector<float>> promptEmbeddings(const QStringList& labels, const QStringList& templates);
    std::vector<float> promptEmbedding(const QString& label, const QStringList& templates);
    QImage exemplarPatch(const QString& file, int row, int col);
    quint64 m_encodeSerial = 0;
    struct Pending {
        quint64 request;
        QString path;
    };
    std::optional<Pending> m_pendingEncode;
    struct PendingDecode {
        quint64 serial;
        qlip::TokenGrid tokens;
    };
    std::optional<PendingDecode> m_pendingDecode;
    void rtRunPendingDecode();
};

QImage toQImage(const qlip::ImageRGB8& image);
qlip::ImageRGB8 toImageRGB8(const QImage& image);

} // namespace qlipx

Q_DECLARE_METATYPE(qlip::ModelInfo)
Q_DECLARE_METATYPE(qlipx::EncodeResult)
Q_DECLARE_METATYPE(qlip::TokenGrid)
Q_DECLARE_METATYPE(qlipx::SensitivityResult)
Q_DECLARE_METATYPE(qlipx::QueryResult)
Q_DECLARE_METATYPE(qlipx::SearchResult)
