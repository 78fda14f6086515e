// The JSON reader used for config files and safetensors headers.
#include "qlip/error.h"
#include "qlip/json.h"

#include <QtTest>

class TestJson : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parsesDocuments();
    void rejectsMalformed_data();
    void rejectsMalformed();
    void roundTrips();
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

QTEST_GUILESS_MAIN(TestJson)
#include "test_json.moc"
