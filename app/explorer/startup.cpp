#include "startup.h"

#include "qlip/error.h"
#include "qlip/installlayout.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace qlipx {

namespace {

[[noreturn]] void failUsage(const QCommandLineParser& parser, const QString& message) {
    std::fprintf(stderr, "qlip-explorer: %s\n\n%s", qPrintable(message), qPrintable(parser.helpText()));
    std::exit(2);
}

QString firstExisting(const QStringList& candidates, const QString& inside = {}) {
    for (const auto& c : candidates)
        if (QFileInfo::exists(c + inside)) return QDir::cleanPath(c);
    return {};
}

} // namespace

bool isSessionPath(const QString& path) { return path.endsWith(QStringLiteral(".qlipxsession"), Qt::CaseInsensitive); }

StartupOptions parseCommandLine(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("QLIP Explorer: look at an image's QLIP tokens."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("file"),
                                 QStringLiteral("Image to open (default: the last one, else a sample), or a session (.qlipxsession)."),
                                 QStringLiteral("[image|session]"));
    const QCommandLineOption model({QStringLiteral("m"), QStringLiteral("model")},
                                   QStringLiteral("Hugging Face model folder (default: $QLIPX_MODEL, else the last one, else the built-in model)."),
                                   QStringLiteral("dir"));
    const QCommandLineOption device(QStringLiteral("device"), QStringLiteral("auto, cpu or cuda (default auto)."),
                                    QStringLiteral("name"), QStringLiteral("auto"));
    const QCommandLineOption precision(QStringLiteral("precision"), QStringLiteral("fp32, bf16, fp16 or fp64 (default fp32)."),
                                       QStringLiteral("dtype"), QStringLiteral("fp32"));
    const QCommandLineOption threads(QStringLiteral("threads"), QStringLiteral("CPU threads for the model (0 = all cores)."),
                                     QStringLiteral("n"), QStringLiteral("0"));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                       QStringLiteral("Save a PNG of the window after the first encode, then quit "
                                                      "(exit code 1 if the model or image failed)."),
                                       QStringLiteral("file"));
    const QCommandLineOption size(QStringLiteral("size"), QStringLiteral("Initial window size, e.g. 1280x800."),
                                  QStringLiteral("WxH"));
    const QCommandLineOption layer(QStringLiteral("layer"), QStringLiteral("Start on this layer: original or reconstruction."),
                                   QStringLiteral("name"));
    const QCommandLineOption fresh(QStringLiteral("fresh"), QStringLiteral("Ignore and keep the saved session (settings)."));
    const QCommandLineOption compare(QStringLiteral("compare"), QStringLiteral("Start comparing: split or flicker."), QStringLiteral("mode"));
    const QCommandLineOption coloring(QStringLiteral("colour-by"), QStringLiteral("Token colours: hash, pca or bits."), QStringLiteral("mode"));
    const QCommandLineOption heat(QStringLiteral("heat"), QStringLiteral("Error heat-map opacity, 0 to 1."), QStringLiteral("opacity"));
    const QCommandLineOption pick(QStringLiteral("pick"), QStringLiteral("Pick this token once the image is encoded."), QStringLiteral("row,col"));
    const QCommandLineOption hud(QStringLiteral("hud"), QStringLiteral("Show the HUD over the canvas."));
    const QCommandLineOption dock(QStringLiteral("dock"),
                                  QStringLiteral("Dock to bring to the front: planes, statistics, edit, query, search or generate."),
                                  QStringLiteral("name"));
    // Not "--session": QGuiApplication takes -session for X11 session management.
    const QCommandLineOption session(QStringLiteral("open-session"), QStringLiteral("Open a saved session (.qlipxsession)."), QStringLiteral("file"));
    const QCommandLineOption recover(QStringLiteral("restore-recovery"),
                                     QStringLiteral("Restore the autosaved edits of a run that did not close, without asking."));
    const QCommandLineOption applyTokens(QStringLiteral("apply-tokens"), QStringLiteral("After the first encode, load these tokens as an edit."),
                                         QStringLiteral("npy"));
    const QCommandLineOption dumpTokens(QStringLiteral("dump-tokens"),
                                        QStringLiteral("Save the tokens on screen once the image is shown, then quit."), QStringLiteral("npy"));
    const QCommandLineOption prior(QStringLiteral("prior"), QStringLiteral("Prior folder for generation (default: the one next to the model)."),
                                   QStringLiteral("dir"));
    const QCommandLineOption prompt(QStringLiteral("prompt"), QStringLiteral("Prompt for the Generate dock."), QStringLiteral("text"));
    const QCommandLineOption generate(QStringLiteral("generate"),
                                      QStringLiteral("Generate once the model and prior are ready (with --screenshot: shoot the result)."));
    const QCommandLineOption seed(QStringLiteral("seed"), QStringLiteral("Seed for the Generate dock (default: random)."), QStringLiteral("n"));
    const QCommandLineOption samples(QStringLiteral("samples"), QStringLiteral("Images per generation, 1 to 16."), QStringLiteral("n"));
    const QCommandLineOption screenshotRow(QStringLiteral("screenshot-row"),
                                           QStringLiteral("With --generate --screenshot: shoot while the tokens stream in, once N rows are done."),
                                           QStringLiteral("n"));
    parser.addOptions({model, device, precision, threads, layer, screenshot, size, fresh, compare, coloring, heat, pick, hud, dock, session,
                       recover, applyTokens, dumpTokens, prior, prompt, generate, seed, samples, screenshotRow});
    parser.process(arguments);

    StartupOptions o;
    o.model = parser.value(model);
    if (o.model.isEmpty()) o.model = qEnvironmentVariable("QLIPX_MODEL"); // as qlipx
    const QStringList positionals = parser.positionalArguments();
    if (positionals.size() > 1) failUsage(parser, QStringLiteral("give at most one image or session"));
    // A file manager or the desktop's "Open with" passes sessions and images alike.
    if (!positionals.isEmpty()) (isSessionPath(positionals.front()) ? o.session : o.image) = positionals.front();
    o.screenshot = parser.value(screenshot);
    o.restoreSession = !parser.isSet(fresh) && o.screenshot.isEmpty();
    try {
        o.engine.device = qlip::parseDevice(parser.value(device).toStdString());
        o.engine.precision = qlip::parsePrecision(parser.value(precision).toStdString());
    } catch (const qlip::Error& e) {
        failUsage(parser, QString::fromStdString(e.what()));
    }
    bool ok = false;
    o.engine.threads = parser.value(threads).toInt(&ok);
    if (!ok || o.engine.threads < 0) failUsage(parser, QStringLiteral("--threads wants a number >= 0"));
    if (parser.isSet(layer)) {
        const QString name = parser.value(layer);
        if (name != QLatin1String("original") && name != QLatin1String("reconstruction"))
            failUsage(parser, QStringLiteral("--layer wants original or reconstruction"));
        o.showReconstruction = name == QLatin1String("reconstruction");
    }
    auto oneOf = [&](const QCommandLineOption& opt, const QStringList& allowed) {
        const QString v = parser.value(opt);
        if (parser.isSet(opt) && !allowed.contains(v))
            failUsage(parser, QStringLiteral("--%1 wants one of: %2").arg(opt.names().front(), allowed.join(QStringLiteral(", "))));
        return v;
    };
    o.compare = oneOf(compare, {QStringLiteral("split"), QStringLiteral("flicker")});
    o.coloring = oneOf(coloring, {QStringLiteral("hash"), QStringLiteral("pca"), QStringLiteral("bits")});
    o.dock = oneOf(dock, {QStringLiteral("planes"), QStringLiteral("statistics"), QStringLiteral("edit"),
                            QStringLiteral("query"), QStringLiteral("search"), QStringLiteral("generate")});
    o.hud = parser.isSet(hud);
    if (parser.isSet(session)) {
        if (!o.session.isEmpty()) failUsage(parser, QStringLiteral("give one session, as --open-session or as the file"));
        o.session = parser.value(session);
    }
    o.restoreRecovery = parser.isSet(recover);
    o.applyTokens = parser.value(applyTokens);
    o.dumpTokens = parser.value(dumpTokens);
    if (!o.dumpTokens.isEmpty()) o.restoreSession = false;
    o.prior = parser.value(prior);
    o.prompt = parser.value(prompt);
    o.generate = parser.isSet(generate);
    if (parser.isSet(seed)) {
        const quint64 n = parser.value(seed).toULongLong(&ok);
        if (!ok) failUsage(parser, QStringLiteral("--seed wants a whole number >= 0"));
        o.seed = n;
    }
    if (parser.isSet(samples)) {
        o.samples = parser.value(samples).toInt(&ok);
        if (!ok || o.samples < 1 || o.samples > 16) failUsage(parser, QStringLiteral("--samples wants a number from 1 to 16"));
    }
    if (parser.isSet(screenshotRow)) {
        o.screenshotRow = parser.value(screenshotRow).toInt(&ok);
        if (!ok || o.screenshotRow < 1) failUsage(parser, QStringLiteral("--screenshot-row wants a number >= 1"));
    }
    if (parser.isSet(heat)) {
        o.heat = parser.value(heat).toDouble(&ok);
        if (!ok || o.heat < 0 || o.heat > 1) failUsage(parser, QStringLiteral("--heat wants a number from 0 to 1"));
    }
    if (parser.isSet(pick)) {
        const QStringList rc = parser.value(pick).split(QLatin1Char(','));
        bool okRow = false, okCol = false;
        if (rc.size() == 2) {
            o.pickRow = rc[0].trimmed().toInt(&okRow);
            o.pickCol = rc[1].trimmed().toInt(&okCol);
        }
        if (!okRow || !okCol || o.pickRow < 0 || o.pickCol < 0) failUsage(parser, QStringLiteral("--pick wants ROW,COL"));
    }
    if (parser.isSet(size)) {
        const QStringList wh = parser.value(size).split(QLatin1Char('x'));
        const int w = wh.size() == 2 ? wh[0].toInt() : 0, h = wh.size() == 2 ? wh[1].toInt() : 0;
        if (w < 200 || h < 150) failUsage(parser, QStringLiteral("--size wants WxH, at least 200x150"));
        o.windowSize = QSize(w, h);
    }
    return o;
}

