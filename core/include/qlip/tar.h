#pragma once
// Tar archives (POSIX ustar + pax extended headers, GNU long names read too), the container of
// WebDataset shards. The reader streams: it never holds more than one member, checks every
// header's checksum and numeric fields, and refuses truncated or oversized members with a
// qlip::Error naming the archive, the member and its byte offset. The writer produces
// deterministic archives (mtime 0, uid/gid 0, mode 0644, no user names), so the same members in
// the same order always give the same bytes.
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace qlip::tar {

struct ReaderLimits {
    uint64_t maxMemberBytes = uint64_t(1) << 30; // 1 GiB: larger data members are refused
    uint64_t maxHeaderBytes = uint64_t(1) << 20; // pax / GNU long-name payloads
};

struct Member {
    std::string name;        // full path: pax `path`, GNU long name or ustar prefix/name
    uint64_t size = 0;       // data bytes
    uint64_t headerOffset = 0; // where its (first) header starts in the archive
    uint64_t dataOffset = 0;   // where its data starts
};

class Reader {
public:
    // `archiveName` is used in error messages only. The stream must outlive the reader.
    Reader(std::istream& in, std::string archiveName, ReaderLimits limits = {});

    // The next regular file (directories, links and other entries are skipped). Returns false at
    // the end of the archive (two zero blocks, or the end of the stream right after a member).
    // With `data` null the member's bytes are skipped (seeking when the stream can).
    bool next(Member& member, std::vector<uint8_t>* data);

    const std::string& archiveName() const { return name_; }

private:
    bool readBlock(uint8_t* block); // false on a clean end of stream at a block boundary
    void readExact(uint8_t* dst, uint64_t size, const std::string& what, uint64_t at);
    void skip(uint64_t size, const std::string& what, uint64_t at);
    std::string readPayload(uint64_t size, const std::string& what, uint64_t at);

    std::istream& in_;
    std::string name_;
    ReaderLimits limits_;
    uint64_t offset_ = 0;
    bool ended_ = false;
};

class Writer {
public:
    Writer(std::ostream& out, std::string archiveName);
    // A regular file. Names longer than ustar allows get a pax `path` record first.
    void add(const std::string& name, const void* data, size_t size);
    // The two zero blocks that end an archive; then flushes and checks the stream.
    void finish();
    uint64_t bytesWritten() const { return offset_; }

private:
    void write(const void* data, size_t size);
    void writeHeader(const std::string& name, uint64_t size, char type);
    std::ostream& out_;
    std::string name_;
    uint64_t offset_ = 0;
};

// Reads every regular member of an in-memory archive (tests, fuzzing, small files).
std::vector<std::pair<Member, std::vector<uint8_t>>> readAll(const std::string& bytes, const std::string& archiveName,
                                                             ReaderLimits limits = {});

} // namespace qlip::tar
