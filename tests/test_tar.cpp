// The tar reader and writer and WebDataset grouping: round trips, pax long names, archives from
// another writer (Python's tarfile, GNU and pax formats, checked in below as bytes built here),
// and every way a damaged archive must be refused with the archive, member and offset named.
#include "errorof.h"
#include "qlip/error.h"
#include "qlip/tar.h"
#include "qlip/webdataset.h"

#include <QtTest>
#include <cstring>
#include <sstream>

using namespace qlip;

namespace {

std::string archive(const std::vector<std::pair<std::string, std::string>>& files) {
    std::ostringstream out;
    tar::Writer w(out, "test.tar");
    for (const auto& [name, data] : files) w.add(name, data.data(), data.size());
    w.finish();
    return out.str();
}

std::string text(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }


// Rewrites the checksum of the header at `offset` after a test edited it.
void fixChecksum(std::string& bytes, size_t offset) {
    std::memset(&bytes[offset + 148], ' ', 8);
    unsigned sum = 0;
    for (size_t i = 0; i < 512; ++i) sum += uint8_t(bytes[offset + i]);
    std::snprintf(&bytes[offset + 148], 8, "%06o", sum);
    bytes[offset + 155] = ' ';
}

} // namespace

class TestTar : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTrip() {
        const std::string big(1000, 'x');
        const auto bytes = archive({{"a.txt", "hello"}, {"dir/b.bin", std::string("\0\1\2", 3)}, {"empty", ""}, {"big", big}});
        QCOMPARE(bytes.size() % 512, size_t(0));
        const auto members = tar::readAll(bytes, "test.tar");
        QCOMPARE(members.size(), size_t(4));
        QCOMPARE(members[0].first.name, std::string("a.txt"));
        QCOMPARE(text(members[0].second), std::string("hello"));
        QCOMPARE(text(members[1].second), std::string("\0\1\2", 3));
        QCOMPARE(members[2].first.size, uint64_t(0));
        QCOMPARE(text(members[3].second), big);
        QCOMPARE(members[1].first.dataOffset, uint64_t(512 * 3)); // header, data block, header
    }

    void writerIsDeterministic() {
        const auto a = archive({{"k.json", "{}"}, {"k.npy", "123"}});
        const auto b = archive({{"k.json", "{}"}, {"k.npy", "123"}});
        QCOMPARE(a, b);
    }

    void paxLongNames() {
        const std::string longName = std::string(150, 'd') + "/" + std::string(120, 'f') + ".tokens.npy";
        const auto members = tar::readAll(archive({{longName, "data"}, {"short", "s"}}), "test.tar");
        QCOMPARE(members.size(), size_t(2));
        QCOMPARE(members[0].first.name, longName);
        QCOMPARE(text(members[0].second), std::string("data"));
        QCOMPARE(members[1].first.name, std::string("short"));
    }

    void ustarPrefixAndDirectories() {
        // A directory entry is skipped; a ustar prefix is joined to the name.
        std::string bytes = archive({{"placeholder", "x"}});
        std::string dir = bytes.substr(0, 512);
        std::memset(&dir[0], 0, 100);
        std::memcpy(&dir[0], "folder/", 7);
        dir[156] = '5';
        std::snprintf(&dir[124], 12, "%011o", 0);
        fixChecksum(dir, 0);
        std::string file = bytes.substr(0, 1024);
        std::memset(&file[0], 0, 100);
        std::memcpy(&file[0], "name.png", 8);
        std::memcpy(&file[345], "some/prefix", 11);
        fixChecksum(file, 0);
        const auto members = tar::readAll(dir + file + std::string(1024, '\0'), "p.tar");
        QCOMPARE(members.size(), size_t(1));
        QCOMPARE(members[0].first.name, std::string("some/prefix/name.png"));
    }

    void base256Size() {
        std::string bytes = archive({{"f", "abc"}});
        std::memset(&bytes[124], 0, 12);
        bytes[124] = char(0x80);
        bytes[135] = 3; // base-256 3
        fixChecksum(bytes, 0);
        const auto members = tar::readAll(bytes, "b.tar");
        QCOMPARE(text(members.at(0).second), std::string("abc"));
    }

    void corruptChecksum() {
        std::string bytes = archive({{"a.txt", "hello"}, {"b.txt", "world"}});
        bytes[1024 + 2] ^= 0x20; // second header's name
        const auto msg = errorOf([&] { tar::readAll(bytes, "shard-7.tar"); });
        QVERIFY2(msg.find("shard-7.tar") != std::string::npos && msg.find("offset 1024") != std::string::npos &&
                     msg.find("checksum") != std::string::npos, msg.c_str());
    }

    void truncatedMember() {
        const std::string bytes = archive({{"a.txt", "hello"}, {"img.jpg", std::string(3000, 'j')}});
        const std::string cut = bytes.substr(0, 1024 + 512 + 1000);
        const auto msg = errorOf([&] { tar::readAll(cut, "shard-3.tar"); });
        QVERIFY2(msg.find("shard-3.tar") != std::string::npos && msg.find("img.jpg") != std::string::npos &&
                     msg.find("truncated") != std::string::npos && msg.find("offset 1024") != std::string::npos, msg.c_str());
        // The same through the header-only (skipping) path.
        std::istringstream in(cut);
        tar::Reader reader(in, "shard-3.tar");
        tar::Member m;
        QVERIFY(reader.next(m, nullptr));
        QVERIFY(errorOf([&] { reader.next(m, nullptr); }).find("truncated") != std::string::npos);
        // A header cut in half.
        QVERIFY(errorOf([&] { tar::readAll(bytes.substr(0, 1024 + 200), "h.tar"); }).find("truncated header") != std::string::npos);
    }

    void hugeSizeField() {
        std::string bytes = archive({{"f", "abc"}});
        std::snprintf(&bytes[124], 12, "%011o", 07777777777u); // 1 GiB - 1 is allowed by default ...
        fixChecksum(bytes, 0);
        tar::ReaderLimits small;
        small.maxMemberBytes = 1 << 20; // ... but not under a 1 MiB limit, and nothing is allocated
        const auto msg = errorOf([&] { tar::readAll(bytes, "h.tar", small); });
        QVERIFY2(msg.find("limit") != std::string::npos && msg.find("'f'") != std::string::npos, msg.c_str());
        // Base-256 beyond 64 bits, negative base-256, non-octal digits.
        std::string b = archive({{"f", "abc"}});
        std::memset(&b[124], 0xff, 12);
        fixChecksum(b, 0);
        QVERIFY(errorOf([&] { tar::readAll(b, "n.tar"); }).find("base-256") != std::string::npos);
        std::string c = archive({{"f", "abc"}});
        std::memcpy(&c[124], "00000000z03", 11);
        fixChecksum(c, 0);
        QVERIFY(errorOf([&] { tar::readAll(c, "z.tar"); }).find("not an octal number") != std::string::npos);
    }

    void malformedPax() {
        std::string bytes = archive({{std::string(120, 'n'), "x"}});
        // The pax record starts at 512: break its length so it disagrees with the text.
        bytes[512] = '9';
        QVERIFY(errorOf([&] { tar::readAll(bytes, "x.tar"); }).find("pax record") != std::string::npos);
    }

    void endWithoutZeroBlocksIsAccepted() {
        const std::string bytes = archive({{"a", "1"}});
        QCOMPARE(tar::readAll(bytes.substr(0, 1024), "a.tar").size(), size_t(1));
        QCOMPARE(tar::readAll("", "empty.tar").size(), size_t(0));
    }

    void webDatasetKeys() {
        QCOMPARE(wds::splitKey("dir/abc.seg.png"), std::make_pair(std::string("dir/abc"), std::string("seg.png")));
        QCOMPARE(wds::splitKey("d.x/abc"), std::make_pair(std::string("d.x/abc"), std::string()));
        QVERIFY(wds::isImageExtension("JPG"));
        QVERIFY(wds::isImageExtension("seg.png"));
        QVERIFY(!wds::isImageExtension("txt"));
        QCOMPARE(wds::pickImageExtension({"txt", "png", "jpg"}), std::string("jpg"));
        QCOMPARE(wds::pickImageExtension({"txt", "cls"}), std::string());
    }

    void webDatasetGrouping() {
        const auto bytes = archive({{"s1.jpg", "J1"}, {"s1.txt", "T1"}, {"s2.png", "P2"}, {"s2.json", "{}"}, {"s3.txt", "T3"}});
        std::istringstream in(bytes);
        tar::Reader reader(in, "w.tar");
        wds::SampleReader samples(reader);
        wds::Sample s;
        std::vector<std::string> keys;
        std::vector<size_t> sizes;
        while (samples.next(s)) {
            keys.push_back(s.key);
            sizes.push_back(s.members.size());
        }
        QCOMPARE(keys, (std::vector<std::string>{"s1", "s2", "s3"}));
        QCOMPARE(sizes, (std::vector<size_t>{2, 2, 1}));
        std::istringstream in2(bytes);
        tar::Reader reader2(in2, "w.tar");
        wds::SampleReader samples2(reader2);
        QVERIFY(samples2.next(s));
        QCOMPARE(text(s.find("txt")->data), std::string("T1"));
        QVERIFY(s.find("png") == nullptr);
    }
};

QTEST_GUILESS_MAIN(TestTar)
#include "test_tar.moc"
