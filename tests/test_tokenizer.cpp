// The CLIP BPE tokenizer against the cases of tests/data/tokenizer_cases.json (expected ids from
// the independent Python reference tests/tools/clip_tokenizer_reference.py), plus batching,
// decoding, reduced vocabularies and every load error.
#include "qlip/error.h"
#include "qlip/tokenizer.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <optional>

using qlip::ClipTokenizer;

namespace {

const QString kData = QStringLiteral(QLIPX_TEST_DATA);
const std::string kVocab = (kData + "/clip-bpe/vocab.json").toStdString();
const std::string kMerges = (kData + "/clip-bpe/merges.txt").toStdString();
constexpr int kBos = 49406, kEos = 49407;

QJsonObject readJson(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) qFatal("cannot open %s", qPrintable(path));
    return QJsonDocument::fromJson(f.readAll()).object();
}

QList<int> toList(const std::vector<int32_t>& ids) { return QList<int>(ids.begin(), ids.end()); }

QList<int> toList(const QJsonArray& a) {
    QList<int> out;
    for (const auto& v : a) out.push_back(v.toInt());
    return out;
}

std::string writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& content) {
    QFile f(dir.filePath(name));
    if (!f.open(QIODevice::WriteOnly) || f.write(content) != content.size()) qFatal("cannot write %s", qPrintable(name));
    return f.fileName().toStdString();
}

} // namespace

class TestTokenizer : public QObject {
    Q_OBJECT

    std::optional<ClipTokenizer> tok_;
    QJsonObject cases_;

private Q_SLOTS:
    void initTestCase() {
        tok_ = ClipTokenizer::fromFiles(kVocab, kMerges);
        cases_ = readJson(kData + "/tokenizer_cases.json");
        QCOMPARE(tok_->vocabSize(), size_t(49408));
        QCOMPARE(tok_->mergeCount(), size_t(48894));
        QCOMPARE(tok_->bosId(), kBos);
        QCOMPARE(tok_->eosId(), kEos);
        QCOMPARE(tok_->padId(), kEos);
    }

