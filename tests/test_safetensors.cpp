// The safetensors reader rejects every kind of broken file with a message naming the file and
// listing all problems; the writer's files read back exactly.
#include "qlip/error.h"
#include "qlip/safetensors.h"

#include <QtTest>
#include <cstring>
#include <fstream>

namespace {

std::string writeBytes(const QTemporaryDir& dir, const std::string& name, const std::vector<uint8_t>& bytes) {
    std::string path = dir.path().toStdString() + "/" + name;
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    return path;
}

// A file with the given header text and `dataBytes` zero bytes of data.
std::vector<uint8_t> rawFile(const std::string& header, size_t dataBytes, uint64_t claimedLength = 0) {
    uint64_t len = claimedLength ? claimedLength : header.size();
    std::vector<uint8_t> out(8 + header.size() + dataBytes, 0);
    for (int i = 0; i < 8; ++i) out[i] = uint8_t(len >> (8 * i));
    std::memcpy(out.data() + 8, header.data(), header.size());
    return out;
}

std::string errorOf(const std::string& path) {
    try {
        qlip::SafetensorsFile::open(path);
    } catch (const qlip::Error& e) {
        return e.what();
    }
    return {};
}

} // namespace

class TestSafetensors : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTrip();
    void halfPrecisionValues();
    void rejectsBrokenFiles_data();
    void rejectsBrokenFiles();
    void reportsAllProblemsAtOnce();
};

void TestSafetensors::roundTrip() {
    QTemporaryDir dir;
    qlip::SafetensorsWriter w;
    std::vector<float> a = {1.5f, -2.f, 3.25f, 0.f, 7.f, 8.f};
    std::vector<int64_t> b = {int64_t(1) << 40, -5};
    w.add("a", qlip::DType::F32, {2, 3}, a.data(), a.size() * 4);
    w.add("nested.b", qlip::DType::I64, {2}, b.data(), b.size() * 8);
    w.add("empty", qlip::DType::F64, {0, 4}, nullptr, 0);
    w.setMetadata("format", "pt");
    std::string path = dir.path().toStdString() + "/x.safetensors";
    w.save(path);
    auto f = qlip::SafetensorsFile::open(path);
    QCOMPARE(f.tensors().size(), size_t(3));
    QCOMPARE(f.metadata().at("format"), std::string("pt"));
    QCOMPARE(f.find("a")->shapeString(), std::string("[2, 3]"));
    auto av = f.readAsDouble("a");
    for (size_t i = 0; i < a.size(); ++i) QCOMPARE(av[i], double(a[i]));
    QCOMPARE(f.readAsInt64("nested.b"), b);
    QCOMPARE(f.find("empty")->numel(), int64_t(0));
    QVERIFY(f.find("nope") == nullptr);
}

void TestSafetensors::halfPrecisionValues() {
    QTemporaryDir dir;
    // 1.0, -2.0, 0.5 and a subnormal (2^-24) in fp16; 1.0, -3.0 in bf16
    std::vector<uint16_t> h = {0x3C00, 0xC000, 0x3800, 0x0001};
    std::vector<uint16_t> bf = {0x3F80, 0xC040};
    qlip::SafetensorsWriter w;
    w.add("h", qlip::DType::F16, {4}, h.data(), 8);
    w.add("bf", qlip::DType::BF16, {2}, bf.data(), 4);
    std::string path = dir.path().toStdString() + "/h.safetensors";
    w.save(path);
    auto f = qlip::SafetensorsFile::open(path);
    auto hv = f.readAsDouble("h");
    QCOMPARE(hv[0], 1.0);
    QCOMPARE(hv[1], -2.0);
    QCOMPARE(hv[2], 0.5);
    QCOMPARE(hv[3], std::ldexp(1.0, -24));
    auto bv = f.readAsDouble("bf");
    QCOMPARE(bv[0], 1.0);
    QCOMPARE(bv[1], -3.0);
}

