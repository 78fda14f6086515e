#include "searchpanel.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QToolButton>

namespace qlipx {

SearchPanel::SearchPanel(QWidget* parent) : QWidget(parent) {
    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(6, 6, 6, 6);
    m_folder = new QLineEdit;
    m_folder->setPlaceholderText(tr("Folder of images (searched recursively)"));
    auto* browse = new QToolButton;
    browse->setText(tr("…"));
    m_query = new QLineEdit;
    m_query->setPlaceholderText(tr("Text, e.g. a red apple"));
    m_search = new QPushButton(tr("Search"));
    m_like = new QPushButton(tr("Like this image"));
    m_like->setToolTip(tr("Rank the folder's images by similarity to the image on the canvas"));
    auto* stats = new QPushButton(tr("Token stats CSV…"));
    stats->setToolTip(tr("Per-bit balance and entropy, distinct and most frequent tokens (with an exemplar patch) over the folder"));
    auto* charts = new QPushButton(tr("Charts"));
    charts->setToolTip(tr("Show the per-bit balance and entropy and the token usage of the whole folder in the Statistics dock"));
    connect(charts, &QPushButton::clicked, this, &SearchPanel::chartsRequested);
    m_cancel = new QPushButton(tr("Cancel"));
    m_cancel->setEnabled(false);
    m_progress = new QProgressBar;
    m_progress->setVisible(false);
    m_message = new QLabel;
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_results = new QListWidget;
    m_results->setViewMode(QListView::IconMode);
    m_results->setIconSize(QSize(72, 72));
    m_results->setGridSize(QSize(112, 116));
    m_results->setMinimumHeight(124);
    m_results->setResizeMode(QListView::Adjust);
    m_results->setMovement(QListView::Static);
    m_results->setWordWrap(true);
    m_results->setToolTip(tr("Double-click to open the image"));

    grid->addWidget(m_folder, 0, 0, 1, 3);
    grid->addWidget(charts, 0, 3);
    grid->addWidget(browse, 0, 4);
    grid->addWidget(m_query, 1, 0);
    grid->addWidget(m_search, 1, 1);
    grid->addWidget(m_like, 1, 2);
    grid->addWidget(stats, 1, 3);
    grid->addWidget(m_cancel, 1, 4);
    grid->addWidget(m_progress, 2, 0, 1, 5);
    grid->addWidget(m_message, 3, 0, 1, 5);
    // The folder's most frequent tokens, each with the patch it covers in its first image.
    m_frequent = new QListWidget;
    m_frequent->setViewMode(QListView::IconMode);
    m_frequent->setIconSize(QSize(42, 42));
    m_frequent->setGridSize(QSize(92, 74));
    m_frequent->setFlow(QListView::LeftToRight);
    m_frequent->setWrapping(false);
    m_frequent->setFixedHeight(84);
    m_frequent->setToolTip(tr("The folder's most frequent tokens, with the patch each covers where it first occurs"));
    grid->addWidget(m_results, 4, 0, 1, 5);
    grid->addWidget(m_frequent, 5, 0, 1, 5);
    grid->setRowStretch(4, 1);
    grid->setColumnStretch(0, 1);

    connect(browse, &QToolButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder to Search"), m_folder->text());
        if (!dir.isEmpty()) m_folder->setText(dir);
    });
    auto search = [this] {
        if (m_folder->text().isEmpty()) return setMessage(tr("Choose a folder first"));
        Q_EMIT searchRequested(m_folder->text(), m_query->text().trimmed());
    };
    connect(m_search, &QPushButton::clicked, this, [this, search] {
        if (m_query->text().trimmed().isEmpty()) return setMessage(tr("Type what to look for"));
        search();
    });
    connect(m_query, &QLineEdit::returnPressed, m_search, &QPushButton::click);
    connect(m_like, &QPushButton::clicked, this, [this] {
        if (m_folder->text().isEmpty()) return setMessage(tr("Choose a folder first"));
        Q_EMIT searchRequested(m_folder->text(), QString());
    });
    connect(stats, &QPushButton::clicked, this, [this] {
        if (m_folder->text().isEmpty()) return setMessage(tr("Choose a folder first"));
        Q_EMIT statsRequested(m_folder->text());
    });
    connect(m_cancel, &QPushButton::clicked, this, &SearchPanel::cancelRequested);
    connect(m_results, &QListWidget::itemDoubleClicked, this,
            [this](QListWidgetItem* item) { Q_EMIT openRequested(item->data(Qt::UserRole).toString()); });
}

