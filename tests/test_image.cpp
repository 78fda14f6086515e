// Image decoding/encoding and CLIP pre-processing against Pillow's output (fixtures made by
// tests/tools/gen_preprocess_fixtures.py), plus the error paths of the decoder.
#include "qlip/error.h"
#include "qlip/image.h"
#include "qlip/json.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QtEndian>
#include <QtTest>

#include <atomic>
#include <cmath>
#include <cstring>
#include <random>
#include <thread>

using namespace qlip;

namespace {

const QString kDataDir = QStringLiteral(QLIPX_TEST_DATA "/preprocess/");

QByteArray readAll(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) qFatal("cannot open fixture %s", qPrintable(path));
    return f.readAll();
}

void writeAll(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size()) qFatal("cannot write %s", qPrintable(path));
}

ImageRGB8 fixture(const QString& file, AlphaMode alpha = AlphaMode::Drop) {
    return loadImage((kDataDir + file).toStdString(), alpha);
}

const Json& manifest() {
    static const Json doc = Json::parse(readAll(kDataDir + "cases.json").toStdString(), "cases.json");
    return doc;
}

// ---- a minimal PNG writer for crafted inputs (stored deflate blocks, filter 0) ----

uint32_t crc32(const QByteArray& bytes) {
    uint32_t crc = 0xFFFFFFFFu;
    for (char ch : bytes) {
        crc ^= uint8_t(ch);
        for (int k = 0; k < 8; ++k) crc = (crc & 1) ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
    }
    return ~crc;
}

QByteArray be32(uint32_t v) {
    QByteArray b(4, '\0');
    for (int i = 0; i < 4; ++i) b[i] = char(v >> (24 - 8 * i));
    return b;
}

QByteArray chunk(const char* type, const QByteArray& data) {
    const QByteArray body = QByteArray(type, 4) + data;
    return be32(uint32_t(data.size())) + body + be32(crc32(body));
}

QByteArray ihdr(uint32_t w, uint32_t h, int depth, int colourType, int interlace = 0) {
    QByteArray d = be32(w) + be32(h);
    d.append(char(depth)).append(char(colourType)).append('\0').append('\0').append(char(interlace));
    return chunk("IHDR", d);
}

const QByteArray kPngSignature("\x89PNG\r\n\x1a\n", 8);

// `raw`: the scanlines as the zlib stream holds them, each with its filter byte.
QByteArray makePngRaw(int w, int h, int depth, int colourType, int interlace, const QByteArray& raw) {
    QByteArray z("\x78\x01", 2); // zlib header, then one stored block (raw < 65536 bytes here)
    z.append('\x01');
    const uint16_t len = uint16_t(raw.size()), nlen = uint16_t(~len);
    z.append(char(len & 0xFF)).append(char(len >> 8)).append(char(nlen & 0xFF)).append(char(nlen >> 8));
    z.append(raw);
    uint32_t a = 1, b = 0; // Adler-32
    for (char ch : raw) {
        a = (a + uint8_t(ch)) % 65521;
        b = (b + a) % 65521;
    }
    z.append(be32((b << 16) | a));
    return kPngSignature + ihdr(uint32_t(w), uint32_t(h), depth, colourType, interlace) + chunk("IDAT", z) +
           chunk("IEND", {});
}

// `rows`: one unfiltered scanline after another (without the filter byte).
QByteArray makePng(int w, int h, int depth, int colourType, const QByteArray& rows) {
    QByteArray raw;
    const int stride = int(rows.size() / h);
    for (int y = 0; y < h; ++y) raw.append('\0').append(rows.mid(y * stride, stride));
    return makePngRaw(w, h, depth, colourType, 0, raw);
}

ImageRGB8 decodeBytes(const QByteArray& bytes, const char* name, AlphaMode alpha = AlphaMode::Drop) {
    return decodeImage(reinterpret_cast<const uint8_t*>(bytes.constData()), size_t(bytes.size()), name, alpha);
}

// Whether this build reads files with that extension (WebP and TIFF are optional).
bool imagedecodeHas(const char* ext) {
    const auto& all = imageFileExtensions();
    return std::find(all.begin(), all.end(), std::string(ext)) != all.end();
}

struct Diff {
    int max = 0;
    qsizetype differing = 0;
};

Diff compare(const ImageRGB8& a, const ImageRGB8& b) {
    Diff d;
    for (size_t i = 0; i < a.rgb.size(); ++i) {
        const int e = std::abs(int(a.rgb[i]) - int(b.rgb[i]));
        d.max = std::max(d.max, e);
        d.differing += e != 0;
    }
    return d;
}

// Runs `f`, which must throw qlip::Error whose message contains every string of `parts`.
template <class F>
QString expectError(F&& f, const QStringList& parts) {
    try {
        f();
    } catch (const Error& e) {
        const QString msg = QString::fromStdString(e.what());
        for (const QString& p : parts)
            if (!msg.contains(p, Qt::CaseInsensitive)) {
                qWarning("message \"%s\" lacks \"%s\"", qPrintable(msg), qPrintable(p));
                return {};
            }
        return msg;
    }
    qWarning("no qlip::Error thrown");
    return {};
}

// ---- crafted inputs of the other formats (issue #15) ----

const QString kImagesDir = QStringLiteral(QLIPX_TEST_DATA "/images/");

ImageRGB8 imageFixture(const QString& file, AlphaMode alpha = AlphaMode::Drop) {
    return loadImage((kImagesDir + file).toStdString(), alpha);
}

QByteArray le16(uint16_t v) { return QByteArray(1, char(v & 0xFF)) + QByteArray(1, char(v >> 8)); }
QByteArray le32(uint32_t v) { return le16(uint16_t(v & 0xFFFF)) + le16(uint16_t(v >> 16)); }

// A baseline little-endian TIFF: one uncompressed strip of 8-bit RGB, right after the header.
QByteArray makeTiff(uint32_t w, uint32_t h, const QByteArray& rgb) {
    QByteArray out("II*\0", 4);
    const uint32_t bitsOffset = 8 + uint32_t(rgb.size());
    const uint32_t ifdOffset = (bitsOffset + 6 + 1) & ~1u;
    out += le32(ifdOffset) + rgb + le16(8) + le16(8) + le16(8);
    if (out.size() % 2) out.append('\0');
    auto entry = [](uint16_t tag, uint16_t type, uint32_t count, uint32_t value) {
        return le16(tag) + le16(type) + le32(count) + (type == 3 && count == 1 ? le16(uint16_t(value)) + le16(0) : le32(value));
    };
    const uint16_t SHORT = 3, LONG = 4;
    out += le16(9);
    out += entry(256, LONG, 1, w) + entry(257, LONG, 1, h) + entry(258, SHORT, 3, bitsOffset) + entry(259, SHORT, 1, 1) +
           entry(262, SHORT, 1, 2) + entry(273, LONG, 1, 8) + entry(277, SHORT, 1, 3) + entry(278, LONG, 1, h) +
           entry(279, LONG, 1, uint32_t(rgb.size()));
    out += le32(0);
    return out;
}

