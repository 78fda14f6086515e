#include "modelsdialog.h"

#include "startup.h"

#include "qlip/hub_download.h"

#include <QCloseEvent>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>


namespace qlipx {

namespace hub = qlip::hub;

namespace {

enum Column { Name, Source, Revision, Size, Status, Columns };

QString sourceText(hub::ModelEntry::Source s) {
    switch (s) {
    case hub::ModelEntry::Source::HubCache: return ModelsDialog::tr("Hugging Face cache");
    case hub::ModelEntry::Source::UserFolder: return ModelsDialog::tr("added folder");
    case hub::ModelEntry::Source::Embedded: return ModelsDialog::tr("embedded");
    case hub::ModelEntry::Source::Official: // where Download fetches it from (HF_ENDPOINT)
        return QUrl(QString::fromStdString(hub::defaultEndpoint())).host();
    }
    return {};
}

QString duration(double s) {
    if (s < 0) return QStringLiteral("…");
    if (s < 60) return ModelsDialog::tr("%1 s").arg(int(s + 0.5));
    if (s < 3600) return ModelsDialog::tr("%1 min %2 s").arg(int(s) / 60).arg(int(s) % 60, 2, 10, QLatin1Char('0'));
    return ModelsDialog::tr("%1 h %2 min").arg(int(s) / 3600).arg(int(s) / 60 % 60, 2, 10, QLatin1Char('0'));
}

QString bytes(qint64 n) { return QString::fromStdString(hub::formatBytes(uint64_t(std::max<qint64>(0, n)))); }

} // namespace

ModelsDialog::ModelsDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Models"));
    m_downloader = new HubDownloader(this);
    connect(m_downloader, &HubDownloader::progress, this, &ModelsDialog::onProgress);
    connect(m_downloader, &HubDownloader::finished, this, &ModelsDialog::onFinished);

    m_cacheLabel = new QLabel(this);
    m_cacheLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_cacheLabel->setWordWrap(true);
    m_list = new QTreeWidget(this);
    m_list->setColumnCount(Columns);
    m_list->setHeaderLabels({tr("Model"), tr("Source"), tr("Revision"), tr("Size"), tr("Status")});
    m_list->setRootIsDecorated(false);
    m_list->setAlternatingRowColors(true);
    m_list->setUniformRowHeights(true);
    m_list->header()->setStretchLastSection(true);
    connect(m_list, &QTreeWidget::itemSelectionChanged, this, &ModelsDialog::updateButtons);
    connect(m_list, &QTreeWidget::itemDoubleClicked, this, [this] {
        const auto* e = selected();
        if (e && e->usable && !downloading()) openSelected();
        else if (e && !downloading()) startDownload();
    });

    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setTextVisible(true);
    m_progress->hide();
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_download = new QPushButton(tr("&Download"), this);
    m_cancel = new QPushButton(tr("&Cancel download"), this);
    m_open = new QPushButton(tr("&Open"), this);
    m_add = new QPushButton(tr("&Add folder…"), this);
    m_refresh = new QPushButton(tr("&Refresh"), this);
    auto* close = new QPushButton(tr("Close"), this);
    m_open->setDefault(true);
    m_download->setObjectName(QStringLiteral("download"));
    m_cancel->setObjectName(QStringLiteral("cancel"));
    m_open->setObjectName(QStringLiteral("open"));
    m_cancel->hide();
    connect(m_download, &QPushButton::clicked, this, &ModelsDialog::startDownload);
    connect(m_cancel, &QPushButton::clicked, this, &ModelsDialog::cancelDownload);
    connect(m_open, &QPushButton::clicked, this, &ModelsDialog::openSelected);
    connect(m_add, &QPushButton::clicked, this, &ModelsDialog::addFolder);
    connect(m_refresh, &QPushButton::clicked, this, &ModelsDialog::refresh);
    connect(close, &QPushButton::clicked, this, &ModelsDialog::reject);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_download);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_open);
    buttons->addStretch(1);
    buttons->addWidget(m_add);
    buttons->addWidget(m_refresh);
    buttons->addWidget(close);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_cacheLabel);
    layout->addWidget(m_list, 1);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addLayout(buttons);
    resize(920, 420);
    refresh();
}

