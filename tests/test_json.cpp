// The JSON reader used for config files and safetensors headers.
#include "qlip/error.h"
#include "qlip/json.h"

#include <QtTest>

#include <limits>

class TestJson : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parsesDocuments();
    void rejectsMalformed_data();
    void rejectsMalformed();
    void roundTrips();
    void keepsIntegersExact();
    void asIntRefuses_data();
    void asIntRefuses();
    void writerRefusesNonFinite_data();
    void writerRefusesNonFinite();
    void errorsNameLineAndColumn_data();
    void errorsNameLineAndColumn();
};

void TestJson::parsesDocuments() {
    auto j = qlip::Json::parse(R"({"a": [1, 2.5, -3e2, true, null], "s": "x\u00e9\ud83d\ude00\n", "o": {}})");
    QVERIFY(j.isObject());
    const auto& a = j.find("a")->asArray();
    QCOMPARE(a.size(), size_t(5));
    QCOMPARE(a[0].asInt(), int64_t(1));
    QCOMPARE(a[1].asNumber(), 2.5);
    QCOMPARE(a[2].asNumber(), -300.0);
    QVERIFY(a[3].asBool());
    QVERIFY(a[4].isNull());
    QCOMPARE(j.find("s")->asString(), std::string("x\xC3\xA9\xF0\x9F\x98\x80\n"));
    QVERIFY(j.find("o")->asObject().empty());
    QVERIFY(j.find("missing") == nullptr);
    QVERIFY_THROWS_EXCEPTION(qlip::Error, a[1].asInt("a[1]")); // 2.5 is not an integer
    QVERIFY_THROWS_EXCEPTION(qlip::Error, j.find("s")->asNumber("s"));
}

void TestJson::rejectsMalformed_data() {
    QTest::addColumn<QString>("text");
    QTest::newRow("empty") << "";
    QTest::newRow("trailing comma") << "{\"a\": 1,}";
    QTest::newRow("unterminated string") << "{\"a\": \"x}";
    QTest::newRow("bare word") << "{\"a\": yes}";
    QTest::newRow("duplicate key") << "{\"a\": 1, \"a\": 2}";
    QTest::newRow("garbage after") << "{} x";
    QTest::newRow("lone surrogate") << "\"\\ud800\"";
    QTest::newRow("deep nesting") << QString(300, '[') + QString(300, ']');
    QTest::newRow("control char") << "\"a\tb\"";
}

void TestJson::rejectsMalformed() {
    QFETCH(QString, text);
    try {
        qlip::Json::parse(text.toStdString(), "config.json");
        QFAIL("malformed JSON was accepted");
    } catch (const qlip::Error& e) {
        QVERIFY2(std::string(e.what()).find("config.json") == 0, e.what()); // names the file
        QVERIFY2(std::string(e.what()).find("line") != std::string::npos, e.what());
    }
}

void TestJson::roundTrips() {
    const std::string text = R"({"a":[1,2.5,"q\"uote"],"b":{"c":null,"d":false},"big":9007199254740991})";
    auto j = qlip::Json::parse(text);
    QCOMPARE(j.dump(), text);
    // Numbers use the shortest text that reads back to the same double.
    const std::string numbers = "[0.48145466,0.1,1e-06,0.30000000000000004,-2.5e+300]";
    QCOMPARE(qlip::Json::parse(numbers).dump(), numbers);
}

void TestJson::keepsIntegersExact() {
    // Beyond 2^53 a double cannot hold these; they must survive reading and writing unchanged.
    const std::string text = "[9007199254740993,-9223372036854775808,9223372036854775807,18446744073709551615]";
    auto j = qlip::Json::parse(text);
    const auto& a = j.asArray();
    QCOMPARE(a[0].asInt(), int64_t(9007199254740993));
    QCOMPARE(a[1].asInt(), std::numeric_limits<int64_t>::min());
    QCOMPARE(a[2].asInt(), std::numeric_limits<int64_t>::max());
    QCOMPARE(a[3].asUInt(), std::numeric_limits<uint64_t>::max());
    QVERIFY(a[0].isInteger() && !qlip::Json::parse("1.0").isInteger());
    QCOMPARE(j.dump(), text);
    // An integral double that is exact is still an integer (1e12 is reported as 1000000000000).
    QCOMPARE(qlip::Json::parse("1e12").asInt(), int64_t(1000000000000));
    QCOMPARE(qlip::Json::parse("64.0").asInt(), int64_t(64));
    QCOMPARE(qlip::Json(uint64_t(1) << 63).dump(), std::string("9223372036854775808"));
}