// A header, then the raw samples (16-bit ones big-endian, as Netpbm stores them).
QByteArray makePnm(const char* header, const std::vector<unsigned>& samples, bool wide) {
    QByteArray out(header);
    for (unsigned v : samples) {
        if (wide) out.append(char(v >> 8));
        out.append(char(v & 0xFF));
    }
    return out;
}

// Every sample of `image` against `expected` (RGB triples).
bool hasPixels(const ImageRGB8& image, int w, int h, const std::vector<int>& expected) {
    if (image.width != w || image.height != h || image.rgb.size() != expected.size()) return false;
    for (size_t i = 0; i < expected.size(); ++i)
        if (image.rgb[i] != expected[i]) {
            qWarning("sample %zu: %d, expected %d", i, image.rgb[i], expected[i]);
            return false;
        }
    return true;
}

QByteArray fileBytes(const QString& file) { return readAll(kImagesDir + file); }

PreprocessConfig clipConfig(int shortest, int cropH, int cropW, int resample) {
    PreprocessConfig c;
    c.shortestEdge = shortest;
    c.cropHeight = cropH;
    c.cropWidth = cropW;
    c.resample = resample;
    return c;
}

} // namespace

class TestImage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void resizeAndPreprocessMatchPil_data();
    void resizeAndPreprocessMatchPil();
    void decodeFixtures_data();
    void decodeFixtures();
    void alphaModes();
    void craftedFormats();
    void badInputs();
    void hugeHeaderIsRefusedFast();
    void pnmDecodes();
    void pngVariants();
    void otherFormatsDecode_data();
    void otherFormatsDecode();
    void hostileInputs_data();
    void hostileInputs();
    void truncatedFilesAreErrors_data();
    void truncatedFilesAreErrors();
    void byteBudget();
    void fileExtensions();
    void concurrentDecoding();
    void savePngRoundTrip();
    void savePngErrors();
    void shortestEdgeRule();
    void centerCropRule();
    void resizeEdgeCases();
    void denormalizeInvertsPreprocess();
    void configFromJson();
    void configFromJsonErrors();
    void timing();
};

void TestImage::initTestCase() {
    // A build with neither libpng nor stb cannot decode PNG; it must say so clearly.
    try {
        decodeBytes(makePng(1, 1, 8, 0, QByteArray(1, '\0')), "probe.png");
    } catch (const Error& e) {
        QVERIFY(QString::fromUtf8(e.what()).contains("not supported in this build"));
        QSKIP("built without libpng and stb");
    }
}

void TestImage::resizeAndPreprocessMatchPil_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("shortest");
    QTest::addColumn<int>("cropH");
    QTest::addColumn<int>("cropW");
    QTest::addColumn<int>("resample");
    QTest::addColumn<int>("resizedW");
    QTest::addColumn<int>("resizedH");
    for (const Json& c : manifest().find("preprocess")->asArray()) {
        const std::string name = c.find("name")->asString();
        QTest::newRow(name.c_str()) << QString::fromStdString(name) << int(c.find("shortest_edge")->asInt())
                                    << int(c.find("crop_height")->asInt()) << int(c.find("crop_width")->asInt())
                                    << int(c.find("resample")->asInt()) << int(c.find("resized_width")->asInt())
                                    << int(c.find("resized_height")->asInt());
    }
}

void TestImage::resizeAndPreprocessMatchPil() {
    QFETCH(QString, name);
    QFETCH(int, shortest);
    QFETCH(int, cropH);
    QFETCH(int, cropW);
    QFETCH(int, resample);
    QFETCH(int, resizedW);
    QFETCH(int, resizedH);

    const ImageRGB8 input = fixture(name + ".png");
    const auto [w, h] = shortestEdgeSize(input.width, input.height, shortest);
    QCOMPARE(w, resizedW);
    QCOMPARE(h, resizedH);

    const ImageRGB8 ours = resizePil(input, w, h, resample);
    const ImageRGB8 pil = fixture(name + "_resized.png");
    QCOMPARE(ours.width, pil.width);
    QCOMPARE(ours.height, pil.height);
    const Diff d = compare(ours, pil);
    qInfo("%s: %dx%d -> %dx%d, resize vs PIL: max diff %d, %lld of %zu values differ", qPrintable(name),
          input.width, input.height, w, h, d.max, qlonglong(d.differing), ours.rgb.size());
    QVERIFY(d.max <= 1);

    const PixelTensor t = preprocess(input, clipConfig(shortest, cropH, cropW, resample));
    QCOMPARE(t.height, cropH);
    QCOMPARE(t.width, cropW);
    const QByteArray ref = readAll(kDataDir + name + "_tensor.f32");
    QCOMPARE(size_t(ref.size()), t.chw.size() * sizeof(float));
    std::vector<float> expected(t.chw.size());
    std::memcpy(expected.data(), ref.constData(), size_t(ref.size()));
    float maxErr = 0;
    qsizetype inexact = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
        maxErr = std::max(maxErr, std::fabs(expected[i] - t.chw[i]));
        inexact += expected[i] != t.chw[i];
    }
    qInfo("%s: tensor [3,%d,%d] vs PIL+numpy: max abs diff %.3g, %lld values not bit-identical", qPrintable(name),
          cropH, cropW, double(maxErr), qlonglong(inexact));
    // One uint8 level after normalisation (the smallest std gives the largest step).
    QVERIFY(maxErr <= 1.0f / 255.0f / 0.26130258f + 1e-5f);
}

void TestImage::decodeFixtures_data() {
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<int>("tolerance");
    for (const Json& c : manifest().find("decode")->asArray()) {
        const Json* tol = c.find("tolerance");
        const std::string input = c.find("input")->asString();
        QTest::newRow(input.c_str()) << QString::fromStdString(input)
                                     << QString::fromStdString(c.find("expected")->asString())
                                     << (tol ? int(tol->asInt()) : 0);
    }
}

// 16-bit RGB and grey PNGs (high byte), the first frame of an animated GIF, and a JPEG (stb's
// IDCT and chroma upsampling differ slightly from libjpeg-turbo's).
void TestImage::decodeFixtures() {
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QFETCH(int, tolerance);
    const ImageRGB8 ours = fixture(input);
    const ImageRGB8 ref = fixture(expected);
    QCOMPARE(ours.width, ref.width);
    QCOMPARE(ours.height, ref.height);
    const Diff d = compare(ours, ref);
    qInfo("%s: max diff %d, %lld values differ", qPrintable(input), d.max, qlonglong(d.differing));
    QVERIFY(d.max <= tolerance);
}