void ModelsDialog::refresh() {
    const QString keep = selected() ? QString::fromStdString(selected()->repoId) : QString();
    const QString embedded = defaultModelFolder();
    m_entries = hub::modelsToOffer(embedded.isEmpty() ? hub::fs::path() : hub::pathFromUtf8(embedded.toStdString()));
    m_list->clear();
    for (const auto& e : m_entries) {
        auto* item = new QTreeWidgetItem(m_list);
        item->setText(Name, QString::fromStdString(e.repoId));
        item->setText(Source, sourceText(e.source));
        QString rev = QString::fromStdString(e.revision.substr(0, 10));
        if (!e.refs.empty()) rev += QStringLiteral(" (%1)").arg(QString::fromStdString(e.refs.front()));
        item->setText(Revision, rev);
        item->setText(Size, (e.source == hub::ModelEntry::Source::Official ? QStringLiteral("~") : QString()) +
                                QString::fromStdString(hub::formatBytes(e.bytes)));
        item->setTextAlignment(Size, Qt::AlignRight | Qt::AlignVCenter);
        item->setText(Status, QString::fromStdString(e.status()));
        item->setToolTip(Name, e.folder.empty() ? tr("Not downloaded yet: Download fetches it into the Hugging Face cache")
                                                : QDir::toNativeSeparators(QString::fromStdString(hub::pathString(e.folder))));
        if (!e.usable) item->setForeground(Status, palette().color(QPalette::Disabled, QPalette::Text));
    }
    for (int c = 0; c < Status; ++c) m_list->resizeColumnToContents(c);
    m_cacheLabel->setText(tr("Hugging Face cache: %1   (HF_HUB_CACHE or HF_HOME move it; Python's huggingface_hub shares it)")
                              .arg(QDir::toNativeSeparators(QString::fromStdString(hub::pathString(hub::cacheRoot())))));
    if (!keep.isEmpty()) selectRepo(keep);
    if (!selected() && m_list->topLevelItemCount()) m_list->setCurrentItem(m_list->topLevelItem(0));
    updateButtons();
}

bool ModelsDialog::selectRepo(const QString& repoId) {
    for (int i = 0; i < m_list->topLevelItemCount(); ++i)
        if (m_list->topLevelItem(i)->text(Name) == repoId) {
            m_list->setCurrentItem(m_list->topLevelItem(i));
            return true;
        }
    return false;
}

const hub::ModelEntry* ModelsDialog::selected() const {
    const auto* item = m_list->currentItem();
    const int row = item ? m_list->indexOfTopLevelItem(const_cast<QTreeWidgetItem*>(item)) : -1;
    return row >= 0 && row < int(m_entries.size()) ? &m_entries[size_t(row)] : nullptr;
}

int ModelsDialog::rowCount() const { return m_list->topLevelItemCount(); }
QString ModelsDialog::rowText(int row, int column) const { return m_list->topLevelItem(row)->text(column); }
QString ModelsDialog::statusText() const { return m_status->text(); }

void ModelsDialog::updateButtons() {
    const auto* e = selected();
    const bool busy = downloading();
    const bool hubRepo = e && (e->source == hub::ModelEntry::Source::Official ||
                               (e->source == hub::ModelEntry::Source::HubCache && !e->complete));
    m_download->setEnabled(!busy && hubRepo);
    m_download->setText(e && e->partialBytes ? tr("&Resume download") : tr("&Download"));
    m_open->setEnabled(!busy && e && e->usable);
    m_cancel->setVisible(busy);
    m_download->setVisible(!busy);
    m_refresh->setEnabled(!busy);
}

void ModelsDialog::startDownload() {
    const auto* e = selected();
    if (!e || downloading()) return;
    m_downloadRepo = QString::fromStdString(e->repoId);
    m_progress->setValue(0);
    m_progress->setFormat(tr("%1: starting…").arg(m_downloadRepo));
    m_progress->show();
    m_status->setText(tr("Downloading %1 into the Hugging Face cache…").arg(m_downloadRepo));
    m_downloader->start(m_downloadRepo);
    updateButtons();
}

