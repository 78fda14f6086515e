#pragma once
// Help > About: what this build is (version, git commit, LibTorch, Qt, compiler), what the
// machine gives the engine (CPU kernels' instruction set, BLAS, threads, CUDA) and where the data
// comes from, with a button that copies it all for a bug report. `qlip-explorer --version`
// prints the same rows.
#include <QDialog>
#include <QIcon>
#include <QList>
#include <QPair>
#include <QString>

namespace qlipx {

// (label, value) rows: core's version rows (qlip/buildinfo.h), then Qt (run-time and built-with
// versions) and the data folder. `threads` as for qlip::versionRows(): -1 reports the process as it
// is (the engine set its threads), 0 first applies the engine's default (--version, no engine yet).
QList<QPair<QString, QString>> aboutRows(int threads = -1);
// "qlip-explorer 0.1.0 (commit …)" and then one "  label: value" line per row.
QString aboutReportText(int threads = -1);
// The application icon (PNG sizes compiled into the program).
QIcon applicationIcon();

class AboutDialog : public QDialog {
    Q_OBJECT
public:
    explicit AboutDialog(QWidget* parent = nullptr);
    // The rows on display (for tests).
    const QList<QPair<QString, QString>>& rows() const { return m_rows; }

private:
    QList<QPair<QString, QString>> m_rows;
};

} // namespace qlipx