void TestImage::alphaModes() {
    // Photo with a radial alpha: Drop keeps the colours (checked against PIL by the
    // coffee_rgba case above); CompositeOnWhite must match numpy's rounded blend exactly.
    const ImageRGB8 white = fixture("coffee_rgba_203x152.png", AlphaMode::CompositeOnWhite);
    const Diff d = compare(white, fixture("decode_rgba_white.png"));
    QCOMPARE(d.max, 0);
    QVERIFY(compare(white, fixture("coffee_rgba_203x152.png")).max > 100); // corners are transparent

    // Crafted RGBA pixels: opaque, transparent, half.
    const QByteArray rgba("\x10\x20\x30\xff" "\x10\x20\x30\x00" "\x00\x80\xff\x80", 12);
    const QByteArray png = makePng(3, 1, 8, 6, rgba);
    const ImageRGB8 drop = decodeBytes(png, "rgba.png");
    QCOMPARE(drop.rgb, (std::vector<uint8_t>{0x10, 0x20, 0x30, 0x10, 0x20, 0x30, 0x00, 0x80, 0xff}));
    const ImageRGB8 comp = decodeBytes(png, "rgba.png", AlphaMode::CompositeOnWhite);
    // round((c * 128 + 255 * 127) / 255): 0 -> 127, 128 -> 191, 255 -> 255
    QCOMPARE(comp.rgb, (std::vector<uint8_t>{0x10, 0x20, 0x30, 255, 255, 255, 127, 191, 255}));

    // Grey + alpha.
    const QByteArray ga("\x40\xff" "\x40\x00", 4);
    QCOMPARE(decodeBytes(makePng(2, 1, 8, 4, ga), "ga.png").rgb, (std::vector<uint8_t>{64, 64, 64, 64, 64, 64}));
    QCOMPARE(decodeBytes(makePng(2, 1, 8, 4, ga), "ga.png", AlphaMode::CompositeOnWhite).rgb,
             (std::vector<uint8_t>{64, 64, 64, 255, 255, 255}));
}

void TestImage::craftedFormats() {
    // 8-bit grey is expanded to RGB.
    const ImageRGB8 grey = decodeBytes(makePng(3, 2, 8, 0, QByteArray("\x00\x7f\xff\x01\x02\x03", 6)), "grey.png");
    QCOMPARE(grey.width, 3);
    QCOMPARE(grey.height, 2);
    QCOMPARE(grey.rgb, (std::vector<uint8_t>{0, 0, 0, 127, 127, 127, 255, 255, 255, 1, 1, 1, 2, 2, 2, 3, 3, 3}));
    // 16-bit grey: the high byte.
    const ImageRGB8 g16 = decodeBytes(makePng(2, 1, 16, 0, QByteArray("\xab\xcd\x01\xff", 4)), "grey16.png");
    QCOMPARE(g16.rgb, (std::vector<uint8_t>{0xab, 0xab, 0xab, 0x01, 0x01, 0x01}));
    // The committed grayscale photo decodes with R == G == B.
    const ImageRGB8 camera = fixture("camera_grey_300x200.png");
    QCOMPARE(camera.width, 300);
    for (size_t i = 0; i < camera.rgb.size(); i += 3) {
        QCOMPARE(camera.rgb[i], camera.rgb[i + 1]);
        QCOMPARE(camera.rgb[i], camera.rgb[i + 2]);
    }
}

void TestImage::badInputs() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray png = readAll(kDataDir + "rocket_200x301.png");
    const QByteArray jpeg = readAll(kDataDir + "decode_rocket.jpg");

    QByteArray corruptJpeg = jpeg;
    // Break the start-of-frame: claim 0 colour components.
    const qsizetype sof = corruptJpeg.indexOf(QByteArray("\xff\xc0", 2));
    QVERIFY(sof > 0);
    corruptJpeg[sof + 9] = '\0';
    std::mt19937 rng(42);
    QByteArray random(4096, '\0');
    for (auto& ch : random) ch = char(rng() & 0xFF);

    const struct {
        const char* file;
        QByteArray bytes;
        const char* problem;
    } cases[] = {
        {"empty.png", QByteArray(), "empty"},
        {"truncated.png", png.left(png.size() / 2), "corrupt or truncated"},
        {"header-only.png", png.left(40), "truncated"},
        {"corrupt.jpg", corruptJpeg, "damaged or unsupported JPEG"},
        {"truncated.jpg", jpeg.left(300), "corrupt or truncated"},
        {"random.bin", random, "not a readable image"},
        {"text.txt", QByteArray("hello, this is not an image\n"), "not a readable image"},
    };
    for (const auto& c : cases) {
        const QString path = dir.filePath(c.file);
        writeAll(path, c.bytes);
        const QString msg = expectError([&] { loadImage(path.toStdString()); }, {path, c.problem});
        QVERIFY2(!msg.isEmpty(), c.file);
        qInfo("%s -> %s", c.file, qPrintable(msg));
    }
    const QString missing = dir.filePath("missing.png");
    QVERIFY(!expectError([&] { loadImage(missing.toStdString()); }, {missing, "No such file"}).isEmpty());
    QVERIFY(!expectError([&] { loadImage(dir.path().toStdString()); }, {dir.path(), "directory"}).isEmpty());
    // In-memory decoding names the given input.
    QVERIFY(!expectError([&] { decodeBytes(random, "clipboard"); }, {"clipboard"}).isEmpty());
}

void TestImage::hugeHeaderIsRefusedFast() {
    // A valid header announcing 30000x30000 RGB, and nothing else.
    const QByteArray png = kPngSignature + ihdr(30000, 30000, 8, 2) + chunk("IEND", {});
    QElapsedTimer timer;
    timer.start();
    const QString msg = expectError([&] { decodeBytes(png, "huge.png"); }, {"huge.png", "30000x30000", "limit"});
    QVERIFY(!msg.isEmpty());
    QVERIFY2(timer.elapsed() < 200, "the size check must come before decoding");
    qInfo("%s", qPrintable(msg));
    // JPEG (start-of-frame after an APP0 segment) and GIF headers are sized before decoding too.
    const QByteArray jpeg = QByteArray("\xff\xd8\xff\xe0\x00\x04\x00\x00\xff\xc0\x00\x11\x08", 13) +
                            QByteArray("\x9c\x40\x75\x30\x03", 5) + QByteArray(12, '\x11');
    QVERIFY(!expectError([&] { decodeBytes(jpeg, "huge.jpg"); }, {"huge.jpg", "30000x40000", "limit"}).isEmpty());
    const QByteArray gif = QByteArray("GIF89a\x60\xea\x10\x00\x00\x00\x00", 13);
    QVERIFY(!expectError([&] { decodeBytes(gif, "wide.gif"); }, {"wide.gif", "60000x16", "limit"}).isEmpty());
    QVERIFY2(timer.elapsed() < 200, "the size check must come before decoding");
    // The limits are configurable.
    ImageLimits small;
    small.maxSide = 2;
    const QByteArray tiny = makePng(3, 1, 8, 0, QByteArray("\1\2\3", 3));
    QVERIFY(!expectError([&] { decodeImage(reinterpret_cast<const uint8_t*>(tiny.constData()), size_t(tiny.size()),
                                           "tiny.png", AlphaMode::Drop, small); },
                         {"tiny.png", "3x1"}).isEmpty());
}