void TestJson::asIntRefuses_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");
    QTest::newRow("fraction") << "2.5" << "expected an integer, got 2.5";
    QTest::newRow("huge double") << "1e300" << "too large to be read as an exact integer";
    QTest::newRow("double beyond 2^53") << "1e17" << "too large to be read as an exact integer";
    QTest::newRow("beyond int64") << "18446744073709551615" << "is too large (at most 2^63-1)";
    QTest::newRow("string") << "\"8\"" << "expected a number, got string";
}

void TestJson::asIntRefuses() {
    QFETCH(QString, text);
    QFETCH(QString, expected);
    try {
        qlip::Json::parse(text.toStdString()).asInt("layers");
        QFAIL("a value that is not an exact int64 was accepted");
    } catch (const qlip::Error& e) {
        QVERIFY2(std::string(e.what()).rfind("layers: ", 0) == 0, e.what());
        QVERIFY2(std::string(e.what()).find(expected.toStdString()) != std::string::npos, e.what());
    }
    QVERIFY_THROWS_EXCEPTION(qlip::Error, qlip::Json::parse("-1").asUInt("offset"));
}

void TestJson::writerRefusesNonFinite_data() {
    QTest::addColumn<double>("value");
    QTest::addColumn<QString>("expected");
    QTest::newRow("inf") << std::numeric_limits<double>::infinity() << "an infinite number at scores[1]";
    QTest::newRow("-inf") << -std::numeric_limits<double>::infinity() << "an infinite number at scores[1]";
    QTest::newRow("nan") << std::numeric_limits<double>::quiet_NaN() << "NaN at scores[1]";
}

void TestJson::writerRefusesNonFinite() {
    QFETCH(double, value);
    QFETCH(QString, expected);
    qlip::Json doc(qlip::Json::Object{{"scores", qlip::Json(qlip::Json::Array{qlip::Json(1.5), qlip::Json(value)})}});
    try {
        doc.dump();
        QFAIL("a non-finite number was written");
    } catch (const qlip::Error& e) {
        QVERIFY2(std::string(e.what()).find(expected.toStdString()) != std::string::npos, e.what());
    }
    // What the writer does write, the reader reads back to the same document.
    qlip::Json finite(qlip::Json::Array{qlip::Json(std::numeric_limits<double>::max()), qlip::Json(-0.0),
                                        qlip::Json(std::numeric_limits<double>::denorm_min()), qlip::Json("\x01\xC3\xA9")});
    QCOMPARE(qlip::Json::parse(finite.dump()).dump(), finite.dump());
}

void TestJson::errorsNameLineAndColumn_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");
    QTest::newRow("duplicate key") << "{\n  \"a\": 1,\n  \"a\": 2}" << "config.json: duplicate key \"a\" at line 3, column";
    QTest::newRow("bad literal") << "{\n\"a\": yes}" << "at line 2, column 6";
    QTest::newRow("overflowing number") << "[1e999]" << "config.json: number overflow";
    QTest::newRow("invalid UTF-8") << "\"\xff\"" << "config.json: ";
    QTest::newRow("too deep") << QString(257, '[') + QString(257, ']') << "nesting too deep at line 1, column 257";
}

void TestJson::errorsNameLineAndColumn() {
    QFETCH(QString, text);
    QFETCH(QString, expected);
    std::string bytes = text == "\"\xff\"" ? std::string("\"\xff\"") : text.toStdString();
    try {
        qlip::Json::parse(bytes, "config.json");
        QFAIL("malformed JSON was accepted");
    } catch (const qlip::Error& e) {
        QVERIFY2(std::string(e.what()).find(expected.toStdString()) != std::string::npos, e.what());
        QVERIFY2(std::string(e.what()).find("line") != std::string::npos, e.what());
    }
}

QTEST_GUILESS_MAIN(TestJson)
#include "test_json.moc"
