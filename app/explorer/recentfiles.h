#pragma once
// A most-recently-used list kept in QSettings (newest first, no duplicates, files that no longer
// exist dropped when the menu is shown), and the menu that offers it.
#include <QObject>
#include <QStringList>

class QMenu;

namespace qlipx {

class RecentFiles : public QObject {
    Q_OBJECT
public:
    // `key`: the QSettings key; `capacity`: how many entries are kept.
    RecentFiles(QString key, int capacity, QObject* parent = nullptr);

    void add(const QString& path);
    void clear();
    QStringList entries() const; // existing paths only, newest first
    // Fills `menu` with the entries (Alt+1..9 mnemonics) and a "Clear" item; call on aboutToShow.
    void populate(QMenu* menu);

Q_SIGNALS:
    void chosen(const QString& path);

private:
    QString m_key;
    int m_capacity;
};

} // namespace qlipx