void TestImage::pnmDecodes() {
    // 2x1 pixels of every kind; P1/P4 1 = black. Comments may sit between any header tokens.
    QVERIFY(hasPixels(decodeBytes("P1\n# bitmap\n3 1\n1 0\n1", "a.pbm"), 3, 1, {0, 0, 0, 255, 255, 255, 0, 0, 0}));
    QVERIFY(hasPixels(decodeBytes("P1 3 1 101", "packed.pbm"), 3, 1, {0, 0, 0, 255, 255, 255, 0, 0, 0}));
    QVERIFY(hasPixels(decodeBytes("P2 2 1 255 0 200", "a.pgm"), 2, 1, {0, 0, 0, 200, 200, 200}));
    QVERIFY(hasPixels(decodeBytes("P2 2 1 15 15 7", "a.pgm"), 2, 1, {255, 255, 255, 119, 119, 119})); // 7*255/15
    QVERIFY(hasPixels(decodeBytes("P3\n2 1\n# c\n255\n1 2 3\n4 5 6\n", "a.ppm"), 2, 1, {1, 2, 3, 4, 5, 6}));
    std::vector<int> bitmap;
    for (char bit : std::string("1100000001" "0000000110")) bitmap.insert(bitmap.end(), 3, bit == '1' ? 0 : 255);
    QVERIFY(hasPixels(decodeBytes(QByteArray("P4\n10 2\n\xc0\x40\x01\x80", 12), "a.pbm"), 10, 2, bitmap));
    QVERIFY(hasPixels(decodeBytes(makePnm("P5 3 1 255\n", {0, 128, 255}, false), "a.pgm"), 3, 1,
                      {0, 0, 0, 128, 128, 128, 255, 255, 255}));
    QVERIFY(hasPixels(decodeBytes(makePnm("P6 1 2 255\n", {9, 8, 7, 6, 5, 4}, false), "a.ppm"), 1, 2, {9, 8, 7, 6, 5, 4}));
    // 16-bit: scaled by maxval with rounding, e.g. 0x8000 * 255 / 65535 = 127.5 -> 128.
    const std::vector<unsigned> wide = {0, 0x8000, 0xFFFF, 0x0101, 0x7F7F, 0x1234};
    std::vector<int> expected;
    for (unsigned v : wide) expected.push_back(int((uint64_t(v) * 255 + 32767) / 65535));
    QVERIFY(hasPixels(decodeBytes(makePnm("P6 2 1 65535\n", wide, true), "a16.ppm"), 2, 1, expected));
    QVERIFY(hasPixels(decodeBytes(makePnm("P5 2 1 1000\n", {1000, 500}, true), "a16.pgm"), 2, 1,
                      {255, 255, 255, 128, 128, 128}));
    // Raw samples above maxval are clamped; plain ones are an error (see hostileInputs).
    QVERIFY(hasPixels(decodeBytes(makePnm("P5 1 1 100\n", {200}, false), "over.pgm"), 1, 1, {255, 255, 255}));
    // Data after the image (a second image of a multi-image file) is ignored.
    QVERIFY(hasPixels(decodeBytes(makePnm("P5 1 1 255\n", {7, 1, 2, 3}, false), "more.pgm"), 1, 1, {7, 7, 7}));
}

void TestImage::pngVariants() {
    // 16-bit RGB: the high byte of every sample.
    const QByteArray rgb16("\x12\x34\x56\x78\x9a\xbc" "\xff\xff\x00\x01\x80\x00", 12);
    QVERIFY(hasPixels(decodeBytes(makePng(2, 1, 16, 2, rgb16), "rgb16.png"), 2, 1, {0x12, 0x56, 0x9a, 0xff, 0x00, 0x80}));
    // 1-bit grey: 0 -> 0, 1 -> 255.
    QVERIFY(hasPixels(decodeBytes(makePng(3, 1, 1, 0, QByteArray(1, '\xa0')), "bits.png"), 3, 1,
                      {255, 255, 255, 0, 0, 0, 255, 255, 255}));
    // Palette with a transparent entry (tRNS): dropped, or composited on white.
    QByteArray png = makePng(3, 1, 8, 3, QByteArray("\x00\x01\x02", 3));
    const QByteArray plte = chunk("PLTE", QByteArray("\xff\x00\x00" "\x00\xff\x00" "\x00\x00\xff", 9));
    const QByteArray trns = chunk("tRNS", QByteArray("\xff\x00", 2));
    png.insert(8 + 25, plte + trns);
    QVERIFY(hasPixels(decodeBytes(png, "palette.png"), 3, 1, {255, 0, 0, 0, 255, 0, 0, 0, 255}));
    QVERIFY(hasPixels(decodeBytes(png, "palette.png", AlphaMode::CompositeOnWhite), 3, 1,
                      {255, 0, 0, 255, 255, 255, 0, 0, 255}));
    // 16-bit grey + alpha.
    const QByteArray ga16("\x40\x00\xff\xff" "\x40\x00\x00\x00", 8);
    QVERIFY(hasPixels(decodeBytes(makePng(2, 1, 16, 4, ga16), "ga16.png", AlphaMode::CompositeOnWhite), 2, 1,
                      {64, 64, 64, 255, 255, 255}));
    // Adam7 interlacing, 2x2 grey: pass 1 holds (0,0), pass 6 (1,0), pass 7 the second row.
    const QByteArray adam7("\0\x0a" "\0\x14" "\0\x1e\x28", 7);
    QVERIFY(hasPixels(decodeBytes(makePngRaw(2, 2, 8, 0, 1, adam7), "adam7.png"), 2, 2,
                      {10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40}));
    // A palette index past the palette's end is an error, not a read past it.
    QByteArray badIndex = makePng(1, 1, 8, 3, QByteArray(1, '\x09'));
    badIndex.insert(8 + 25, plte);
    try {
        const ImageRGB8 img = decodeBytes(badIndex, "index.png");
        QCOMPARE(img.width, 1); // libpng maps it to black: fine as long as nothing is read out of bounds
    } catch (const Error& e) {
        QVERIFY(QString::fromUtf8(e.what()).startsWith("index.png: "));
    }
}

void TestImage::otherFormatsDecode_data() {
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected"); // under preprocess/ or images/
    QTest::addColumn<int>("alpha");
    QTest::addColumn<int>("tolerance");
    const int drop = int(AlphaMode::Drop), white = int(AlphaMode::CompositeOnWhite);
    QTest::newRow("WebP lossless") << "coffee_lossless.webp" << "../preprocess/coffee_97x61.png" << drop << 0;
    QTest::newRow("WebP lossless RGBA, drop") << "rgba_lossless.webp" << "rgba_source.png" << drop << 0;
    QTest::newRow("WebP lossless RGBA, white") << "rgba_lossless.webp" << "rgba_source.png" << white << 0;
    QTest::newRow("WebP lossy") << "coffee_lossy.webp" << "coffee_lossy_expected.png" << drop << 2;
    QTest::newRow("TIFF RGB raw") << "coffee_raw.tif" << "../preprocess/coffee_97x61.png" << drop << 0;
    QTest::newRow("TIFF RGB LZW") << "coffee_lzw.tif" << "../preprocess/coffee_97x61.png" << drop << 0;
    // libtiff premultiplies alpha: one level of rounding after compositing.
    QTest::newRow("TIFF RGBA deflate, white") << "rgba_deflate.tif" << "rgba_source.png" << white << 1;
    QTest::newRow("progressive JPEG") << "rocket_progressive.jpg" << "rocket_progressive_expected.png" << drop << 0;
}