void TestSafetensors::rejectsBrokenFiles_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expected");
    auto qb = [](const std::vector<uint8_t>& v) { return QByteArray(reinterpret_cast<const char*>(v.data()), int(v.size())); };
    const std::string ok = R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    QTest::newRow("zero bytes") << QByteArray() << "shorter than the 8-byte header length";
    QTest::newRow("header length past the end") << qb(rawFile(ok, 8, 1 << 20)) << "larger than the";
    QTest::newRow("malformed header") << qb(rawFile("{\"t\": [", 0)) << "header";
    QTest::newRow("header not an object") << qb(rawFile("[1, 2]", 0)) << "not a JSON object";
    QTest::newRow("truncated data") << qb(rawFile(ok, 4)) << "outside the data section";
    QTest::newRow("unknown dtype") << qb(rawFile(R"({"t":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}})", 2)) << "unsupported dtype F8_E4M3";
    QTest::newRow("shape disagrees with offsets") << qb(rawFile(R"({"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8)) << "needs 12 bytes";
    QTest::newRow("overlap") << qb(rawFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12)) << "overlap";
    QTest::newRow("end before begin") << qb(rawFile(R"({"t":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", 8)) << "end before they begin";
    QTest::newRow("negative dim") << qb(rawFile(R"({"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4)) << "non-negative";
    QTest::newRow("missing fields") << qb(rawFile(R"({"t":{"dtype":"F32"}})", 0)) << "needs string 'dtype'";
    // Defect 3: integers are exact, never through a double.
    QTest::newRow("offset 1e300") << qb(rawFile(R"({"t":{"dtype":"F32","shape":[0],"data_offsets":[0,1e300]}})", 8)) << "data_offsets must be two non-negative integers";
    QTest::newRow("offset beyond 2^64") << qb(rawFile(R"({"t":{"dtype":"F32","shape":[0],"data_offsets":[0,18446744073709551617]}})", 8)) << "data_offsets must be two non-negative integers";
    QTest::newRow("fractional offset") << qb(rawFile(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8.0]}})", 8)) << "data_offsets must be two non-negative integers";
    QTest::newRow("dim beyond 2^63") << qb(rawFile(R"({"t":{"dtype":"F32","shape":[9223372036854775808],"data_offsets":[0,8]}})", 8)) << "below 2^63";
    QTest::newRow("dim as double") << qb(rawFile(R"({"t":{"dtype":"F32","shape":[2e0],"data_offsets":[0,8]}})", 8)) << "shape entries must be non-negative integers";
    QTest::newRow("huge shape") << qb(rawFile(R"({"t":{"dtype":"F64","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}})", 8)) << "impossible";
}

void TestSafetensors::rejectsBrokenFiles() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    std::string path = writeBytes(dir, "bad.safetensors", std::vector<uint8_t>(bytes.begin(), bytes.end()));
    std::string err = errorOf(path);
    QVERIFY2(!err.empty(), "broken file was accepted");
    QVERIFY2(err.find(path) != std::string::npos, err.c_str());
    QVERIFY2(err.find(expected.toStdString()) != std::string::npos, err.c_str());
}

void TestSafetensors::reportsAllProblemsAtOnce() {
    QTemporaryDir dir;
    std::string header = R"({"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"F32","shape":[5],"data_offsets":[0,8]},"c":{"dtype":"F32","shape":[2],"data_offsets":[0,800]}})";
    std::string path = writeBytes(dir, "multi.safetensors", rawFile(header, 8));
    std::string err = errorOf(path);
    QVERIFY2(err.find("3 problems") != std::string::npos, err.c_str());
    for (const char* name : {"'a'", "'b'", "'c'"}) QVERIFY2(err.find(name) != std::string::npos, err.c_str());
    QVERIFY(errorOf(dir.path().toStdString() + "/missing.safetensors").find("does not exist") != std::string::npos);
    QVERIFY(errorOf(dir.path().toStdString()).find("is a folder") != std::string::npos);
}

QTEST_GUILESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
