#pragma once
// What the explorer opens on: command-line options and the default model and image.
#include "qlip/engine.h"

#include <QSize>
#include <QString>
#include <QStringList>

#include <optional>

namespace qlipx {

struct StartupOptions {
    QString model;           // model folder (--model, else $QLIPX_MODEL); empty = last session's, else the default
    QString image;           // image file; empty = last session's, else the default sample
    QString screenshot;      // save a window screenshot here after the first encode, then quit
    qlip::EngineOptions engine;
    bool restoreSession = true; // read and write QSettings (window geometry, last model and image)
    QSize windowSize;        // fixed initial size (screenshots); empty = restored or default
    bool showReconstruction = false; // start on the reconstruction layer instead of the original
    // The view to start in (screenshots, reproducible figures); unset = the session's or default.
    QString compare;         // "split" or "flicker"
    QString coloring;        // "hash", "pca" or "bits"
    double heat = -1;        // error heat-map opacity 0..1
    int pickRow = -1, pickCol = -1; // token to pick once the first image is encoded
    bool hud = false;
    QString dock;            // bottom dock to raise: "planes" or "statistics"
    QString session;         // a session file to open instead of model + image
    bool restoreRecovery = false; // restore the autosaved edits of a session that did not close
    QString applyTokens;     // after the first encode, load these tokens as an edit (scripts, tests)
    QString dumpTokens;      // once the first image (or session) is on screen, save its tokens here and quit
    // Generation (reproducible screenshots and tests).
    QString prior;           // a prior folder to open once the model is loaded
    QString prompt;          // the Generate dock's prompt
    bool generate = false;   // generate once the model and the prior are ready (with --screenshot: shoot the result)
    std::optional<quint64> seed; // the Generate dock's seed (else a random one)
    int samples = 0;         // the Generate dock's number of samples (0: its default)
    int screenshotRow = 0;   // with --generate: shoot while streaming, once this many token rows are done (0: after the run)
};

// Parses qlip-explorer's command line. Prints help/version or an error and exits for
// --help, --version and bad options (exit codes 0 and 2).
StartupOptions parseCommandLine(const QStringList& arguments);

// True for a path that names a session file (*.qlipxsession): the positional argument may be one.
bool isSessionPath(const QString& path);

// Folders that may hold `models/`, `samples/` and `labels/`: the data folder of the install
// layout (qlip/installlayout.h: $QLIPX_DATA_DIR, else <executable>/../share/qlip-explorer; the
// build tree mirrors it). Empty when the executable's location is unknown.
QStringList dataFolders();
// <data>/models/qlip-emoji-64 when it exists; empty otherwise.
QString defaultModelFolder();
// The embedded prior, <data>/models/qlip-emoji-64-prior, or empty.
QString defaultPriorFolder();
// The prior that goes with a model folder: "<folder>-prior" next to it, else the embedded prior
// when the folder is the embedded model; empty when there is none.
QString companionPriorFolder(const QString& modelFolder);
// <data>/samples/astronaut.png, or empty.
QString defaultImage();

} // namespace qlipx