void TestImage::otherFormatsDecode() {
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QFETCH(int, alpha);
    QFETCH(int, tolerance);
    if ((input.endsWith(".webp") && !imagedecodeHas(".webp")) || (input.endsWith(".tif") && !imagedecodeHas(".tif")))
        QSKIP("this build has no libwebp/libtiff");
    const ImageRGB8 ours = imageFixture(input, AlphaMode(alpha));
    const ImageRGB8 ref = imageFixture(expected, AlphaMode(alpha));
    QCOMPARE(ours.width, ref.width);
    QCOMPARE(ours.height, ref.height);
    const Diff d = compare(ours, ref);
    qInfo("%s: max diff %d, %lld values differ", qPrintable(input), d.max, qlonglong(d.differing));
    QVERIFY(d.max <= tolerance);
}

void TestImage::hostileInputs_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QStringList>("message"); // all of these, case-insensitive
    const QByteArray evil16("P6\n8000 8000\n65535\n\x01\x02", 21);
    QTest::newRow("issue 15: 21-byte 16-bit P6") << evil16 << QStringList{"truncated", "8000x8000", "384000000"};
    QTest::newRow("16-bit P5, 2 bytes") << QByteArray("P5\n8000 8000\n65535\n\x01\x02", 21)
                                        << QStringList{"truncated", "8000x8000"};
    QTest::newRow("P6 one byte short") << makePnm("P6 2 2 255\n", std::vector<unsigned>(11, 1), false)
                                       << QStringList{"truncated", "12 bytes"};
    QTest::newRow("P4 short") << QByteArray("P4 9 2\n\x01\x02\x03", 10) << QStringList{"truncated"};
    QTest::newRow("plain P3, huge, tiny") << QByteArray("P3 5000 5000 255 1 2 3") << QStringList{"truncated", "5000x5000"};
    QTest::newRow("plain P2 runs out") << QByteArray("P2 3 1 255 1 2    ") << QStringList{"truncated", "after 2 samples"};
    QTest::newRow("plain sample > maxval") << QByteArray("P2 2 1 10 5 11") << QStringList{"larger than the maxval 10"};
    QTest::newRow("plain P1 digit 2") << QByteArray("P1 2 1 0 2") << QStringList{"not 0 or 1"};
    QTest::newRow("plain letter") << QByteArray("P3 1 1 255 1 x 3") << QStringList{"not a number"};
    QTest::newRow("PNM maxval 0") << QByteArray("P5 1 1 0\n\x00", 10) << QStringList{"maxval"};
    QTest::newRow("PNM maxval 70000") << QByteArray("P5 1 1 70000\n\x00\x00", 15) << QStringList{"maxval", "65535"};
    QTest::newRow("PNM width 20 digits") << QByteArray("P5 99999999999999999999 1 255\n") << QStringList{"width", "larger"};
    QTest::newRow("PNM 100000x100000") << QByteArray("P5 100000 100000 255\n\x00", 23) << QStringList{"100000x100000", "limit"};
    QTest::newRow("PNM 0 wide") << QByteArray("P5 0 10 255\n") << QStringList{"0x10", "empty"};
    QTest::newRow("PNM header cut") << QByteArray("P6 10") << QStringList{"height"};
    QTest::newRow("PNM no space before data") << QByteArray("P5 1 1 255") << QStringList{"whitespace"};
    QTest::newRow("PAM") << QByteArray("P7\nWIDTH 1\n") << QStringList{"P7", "not supported"};

    QByteArray hugePng = kPngSignature + ihdr(100000, 100000, 8, 2) + chunk("IDAT", QByteArray("\x78\x01\x03\x00", 4)) +
                         chunk("IEND", {});
    QTest::newRow("PNG IHDR 100000x100000") << hugePng << QStringList{"100000x100000", "limit"};
    QTest::newRow("PNG 0x0") << kPngSignature + ihdr(0, 0, 8, 2) + chunk("IEND", {}) << QStringList{"0x0", "empty"};
    QByteArray badCrc = makePng(2, 2, 8, 0, QByteArray(4, '\x10'));
    badCrc[29] = char(badCrc[29] ^ 0x55); // IHDR's CRC
    QTest::newRow("PNG bad IHDR CRC") << badCrc << QStringList{"PNG", "CRC"};
    QTest::newRow("PNG bit depth 3") << makePng(1, 1, 3, 0, QByteArray(1, '\0')) << QStringList{"PNG"};
    QTest::newRow("PNG no IDAT") << kPngSignature + ihdr(4, 4, 8, 2) + chunk("IEND", {}) << QStringList{"PNG"};

    QByteArray jpeg = fileBytes("rocket_progressive.jpg");
    const qsizetype sof = jpeg.indexOf(QByteArray("\xff\xc2", 2));
    QByteArray hugeJpeg = jpeg;
    hugeJpeg.replace(sof + 5, 4, QByteArray("\xfd\xe8\xfd\xe8", 4)); // 65000x65000
    QTest::newRow("JPEG SOF 65000x65000") << hugeJpeg << QStringList{"65000x65000", "limit"};
    QTest::newRow("progressive JPEG, half") << jpeg.left(jpeg.size() / 2) << QStringList{"truncated", "JPEG"};
    QTest::newRow("JPEG SOI only") << QByteArray("\xff\xd8\xff", 3) << QStringList{"JPEG"};
    QByteArray flatJpeg = jpeg;
    flatJpeg.replace(sof + 5, 2, QByteArray("\x00\x00", 2)); // height 0
    QTest::newRow("JPEG height 0") << flatJpeg << QStringList{"empty"};

    const QByteArray webp = fileBytes("coffee_lossless.webp");
    QTest::newRow("WebP truncated") << webp.left(webp.size() / 2) << QStringList{"WebP", "truncated"};
    QByteArray hugeWebp = webp;
    QVERIFY(hugeWebp.mid(12, 4) == "VP8L" && uint8_t(hugeWebp[20]) == 0x2f);
    const uint32_t bits = qFromLittleEndian<uint32_t>(hugeWebp.constData() + 21);
    const uint32_t huge = (bits & 0xF0000000u) | 0x3FFFu | (0x3FFFu << 14); // 16384x16384
    hugeWebp.replace(21, 4, le32(huge));
    QTest::newRow("WebP 16384x16384") << hugeWebp << QStringList{"16384x16384", "limit"};
    QTest::newRow("WebP RIFF only") << QByteArray("RIFF\x04\x00\x00\x00WEBP", 12) << QStringList{"WebP"};

    const QByteArray tiff = fileBytes("coffee_lzw.tif");
    QTest::newRow("TIFF truncated") << tiff.left(tiff.size() / 2) << QStringList{"TIFF"};
    QTest::newRow("TIFF 100000x100000") << makeTiff(100000, 100000, QByteArray(3, '\1')) << QStringList{"100000x100000", "limit"};
    QTest::newRow("TIFF 0x0") << makeTiff(0, 0, QByteArray(3, '\1')) << QStringList{"TIFF"};
    QTest::newRow("TIFF strip missing") << makeTiff(64, 64, QByteArray(30, '\1')) << QStringList{"truncated TIFF"};
    QByteArray pastEnd = makeTiff(2, 1, QByteArray(6, '\1'));
    const uint32_t ifd = qFromLittleEndian<uint32_t>(pastEnd.constData() + 4);
    pastEnd.replace(qsizetype(ifd) + 2 + 5 * 12 + 8, 4, le32(100000)); // StripOffsets, the sixth entry
    QTest::newRow("TIFF strip past the end") << pastEnd << QStringList{"truncated TIFF", "strip 0", "past the end"};
    QTest::newRow("TIFF header only") << QByteArray("II*\0\x08\x00\x00\x00", 8) << QStringList{"TIFF"};

    QTest::newRow("wrong magic: RIFF WAVE") << QByteArray("RIFF\x24\x00\x00\x00WAVEfmt ", 16) << QStringList{"not a readable image"};
    QTest::newRow("GIF magic only") << QByteArray("GIF89a") << QStringList{"GIF"};
    QTest::newRow("one byte") << QByteArray("P") << QStringList{"not a readable image"};
    // Found by fuzz_image: not PNM to us ("P66"), but stb's own format test took it for a 16-bit
    // PNM and read out of bounds. Only BMP/GIF/PSD and plausible TGA headers reach stb now.
    QTest::newRow("fuzz: P66 to stb") << QByteArray::fromBase64("UDY2CiAyNjUzCjUxNQoSNFZ4NgIyILze8BEi7///CDNE")
                                      << QStringList{"not a readable image"};
    QTest::newRow("HDR") << QByteArray("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 1 +X 1\n") << QStringList{"not a readable image"};
    QTest::newRow("TGA 40000 wide") << QByteArray("\0\0\x02\0\0\0\0\0\0\0\0\0\x40\x9c\x01\0\x18\0", 18) + QByteArray(30, '\1')
                                    << QStringList{"40000x1", "limit"};
    // Found by fuzz_image: 18 bytes announcing a 4180x255 16-bit TGA; stb reads zeros past the end.
    QTest::newRow("fuzz: truncated TGA") << QByteArray::fromBase64("AAACl5eXHF/y5zb1VBD/ABAA")
                                         << QStringList{"truncated TGA", "4180x255", "holds only 18"};
    QByteArray bmp("BM", 2); // 40-byte info header, 100x100 24-bit BI_RGB, pixels at 54, none present
    bmp += le32(54 + 30000) + le32(0) + le32(54) + le32(40) + le32(100) + le32(100) + QByteArray("\1\0\x18\0", 4) + le32(0) +
           QByteArray(20, '\0');
    QTest::newRow("truncated BMP") << bmp << QStringList{"truncated BMP", "100x100", "holds only 54"};
}

