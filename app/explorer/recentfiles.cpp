#include "recentfiles.h"

#include <QAction>
#include <QDir>
#include <QFileInfo>
#include <QMenu>
#include <QSettings>

namespace qlipx {

RecentFiles::RecentFiles(QString key, int capacity, QObject* parent) : QObject(parent), m_key(std::move(key)), m_capacity(capacity) {}

void RecentFiles::add(const QString& path) {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    QStringList list = QSettings().value(m_key).toStringList();
    list.removeAll(absolute);
    list.prepend(absolute);
    while (list.size() > m_capacity) list.removeLast();
    QSettings().setValue(m_key, list);
}

void RecentFiles::clear() { QSettings().remove(m_key); }

QStringList RecentFiles::entries() const {
    QStringList out;
    for (const QString& p : QSettings().value(m_key).toStringList())
        if (QFileInfo::exists(p)) out << p;
    return out;
}

void RecentFiles::populate(QMenu* menu) {
    menu->clear();
    const QStringList list = entries();
    int n = 0;
    for (const QString& p : list) {
        ++n;
        const QString name = QFileInfo(p).fileName().isEmpty() ? p : QFileInfo(p).fileName();
        const QString text = n < 10 ? QStringLiteral("&%1  %2").arg(n).arg(name) : name;
        QAction* a = menu->addAction(text);
        a->setToolTip(QDir::toNativeSeparators(p));
        a->setStatusTip(QDir::toNativeSeparators(p));
        connect(a, &QAction::triggered, this, [this, p] { Q_EMIT chosen(p); });
    }
    if (list.isEmpty()) menu->addAction(tr("(none)"))->setEnabled(false);
    menu->addSeparator();
    QAction* clearAction = menu->addAction(tr("Clear List"));
    clearAction->setEnabled(!list.isEmpty());
    connect(clearAction, &QAction::triggered, this, &RecentFiles::clear);
}

} // namespace qlipx