void ModelsDialog::cancelDownload() {
    if (!downloading()) return;
    m_status->setText(tr("Cancelling…"));
    m_downloader->cancel();
}

void ModelsDialog::onProgress(const HubProgress& p) {
    Q_EMIT progressChanged(p);
    if (p.total > 0) m_progress->setValue(int(1000.0 * double(p.done) / double(p.total)));
    if (p.stage == QLatin1String("downloading") || p.stage == QLatin1String("verifying") || p.stage == QLatin1String("reconnecting")) {
        m_progress->setFormat(tr("%1 of %2  (%p%)").arg(bytes(p.done), bytes(p.total)));
        QString line = tr("%1 (%2 of %3):  %4 MB/s,  %5 left")
                           .arg(p.file)
                           .arg(p.fileIndex)
                           .arg(p.fileCount)
                           .arg(p.bytesPerSecond / 1e6, 0, 'f', 1)
                           .arg(duration(p.etaSeconds));
        if (p.stage != QLatin1String("downloading")) line += QStringLiteral("  — %1").arg(p.stage);
        m_status->setText(line);
    } else if (p.stage != QLatin1String("done")) {
        m_status->setText(tr("%1 %2…").arg(p.stage, m_downloadRepo));
    }
}

void ModelsDialog::onFinished(bool ok, bool cancelled, const QString& snapshot, const QString& message, qint64 received,
                              qint64 resumed, double seconds) {
    m_progress->setVisible(ok);
    if (ok) {
        m_progress->setValue(1000);
        m_progress->setFormat(tr("%1: done").arg(m_downloadRepo));
        QString text = received ? tr("%1 downloaded: %2 in %3 s (%4 MB/s)")
                                      .arg(m_downloadRepo, bytes(received))
                                      .arg(seconds, 0, 'f', 1)
                                      .arg(seconds > 0 ? double(received) / seconds / 1e6 : 0.0, 0, 'f', 1)
                                : tr("%1 was already in the cache").arg(m_downloadRepo);
        if (resumed) text += tr(", resumed after the %1 received before").arg(bytes(resumed));
        m_status->setText(text + tr(". Open loads it from %1").arg(QDir::toNativeSeparators(snapshot)));
    } else if (cancelled) {
        m_status->setText(tr("Download of %1 cancelled. What was received is kept: Download resumes it.").arg(m_downloadRepo));
    } else {
        m_status->setText(tr("Download of %1 failed: %2").arg(m_downloadRepo, message));
    }
    refresh();
    selectRepo(m_downloadRepo);
    updateButtons();
    Q_EMIT downloadFinished(ok, ok ? QString() : cancelled ? tr("cancelled") : message);
}

void ModelsDialog::openSelected() {
    const auto* e = selected();
    if (!e || !e->usable) return;
    Q_EMIT openRequested(QString::fromStdString(hub::pathString(e->folder)));
    accept();
}

void ModelsDialog::addFolder() {
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Add a model folder (or a folder of model folders)"));
    if (folder.isEmpty()) return;
    try {
        hub::addUserFolder(hub::pathFromUtf8(folder.toStdString()));
    } catch (const std::exception& e) {
        QMessageBox::warning(this, tr("Cannot add the folder"), QString::fromStdString(e.what()));
        return;
    }
    refresh();
}

bool ModelsDialog::confirmStopDownload() {
    if (!downloading()) return true;
    const auto answer = QMessageBox::question(this, tr("Download running"),
                                              tr("Cancel the download of %1? What was received is kept, and Download resumes it later.")
                                                  .arg(m_downloadRepo));
    if (answer != QMessageBox::Yes) return false;
    m_downloader->cancel();
    return true;
}

void ModelsDialog::closeEvent(QCloseEvent* event) {
    if (!confirmStopDownload()) return event->ignore();
    QDialog::closeEvent(event);
}

void ModelsDialog::reject() {
    if (confirmStopDownload()) QDialog::reject();
}

} // namespace qlipx