    void referenceCases_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QList<int>>("ids");
        const QJsonArray cases = cases_["cases"].toArray();
        QVERIFY(cases.size() >= 60);
        for (const auto& v : cases) {
            const QJsonObject c = v.toObject();
            QByteArray text = c.contains("hex") ? QByteArray::fromHex(c["hex"].toString().toLatin1()) : c["text"].toString().toUtf8();
            QTest::newRow(qPrintable(c["name"].toString())) << text << toList(c["ids"].toArray());
        }
    }
    void referenceCases() {
        QFETCH(QByteArray, text);
        QFETCH(QList<int>, ids);
        QCOMPARE(toList(tok_->encode(text.toStdString())), ids);
    }

    void knownPrompt() { QCOMPARE(toList(tok_->encode("a photo of a cat")), QList<int>({320, 1125, 539, 320, 2368})); }

    void truncation_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<bool>("truncated");
        QByteArray longPrompt;
        while (longPrompt.size() < 10000) longPrompt += "a photo of a cat. ";
        longPrompt.truncate(10000);
        QTest::newRow("10000 characters") << longPrompt << true;
        QTest::newRow("10000-character word") << QByteArray(10000, 'x') << true;
        QTest::newRow("75 tokens fit") << QByteArray("a ").repeated(75) << false;
        QTest::newRow("76 tokens do not") << QByteArray("a ").repeated(76) << true;
    }
    void truncation() {
        QFETCH(QByteArray, text);
        QFETCH(bool, truncated);
        const std::vector<int32_t> content = tok_->encode(text.toStdString());
        const auto batch = tok_->encodeBatch({text.toStdString()}, 77);
        QCOMPARE(batch.rows, 1);
        QCOMPARE(batch.length, 77);
        QCOMPARE(batch.ids.size(), size_t(77));
        QCOMPARE(bool(batch.truncated[0]), truncated);
        QCOMPARE(batch.ids.front(), int64_t(kBos));
        QCOMPARE(batch.ids.back(), int64_t(kEos));
        QVERIFY(std::equal(batch.ids.begin() + 1, batch.ids.end() - 1, content.begin()));
    }

    void padding_data() {
        QTest::addColumn<ClipTokenizer::Padding>("padding");
        QTest::addColumn<int>("length");
        QTest::newRow("longest") << ClipTokenizer::Padding::Longest << 7;
        QTest::newRow("max length") << ClipTokenizer::Padding::MaxLength << 77;
    }
    void padding() {
        QFETCH(ClipTokenizer::Padding, padding);
        QFETCH(int, length);
        const auto batch = tok_->encodeBatch({"a photo of a cat", "cat", ""}, 77, padding);
        QCOMPARE(batch.rows, 3);
        QCOMPARE(batch.length, length);
        QCOMPARE(batch.ids.size(), size_t(3 * length));
        QCOMPARE(batch.truncated, std::vector<bool>(3, false));
        auto row = [&](int r) { return QList<qint64>(batch.ids.begin() + r * length, batch.ids.begin() + (r + 1) * length); };
        auto expected = [&](QList<qint64> ids) {
            while (ids.size() < length) ids.push_back(kEos); // the pad id
            return ids;
        };
        QCOMPARE(row(0), expected({kBos, 320, 1125, 539, 320, 2368, kEos}));
        QCOMPARE(row(1), expected({kBos, 2368, kEos}));
        QCOMPARE(row(2), expected({kBos, kEos}));
    }

    void emptyPrompt() {
        QVERIFY(tok_->encode("").empty());
        QVERIFY(tok_->encode(" \t\n ").empty());
        const auto batch = tok_->encodeBatch({""}, 77);
        QCOMPARE(batch.length, 2);
        QCOMPARE(batch.ids, std::vector<int64_t>({kBos, kEos}));
        QCOMPARE(tok_->encodeBatch({}, 77).ids.size(), size_t(0));
        QVERIFY_THROWS_EXCEPTION(qlip::Error, tok_->encodeBatch({"a"}, 1));
    }

    void decode_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("decoded");
        QTest::newRow("sentence") << "a photo of a cat" << "a photo of a cat";
        const QString word = "pneumonoultramicroscopicsilicovolcanoconiosis";
        QTest::newRow("rare word") << word << word;
        const QString utf8 = QString::fromUtf8("caf\u00e9 \u6771\u4eac \U0001F431");
        QTest::newRow("utf-8") << utf8 << utf8;
        // Every piece ends a "word", so pieces that were glued in the text come back spaced.
        QTest::newRow("punctuation") << "Hello, world! 3.14 don't" << "hello , world ! 3 . 1 4 don 't";
    }
    void decode() {
        QFETCH(QString, text);
        QFETCH(QString, decoded);
        QCOMPARE(QString::fromStdString(tok_->decode(tok_->encode(text.toStdString()))), decoded);
    }

    void decodeShowsBrokenBytes() {
        // 127 and 358 are the byte symbols of 0xC3 and 0xA9</w>: together the UTF-8 of U+00E9.
        QCOMPARE(QString::fromStdString(tok_->decode({127, 358})), QString(QChar(0xE9)));
        QCOMPARE(QString::fromStdString(tok_->decode({127})), QString(QChar(0xFFFD)));
        QVERIFY_THROWS_EXCEPTION(qlip::Error, tok_->decode({60000}));
        QVERIFY_THROWS_EXCEPTION(qlip::Error, tok_->decode({-1}));
    }

    void arbitraryBytesNeverFail() {
        uint32_t state = 12345; // fixed pseudo-random sequence: reproducible
        for (int n = 0; n < 300; ++n) {
            std::string bytes;
            for (int k = 0; k < n % 40; ++k) {
                state = state * 1664525u + 1013904223u;
                bytes += char(state >> 24);
            }
            for (int32_t id : tok_->encode(bytes)) QVERIFY(id >= 0 && id < kBos);
        }
    }

    void compactVocabulary() {
        // A reduced vocabulary keeps the original ids of the byte symbols, of the first K merges
        // and of the special tokens; tokenizing with the first K merges must only need those.
        const QJsonObject compact = cases_["compact"].toObject();
        const int k = compact["max_merges"].toInt();
        QVERIFY(k > 0);
        QJsonObject vocab;
        const QJsonObject full = readJson(kData + "/clip-bpe/vocab.json");
        for (auto it = full.begin(); it != full.end(); ++it)
            if (it.value().toInt() < 512 + k || it.value().toInt() >= kBos) vocab.insert(it.key(), it.value());
        QTemporaryDir dir;
        const std::string vocabPath = writeFile(dir, "vocab.json", QJsonDocument(vocab).toJson(QJsonDocument::Compact));
        const ClipTokenizer small = ClipTokenizer::fromFiles(vocabPath, kMerges, k);
        QCOMPARE(small.vocabSize(), size_t(512 + k + 2));
        QCOMPARE(small.mergeCount(), size_t(k));
        for (const auto& v : compact["cases"].toArray()) {
            const QJsonObject c = v.toObject();
            const std::string text = c["text"].toString().toStdString();
            QCOMPARE(toList(small.encode(text)), toList(c["ids"].toArray()));
            QCOMPARE(QString::fromStdString(small.decode(small.encode(text))), QString::fromStdString(tok_->decode(tok_->encode(text))));
        }
        // Without merges every byte is its own token.
        const ClipTokenizer bytesOnly = ClipTokenizer::fromFiles(vocabPath, kMerges, 0);
        QCOMPARE(toList(bytesOnly.encode("cat")), QList<int>({66, 64, 339}));
    }

    void missingByteSymbols() {
        // Only the plain byte symbols (ids < 256), "t" removed: a final "x</w>" falls back to "x",
        // a byte with neither symbol is dropped.
        const QJsonObject full = readJson(kData + "/clip-bpe/vocab.json");
        QJsonObject vocab;
        for (auto it = full.begin(); it != full.end(); ++it)
            if ((it.value().toInt() < 256 && it.key() != "t") || it.value().toInt() >= kBos) vocab.insert(it.key(), it.value());
        QTemporaryDir dir;
        const std::string vocabPath = writeFile(dir, "vocab.json", QJsonDocument(vocab).toJson(QJsonDocument::Compact));
        const ClipTokenizer bytes = ClipTokenizer::fromFiles(vocabPath, kMerges, 0);
        QCOMPARE(toList(bytes.encode("ca")), QList<int>({66, 64}));
        QCOMPARE(toList(bytes.encode("cat tac")), QList<int>({66, 64, 64, 66}));
    }

    void badFiles_data() {
        QTest::addColumn<QByteArray>("vocab"); // null: the file does not exist
        QTest::addColumn<QByteArray>("merges");
        QTest::addColumn<QString>("blamed"); // the file the message must name
        QTest::addColumn<QString>("detail");
        const QByteArray vocab = R"({"a":0,"b":1,"c":2,"ab":3,"<|startoftext|>":4,"<|endoftext|>":5})";
        const QByteArray merges = "#version: 0.2\na b\n";
        QTest::newRow("missing vocab") << QByteArray() << merges << "vocab.json" << "cannot open";
        QTest::newRow("malformed vocab") << QByteArray(R"({"a":0,)") << merges << "vocab.json" << "line 1";
        QTest::newRow("vocab not an object") << QByteArray("[1, 2]") << merges << "vocab.json" << "object";
        QTest::newRow("non-integer id") << QByteArray(R"({"a":0.5})") << merges << "vocab.json" << "'a'";
        // A single huge id must not make a table of 16.7 million entries (500 MB): ids are bounded
        // by the number of entries.
        QTest::newRow("id 16777215") << QByteArray(R"({"a":0,"b":1,"ab":16777215,"<|startoftext|>":3,"<|endoftext|>":4})") << merges << "vocab.json" << "bounded by the number of entries";
        QTest::newRow("id 2^31") << QByteArray(R"({"a":2147483648})") << merges << "vocab.json" << "'a'";
        QTest::newRow("duplicate id") << QByteArray(R"({"a":0,"b":0})") << merges << "vocab.json" << "used twice";
        QTest::newRow("no special tokens") << QByteArray(R"({"a":0,"b":1,"ab":2})") << merges << "vocab.json" << "<|startoftext|>";
        QTest::newRow("missing merges") << vocab << QByteArray() << "merges.txt" << "cannot open";
        QTest::newRow("one field") << vocab << QByteArray("#version: 0.2\na b\nab\n") << "merges.txt" << "line 3";
        QTest::newRow("three fields") << vocab << QByteArray("#version: 0.2\na b c\n") << "merges.txt" << "line 2";
        QTest::newRow("result not in vocab") << vocab << QByteArray("#version: 0.2\na b\nb c\n") << "merges.txt" << "'bc'";
    }
    void badFiles() {
        QFETCH(QByteArray, vocab);
        QFETCH(QByteArray, merges);
        QFETCH(QString, blamed);
        QFETCH(QString, detail);
        QTemporaryDir dir;
        const std::string vocabPath = vocab.isNull() ? dir.filePath("vocab.json").toStdString() : writeFile(dir, "vocab.json", vocab);
        const std::string mergesPath = merges.isNull() ? dir.filePath("merges.txt").toStdString() : writeFile(dir, "merges.txt", merges);
        try {
            ClipTokenizer::fromFiles(vocabPath, mergesPath);
            QFAIL("no qlip::Error thrown");
        } catch (const qlip::Error& e) {
            const QString message = QString::fromStdString(e.what());
            QVERIFY2(message.contains(dir.filePath(blamed)), qPrintable(message));
            QVERIFY2(message.contains(detail), qPrintable(message));
        }
    }
};

QTEST_GUILESS_MAIN(TestTokenizer)
#include "test_tokenizer.moc"
