#pragma once
// main() of the GL window tests: settings, data and caches go to throw-away folders (never the
// user's), and every QOpenGLWidget gets a 3.3 core context.
#include "canvasview.h"

#include <QApplication>
#include <QTemporaryDir>
#include <QtTest>

template <class Test>
int runGlTest(int argc, char** argv) {
    QTemporaryDir home;
    for (const char* v : {"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"})
        qputenv(v, (home.path() + QLatin1Char('/') + QLatin1String(v)).toLocal8Bit());
    qlipx::CanvasView::requestCoreProfileContexts();
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("qlip-explorer-tests"));
    Test test;
    return QTest::qExec(&test, argc, argv);
}
