#pragma once
// File ▸ Models…: every model the explorer can open — the embedded one, the Hugging Face cache
// (shared with Python), folders the user added — and the official QLIP checkpoints, which a
// Download button fetches into the cache (progress, speed, time left, Cancel; resumable).
#include "hubtransport.h"

#include "qlip/hub.h"

#include <QDialog>

#include <vector>

class QLabel;
class QProgressBar;
class QPushButton;
class QTreeWidget;

namespace qlipx {

class ModelsDialog : public QDialog {
    Q_OBJECT
public:
    explicit ModelsDialog(QWidget* parent = nullptr);

    void refresh();                         // re-reads the cache and the added folders
    bool selectRepo(const QString& repoId); // selects that row; false when it is not listed
    void startDownload();                   // the selected row
    void cancelDownload();
    bool downloading() const { return m_downloader->running(); }
    int rowCount() const;
    QString rowText(int row, int column) const;
    QString statusText() const;

Q_SIGNALS:
    void openRequested(const QString& folder);
    void downloadFinished(bool ok, const QString& message);
    void progressChanged(const qlipx::HubProgress& progress);

protected:
    void closeEvent(QCloseEvent* event) override;
    void reject() override;

private:
    void updateButtons();
    void openSelected();
    void addFolder();
    void onProgress(const HubProgress& p);
    void onFinished(bool ok, bool cancelled, const QString& snapshot, const QString& message, qint64 bytes, qint64 resumed,
                    double seconds);
    const qlip::hub::ModelEntry* selected() const;
    bool confirmStopDownload();

    std::vector<qlip::hub::ModelEntry> m_entries; // row i of the tree shows m_entries[i]
    QTreeWidget* m_list = nullptr;
    QLabel* m_cacheLabel = nullptr;
    QLabel* m_status = nullptr;
    QProgressBar* m_progress = nullptr;
    QPushButton *m_download = nullptr, *m_cancel = nullptr, *m_open = nullptr, *m_add = nullptr, *m_refresh = nullptr;
    HubDownloader* m_downloader = nullptr;
    QString m_downloadRepo;
};

} // namespace qlipx