QStringList dataFolders() {
    const std::filesystem::path folder = qlip::dataFolder();
    if (folder.empty()) return {};
    return {QDir::cleanPath(QString::fromStdU16String(folder.generic_u16string()))};
}

QString defaultModelFolder() {
    QStringList candidates;
    for (const auto& d : dataFolders()) candidates << d + QStringLiteral("/models/qlip-emoji-64");
    return firstExisting(candidates, QStringLiteral("/config.json"));
}

QString defaultPriorFolder() {
    QStringList candidates;
    for (const auto& d : dataFolders()) candidates << d + QStringLiteral("/models/qlip-emoji-64-prior");
    return firstExisting(candidates, QStringLiteral("/config.json"));
}

QString companionPriorFolder(const QString& modelFolder) {
    if (modelFolder.isEmpty()) return {};
    const QString model = QFileInfo(modelFolder).canonicalFilePath();
    const QString sibling = QDir::cleanPath(model + QStringLiteral("-prior"));
    if (!model.isEmpty() && QFileInfo::exists(sibling + QStringLiteral("/config.json"))) return sibling;
    const QString embedded = QFileInfo(defaultModelFolder()).canonicalFilePath();
    return !model.isEmpty() && model == embedded ? defaultPriorFolder() : QString();
}

// An emoji first: the default model is trained on 64-px emoji art, and a photo squeezed through it
// makes a poor first impression.
QString defaultImage() {
    QStringList candidates;
    for (const auto& d : dataFolders())
        candidates << d + QStringLiteral("/samples/red-apple.png") << d + QStringLiteral("/samples/astronaut.png");
    return firstExisting(candidates);
}

} // namespace qlipx