void TestImage::hostileInputs() {
    QFETCH(QByteArray, bytes);
    QFETCH(QStringList, message);
    const QString tag = QString::fromLatin1(QTest::currentDataTag());
    if ((tag.startsWith("WebP") && !imagedecodeHas(".webp")) || (tag.startsWith("TIFF") && !imagedecodeHas(".tif")))
        message = QStringList{"not supported in this build"};
    const QString msg = expectError([&] { decodeBytes(bytes, "hostile.img"); }, QStringList{"hostile.img: "} + message);
    QVERIFY(!msg.isEmpty());
    qInfo("-> %s", qPrintable(msg));
    // The same through a file: the message names the path.
    QTemporaryDir dir;
    const QString path = dir.filePath("bad-input");
    writeAll(path, bytes);
    QVERIFY(!expectError([&] { loadImage(path.toStdString()); }, QStringList{path} + message).isEmpty());
}

void TestImage::truncatedFilesAreErrors_data() {
    QTest::addColumn<QString>("file");
    for (const char* f : {"rocket_progressive.jpg", "coffee_lossless.webp", "coffee_lossy.webp", "coffee_lzw.tif",
                          "coffee_raw.tif", "rgba_source.png"})
        QTest::newRow(f) << QString::fromLatin1(f);
}

// Every prefix of a good file up to half its size is an error (never a crash, never a partly
// grey image); longer ones are either an error or the image.
void TestImage::truncatedFilesAreErrors() {
    QFETCH(QString, file);
    if ((file.endsWith(".webp") && !imagedecodeHas(".webp")) || (file.endsWith(".tif") && !imagedecodeHas(".tif")))
        QSKIP("this build has no libwebp/libtiff");
    const QByteArray whole = fileBytes(file);
    const ImageRGB8 full = decodeBytes(whole, "whole");
    int errors = 0, tries = 0;
    for (qsizetype len = 1; len < whole.size(); len += std::max<qsizetype>(1, whole.size() / 97)) {
        ++tries;
        try {
            const ImageRGB8 img = decodeBytes(whole.left(len), "cut");
            QVERIFY2(len > whole.size() / 2, qPrintable(QStringLiteral("%1 bytes of %2 decoded").arg(len).arg(whole.size())));
            QCOMPARE(img.width, full.width);
        } catch (const Error& e) {
            QVERIFY(QString::fromUtf8(e.what()).startsWith("cut: "));
            ++errors;
        }
    }
    qInfo("%s: %d of %d prefixes refused", qPrintable(file), errors, tries);
    QVERIFY(errors >= tries / 2);
}

void TestImage::byteBudget() {
    // A progressive JPEG keeps its coefficients: with a tiny budget it is refused before decoding.
    ImageLimits tight;
    tight.maxBytes = 20000;
    const QByteArray jpeg = fileBytes("rocket_progressive.jpg");
    QVERIFY(!expectError([&] { decodeImage(reinterpret_cast<const uint8_t*>(jpeg.constData()), size_t(jpeg.size()),
                                           "budget.jpg", AlphaMode::Drop, tight); },
                         {"budget.jpg", "100x150", "needs about", "limit"}).isEmpty());
    ImageLimits fewPixels;
    fewPixels.maxPixels = 100;
    const QByteArray pgm = makePnm("P5 11 10 255\n", std::vector<unsigned>(110, 3), false);
    QVERIFY(!expectError([&] { decodeImage(reinterpret_cast<const uint8_t*>(pgm.constData()), size_t(pgm.size()),
                                           "few.pgm", AlphaMode::Drop, fewPixels); },
                         {"few.pgm", "11x10", "100 pixels"}).isEmpty());
}

void TestImage::fileExtensions() {
    for (const char* ext : {".png", ".jpg", ".jpeg", ".ppm", ".pgm"}) QVERIFY(imagedecodeHas(ext));
    QVERIFY(hasImageExtension("a/b/Photo.JPG"));
    QVERIFY(hasImageExtension("x.pnm"));
    QVERIFY(!hasImageExtension("notes.txt"));
    QVERIFY(!hasImageExtension("folder.png/file"));
    QVERIFY(!hasImageExtension("png"));
    // WebP and TIFF are listed exactly when this build decodes them.
    const QByteArray webp = fileBytes("coffee_lossless.webp");
    bool webpDecodes = true;
    try {
        decodeBytes(webp, "w.webp");
    } catch (const Error&) {
        webpDecodes = false;
    }
    QCOMPARE(hasImageExtension("x.webp"), webpDecodes);
}

