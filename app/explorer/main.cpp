// qlip-explorer: the desktop window. Opens a model folder and an image, encodes the image into
// QLIP tokens on the engine thread and shows original, reconstruction and token grid.
#include "aboutdialog.h"
#include "canvasview.h"
#include "mainwindow.h"
#include "startup.h"
#include "theme.h"

#include "qlip/buildinfo.h"

#include <QApplication>
#include <QIcon>

#include <cstdio>
#include <cstring>

namespace {

bool hasArgument(int argc, char** argv, std::initializer_list<const char*> flags) {
    for (int i = 1; i < argc; ++i)
        for (const char* flag : flags)
            if (!std::strcmp(argv[i], flag)) return true;
    return false;
}

void setIdentity() {
    QCoreApplication::setOrganizationName(QStringLiteral("qlip-explorer"));
    QCoreApplication::setApplicationName(QStringLiteral("qlip-explorer"));
    QCoreApplication::setApplicationVersion(QString::fromStdString(qlip::buildInfo().version));
}

} // namespace

int main(int argc, char** argv) {
    // Version and help need no display. The version report is the About box's, as text.
    if (hasArgument(argc, argv, {"-v", "--version"})) {
        QCoreApplication app(argc, argv);
        setIdentity();
        std::printf("%s", qPrintable(qlipx::aboutReportText(0))); // 0: the engine's default threads
        return 0;
    }
    if (hasArgument(argc, argv, {"-h", "--help", "--help-all"})) {
        QCoreApplication app(argc, argv);
        setIdentity();
        qlipx::parseCommandLine(QCoreApplication::arguments());
        return 0;
    }

    qlipx::CanvasView::requestCoreProfileContexts();

    QApplication app(argc, argv);
    setIdentity();
    QApplication::setApplicationDisplayName(QStringLiteral("QLIP Explorer"));
    // Wayland and the desktop match the window to its .desktop file (and icon) by this name.
    QGuiApplication::setDesktopFileName(QStringLiteral(QLIPX_APP_ID));
    QApplication::setWindowIcon(qlipx::applicationIcon());
    qlipx::applyDarkTheme(app);

    const qlipx::StartupOptions options = qlipx::parseCommandLine(QApplication::arguments());
    qlipx::MainWindow window(options);
    window.show();
    return QApplication::exec();
}