QString SearchPanel::folder() const { return m_folder->text(); }
void SearchPanel::setFolder(const QString& folder) { m_folder->setText(folder); }
QString SearchPanel::queryText() const { return m_query->text(); }
void SearchPanel::setQueryText(const QString& text) { m_query->setText(text); }
void SearchPanel::setMessage(const QString& text) { m_message->setText(text); }
QString SearchPanel::message() const { return m_message->text(); }

void SearchPanel::setBusy(bool busy) {
    m_search->setEnabled(!busy);
    m_like->setEnabled(!busy);
    m_cancel->setEnabled(busy);
    m_progress->setVisible(busy);
    if (busy) m_progress->setRange(0, 0); // until the first progress report
}

void SearchPanel::setProgress(int done, int total, const QString& path) {
    m_progress->setRange(0, std::max(total, 1));
    m_progress->setValue(done);
    m_progress->setFormat(tr("indexing %1 of %2: %3").arg(done).arg(total).arg(QFileInfo(path).fileName()));
}

void SearchPanel::setResult(const SearchResult& r) {
    m_results->clear();
    for (const auto& h : r.hits) {
        auto* item = new QListWidgetItem(QIcon(QPixmap::fromImage(h.thumbnail)),
                                         QStringLiteral("%1\n%2").arg(double(h.score), 0, 'f', 3).arg(QFileInfo(h.path).fileName()));
        item->setData(Qt::UserRole, h.path);
        item->setToolTip(QStringLiteral("%1\ncosine %2").arg(h.path).arg(double(h.score), 0, 'f', 4));
        m_results->addItem(item);
    }
    m_frequent->clear();
    for (const auto& f : r.frequent) {
        // A grey frame, so that background (white) patches are seen too.
        QPixmap framed(42, 42);
        framed.fill(QColor(128, 128, 128));
        if (!f.patch.isNull()) {
            QPainter p(&framed);
            p.drawImage(QRect(1, 1, 40, 40), f.patch);
        }
        auto* item = new QListWidgetItem(QIcon(framed),
                                         QStringLiteral("%1\n×%2").arg(f.token).arg(f.count));
        item->setToolTip(tr("token %1 (0x%2): %3 times; first in %4 at row %5, col %6")
                             .arg(f.token).arg(f.token, 0, 16).arg(f.count).arg(f.file).arg(f.row).arg(f.col));
        m_frequent->addItem(item);
    }
    QString text = tr("\"%1\": %2 results in %3 ms · index: %4 encoded, %5 unchanged, %6 removed · %7")
                       .arg(r.query).arg(r.hits.size()).arg(r.ms, 0, 'f', 0).arg(r.encoded).arg(r.reused).arg(r.removed).arg(r.stats);
    if (!r.skipped.isEmpty()) text += tr("\nSkipped %1 unreadable file(s): %2").arg(r.skipped.size()).arg(r.skipped.mid(0, 5).join(QStringLiteral("; ")));
    if (!r.messages.isEmpty()) text += QLatin1Char('\n') + r.messages.join(QLatin1Char('\n'));
    setMessage(text);
}

int SearchPanel::frequentTokensShown() const { return m_frequent->count(); }

QStringList SearchPanel::resultPaths() const {
    QStringList out;
    for (int i = 0; i < m_results->count(); ++i) out << m_results->item(i)->data(Qt::UserRole).toString();
    return out;
}

} // namespace qlipx