// stb's failure reason is thread-local: errors must not leak between threads.
void TestImage::concurrentDecoding() {
    const QByteArray good = readAll(kDataDir + "coffee_97x61.png");
    const QByteArray bad = good.left(good.size() / 2);
    const ImageRGB8 expected = decodeBytes(good, "good.png");
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 30; ++i) {
                if ((i + t) % 2) {
                    if (decodeBytes(good, "good.png").rgb != expected.rgb) ++failures;
                    continue;
                }
                try {
                    decodeBytes(bad, "bad.png");
                    ++failures;
                } catch (const Error& e) {
                    if (!QString::fromUtf8(e.what()).startsWith("bad.png: corrupt or truncated")) ++failures;
                }
            }
        });
    for (auto& th : threads) th.join();
    QCOMPARE(failures.load(), 0);
}

void TestImage::savePngRoundTrip() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const ImageRGB8 image = fixture("rocket_200x301.png");
    const QString path = dir.filePath("out.png");
    const std::vector<std::pair<std::string, std::string>> text = {
        {"Software", "QLIP Explorer"}, {"qlip:model", "tiny-b16"}, {"Comment", "caf\xc3\xa9"}};
    savePng(path.toStdString(), image, text);
    savePng(path.toStdString(), image, text); // overwriting works too
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"out.png"}); // no temp file left

    const ImageRGB8 back = loadImage(path.toStdString());
    QCOMPARE(back.width, image.width);
    QCOMPARE(back.height, image.height);
    QVERIFY(back.rgb == image.rgb);

    const QByteArray bytes = readAll(path);
    QVERIFY(bytes.startsWith(kPngSignature));
    // Walk the chunks: every CRC is right, IHDR comes first, the text chunks follow it.
    QStringList order;
    for (qsizetype pos = 8; pos + 12 <= bytes.size();) {
        const uint32_t len = qFromBigEndian<uint32_t>(bytes.constData() + pos);
        const QByteArray body = bytes.mid(pos + 4, qsizetype(len) + 4);
        QCOMPARE(qFromBigEndian<uint32_t>(bytes.constData() + pos + 8 + len), crc32(body));
        order << QString::fromLatin1(body.left(4));
        pos += 12 + qsizetype(len);
    }
    QCOMPARE(order.mid(0, 4), (QStringList{"IHDR", "tEXt", "tEXt", "iTXt"}));
    QCOMPARE(order.last(), QStringLiteral("IEND"));
    QVERIFY(bytes.contains(QByteArray("tEXtSoftware\0QLIP Explorer", 26)));
    QVERIFY(bytes.contains(QByteArray("tEXtqlip:model\0tiny-b16", 23)));
    QVERIFY(bytes.contains(QByteArray("iTXtComment\0\0\0\0\0caf\xc3\xa9", 21)));

    // encodePng gives the same bytes without a file.
    QVERIFY(encodePng(image, text) == std::vector<uint8_t>(bytes.begin(), bytes.end()));
}

void TestImage::savePngErrors() {
    QTemporaryDir dir;
    const ImageRGB8 image = decodeBytes(makePng(1, 1, 8, 0, QByteArray(1, '\x80')), "one.png");
    const QString missingDir = dir.filePath("no/such/dir/out.png");
    QVERIFY(!expectError([&] { savePng(missingDir.toStdString(), image); }, {missingDir, "No such file"}).isEmpty());
    const QString path = dir.filePath("x.png");
    QVERIFY(!expectError([&] { savePng(path.toStdString(), image, {{"bad  key", "v"}}); }, {path, "bad  key"}).isEmpty());
    QVERIFY(!expectError([&] { savePng(path.toStdString(), image, {{"", "v"}}); }, {path}).isEmpty());
    QVERIFY(!expectError([&] { savePng(path.toStdString(), ImageRGB8{}); }, {path, "invalid image"}).isEmpty());
    QVERIFY(!QFile::exists(path));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{});
}

void TestImage::shortestEdgeRule() {
    using P = std::pair<int, int>;
    QCOMPARE(shortestEdgeSize(512, 512, 256), P(256, 256));
    QCOMPARE(shortestEdgeSize(451, 300, 224), P(336, 224)); // int(224 * 451 / 300) = int(336.74)
    QCOMPARE(shortestEdgeSize(300, 451, 224), P(224, 336));
    QCOMPARE(shortestEdgeSize(97, 61, 128), P(203, 128));   // upscale: int(203.54)
    QCOMPARE(shortestEdgeSize(1000, 40, 24), P(600, 24));
    QCOMPARE(shortestEdgeSize(640, 427, 224), P(335, 224)); // 335.74
    QCOMPARE(shortestEdgeSize(3, 1, 5), P(15, 5));
    QVERIFY(!expectError([] { shortestEdgeSize(0, 10, 5); }, {"0x10"}).isEmpty());
}

void TestImage::centerCropRule() {
    // 5x4 image whose pixel (x, y) is (x, y, 7).
    ImageRGB8 img;
    img.width = 5;
    img.height = 4;
    img.rgb.resize(5 * 4 * 3);
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 5; ++x) {
            img.pixel(x, y)[0] = uint8_t(x);
            img.pixel(x, y)[1] = uint8_t(y);
            img.pixel(x, y)[2] = 7;
        }
    auto at = [](const ImageRGB8& im, int x, int y) {
        const uint8_t* p = im.pixel(x, y);
        return std::array<int, 3>{p[0], p[1], p[2]};
    };
    using A = std::array<int, 3>;
    // Inside: top = (4 - 2) // 2 = 1, left = (5 - 2) // 2 = 1.
    const ImageRGB8 c = centerCrop(img, 2, 2);
    QCOMPARE(at(c, 0, 0), (A{1, 1, 7}));
    QCOMPARE(at(c, 1, 1), (A{2, 2, 7}));
    // Padding: 8x7 from 5x4 puts the image at left = ceil(3 / 2) = 2, top = ceil(3 / 2) = 2.
    const ImageRGB8 p = centerCrop(img, 8, 7);
    QCOMPARE(p.width, 8);
    QCOMPARE(p.height, 7);
    QCOMPARE(at(p, 1, 2), (A{0, 0, 0}));
    QCOMPARE(at(p, 2, 1), (A{0, 0, 0}));
    QCOMPARE(at(p, 2, 2), (A{0, 0, 7}));
    QCOMPARE(at(p, 6, 5), (A{4, 3, 7}));
    QCOMPARE(at(p, 7, 5), (A{0, 0, 0}));
    QCOMPARE(at(p, 6, 6), (A{0, 0, 0}));
    // Mixed: wider (pad 1 left, 2 right), shorter (top = (4 - 1) // 2 = 1).
    const ImageRGB8 m = centerCrop(img, 8, 1);
    QCOMPARE(at(m, 0, 0), (A{0, 0, 0}));
    QCOMPARE(at(m, 2, 0), (A{0, 1, 7}));
    QCOMPARE(at(m, 6, 0), (A{4, 1, 7}));
    QCOMPARE(at(m, 7, 0), (A{0, 0, 0}));
}

