#pragma once
// The Search dock: index a folder of images (incrementally, on the engine thread, cancellable)
// and rank them by a text query or by similarity to the image on the canvas; results as a
// thumbnail grid with scores, double-click opens one. Also the folder's token statistics and
// their export as CSV.
#include "engineworker.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;

namespace qlipx {

class SearchPanel : public QWidget {
    Q_OBJECT
public:
    explicit SearchPanel(QWidget* parent = nullptr);

    QString folder() const;
    void setFolder(const QString& folder);
    QString queryText() const;
    void setQueryText(const QString& text);
    void setBusy(bool busy);
    void setProgress(int done, int total, const QString& path);
    void setResult(const SearchResult& result);
    void setMessage(const QString& text);
    QString message() const;
    QStringList resultPaths() const; // best first
    int frequentTokensShown() const;

Q_SIGNALS:
    void searchRequested(const QString& folder, const QString& text); // empty text: like the current image
    void cancelRequested();
    void statsRequested(const QString& folder);
    void chartsRequested(); // show the folder's token statistics in the Statistics dock
    void openRequested(const QString& path);

private:
    QLineEdit* m_folder = nullptr;
    QLineEdit* m_query = nullptr;
    QPushButton* m_search = nullptr;
    QPushButton* m_like = nullptr;
    QPushButton* m_cancel = nullptr;
    QProgressBar* m_progress = nullptr;
    QListWidget* m_results = nullptr;
    QLabel* m_message = nullptr;
    QListWidget* m_frequent = nullptr;
};

} // namespace qlipx
