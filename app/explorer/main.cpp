// qlip-explorer: the desktop window. Opens a model folder and an image, encodes the image into
// QLIP tokens on the engine thread and shows original, reconstruction and token grid.
#include "canvasview.h"
#include "mainwindow.h"
#include "startup.h"
#include "theme.h"

#include <QApplication>

#include <cstring>

namespace {

bool onlyPrints(int argc, char** argv) {
    for (int i = 1; i < argc; ++i)
        for (const char* flag : {"-h", "--help", "--help-all", "-v", "--version"})
            if (!std::strcmp(argv[i], flag)) return true;
    return false;
}

} // namespace

int main(int argc, char** argv) {
    if (onlyPrints(argc, argv)) { // help and version need no display
        QCoreApplication app(argc, argv);
        QCoreApplication::setApplicationVersion(QStringLiteral(QLIPX_VERSION));
        qlipx::parseCommandLine(QCoreApplication::arguments());
        return 0;
    }

    qlipx::CanvasView::requestCoreProfileContexts();

    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("qlip-explorer"));
    QApplication::setApplicationName(QStringLiteral("qlip-explorer"));
    QApplication::setApplicationDisplayName(QStringLiteral("QLIP Explorer"));
    QApplication::setApplicationVersion(QStringLiteral(QLIPX_VERSION));
    qlipx::applyDarkTheme(app);

    const qlipx::StartupOptions options = qlipx::parseCommandLine(QApplication::arguments());
    qlipx::MainWindow window(options);
    window.show();
    return QApplication::exec();
}