void TestImage::resizeEdgeCases() {
    const ImageRGB8 one = decodeBytes(makePng(1, 1, 8, 2, QByteArray("\x10\x80\xf0", 3)), "one.png");
    for (int r : {1, 2, 3, 4, 5}) { // a constant image stays constant with every filter
        const ImageRGB8 big = resizePil(one, 7, 3, r);
        QCOMPARE(big.width, 7);
        for (size_t i = 0; i < big.rgb.size(); i += 3) QCOMPARE(big.rgb[i + 1], uint8_t(0x80));
    }
    const ImageRGB8 photo = fixture("coffee_97x61.png");
    QVERIFY(resizePil(photo, 97, 61).rgb == photo.rgb);
    QVERIFY(!expectError([&] { resizePil(photo, 10, 10, 0); }, {"resample filter 0"}).isEmpty());
    QVERIFY(!expectError([&] { resizePil(photo, 0, 10); }, {"0x10"}).isEmpty());
    // Only one axis changes: a single pass.
    QCOMPARE(resizePil(photo, 97, 30).height, 30);
    QCOMPARE(resizePil(photo, 40, 61).width, 40);
}

void TestImage::denormalizeInvertsPreprocess() {
    const ImageRGB8 img = fixture("rocket_pad_64x48.png");
    PreprocessConfig cfg;
    cfg.doResize = false;
    cfg.doCenterCrop = false;
    const PixelTensor t = preprocess(img, cfg);
    QCOMPARE(t.width, img.width);
    const ImageRGB8 back = denormalize(t.chw.data(), t.height, t.width, cfg);
    QVERIFY(back.rgb == img.rgb);
    // Out-of-range values clamp.
    const float extreme[3] = {-100.f, 100.f, 0.f};
    const ImageRGB8 px = denormalize(extreme, 1, 1, cfg);
    QCOMPARE(px.rgb, (std::vector<uint8_t>{0, 255, uint8_t(std::lround(0.40821073 * 255))}));
}

void TestImage::configFromJson() {
    const PreprocessConfig defaults = PreprocessConfig::forImageSize(224);
    QCOMPARE(defaults.shortestEdge, 224);
    QCOMPARE(defaults.cropWidth, 224);

    // Old-style openai/clip-vit-base-patch32 file.
    const PreprocessConfig a = PreprocessConfig::fromJson(Json::parse(R"({
        "crop_size": 336, "do_center_crop": true, "do_normalize": true, "do_resize": true,
        "feature_extractor_type": "CLIPFeatureExtractor",
        "image_mean": [0.5, 0.25, 0.125], "image_std": [0.1, 0.2, 0.3], "resample": 2, "size": 320})"),
        defaults, "a.json");
    QCOMPARE(a.shortestEdge, 320);
    QCOMPARE(a.cropHeight, 336);
    QCOMPARE(a.cropWidth, 336);
    QCOMPARE(a.resample, 2);
    QCOMPARE(a.mean[1], 0.25f);
    QCOMPARE(a.std[2], 0.3f);

    // New-style CLIPImageProcessor file.
    const PreprocessConfig b = PreprocessConfig::fromJson(Json::parse(R"({
        "size": {"shortest_edge": 256}, "crop_size": {"height": 240, "width": 250}, "do_convert_rgb": true,
        "do_rescale": true, "rescale_factor": 0.5, "image_processor_type": "CLIPImageProcessor",
        "do_normalize": false})"), defaults, "b.json");
    QCOMPARE(b.shortestEdge, 256);
    QCOMPARE(b.cropHeight, 240);
    QCOMPARE(b.cropWidth, 250);
    QCOMPARE(b.rescaleFactor, 0.5);
    QVERIFY(!b.doNormalize);
    QCOMPARE(b.mean, defaults.mean);

    // Exact-size resize, scalar mean/std, no crop.
    const PreprocessConfig c = PreprocessConfig::fromJson(Json::parse(R"({
        "size": {"height": 384, "width": 300}, "do_center_crop": false, "image_mean": 0.5, "image_std": 0.5,
        "do_convert_rgb": null})"), defaults, "c.json");
    QCOMPARE(c.resizeHeight, 384);
    QCOMPARE(c.resizeWidth, 300);
    QVERIFY(!c.doCenterCrop);
    QCOMPARE(c.std, (std::array<float, 3>{0.5f, 0.5f, 0.5f}));
    ImageRGB8 img = fixture("coffee_97x61.png");
    const PixelTensor t = preprocess(img, c);
    QCOMPARE(t.height, 384);
    QCOMPARE(t.width, 300);

    // Empty document: the defaults.
    const PreprocessConfig d = PreprocessConfig::fromJson(Json::parse("{}"), defaults, "d.json");
    QCOMPARE(d.shortestEdge, 224);
    QCOMPARE(d.rescaleFactor, 1.0 / 255.0);
    QVERIFY(d.doResize && d.doCenterCrop && d.doRescale && d.doNormalize);
}

void TestImage::configFromJsonErrors() {
    const struct {
        const char* json;
        const char* key;
    } cases[] = {
        {R"({"do_resize": "yes"})", "do_resize"},
        {R"({"size": "224"})", "size"},
        {R"({"size": {"longest_edge": 224}})", "size"},
        {R"({"size": {"shortest_edge": 22.5}})", "size.shortest_edge"},
        {R"({"size": -3})", "size"},
        {R"({"crop_size": {"height": 10}})", "crop_size"},
        {R"({"crop_size": [224, 224]})", "crop_size"},
        {R"({"resample": 0})", "resample"},
        {R"({"image_mean": [0.5, 0.5]})", "image_mean"},
        {R"({"image_std": [0.5, "a", 0.5]})", "image_std"},
        {R"({"image_std": [0.5, 0, 0.5]})", "image_std"},
        {R"({"rescale_factor": true})", "rescale_factor"},
        {R"({"do_convert_rgb": 1})", "do_convert_rgb"},
        {R"([1, 2])", "object"},
    };
    for (const auto& c : cases) {
        const QString msg = expectError(
            [&] { PreprocessConfig::fromJson(Json::parse(c.json), PreprocessConfig{}, "model/preprocessor_config.json"); },
            {"model/preprocessor_config.json", c.key});
        QVERIFY2(!msg.isEmpty(), c.json);
        qInfo("%s -> %s", c.json, qPrintable(msg));
    }
}

void TestImage::timing() {
    // A 1000x1000 photo-like image through the stock 224 pipeline.
    const ImageRGB8 src = fixture("astronaut_512.png");
    const ImageRGB8 img = resizePil(src, 1000, 1000);
    const PreprocessConfig cfg = PreprocessConfig::forImageSize(224);
    QElapsedTimer timer;
    timer.start();
    int runs = 0;
    PixelTensor t;
    while (timer.elapsed() < 300 || runs < 3) {
        t = preprocess(img, cfg);
        ++runs;
    }
    qInfo("preprocess 1000x1000 -> [3,224,224]: %.2f ms per image", double(timer.nsecsElapsed()) / 1e6 / runs);
    QCOMPARE(t.width, 224);
}

QTEST_GUILESS_MAIN(TestImage)
#include "test_image.moc"
