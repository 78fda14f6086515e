#pragma once
// JSON documents for config files, safetensors headers, index and session files. Parsing and
// number formatting are done by nlohmann-json (fuzzed upstream); this class keeps the small
// interface the rest of the code uses and our error messages ("<file>: <reason> at line L,
// column C"). Integers are kept exactly (int64, or uint64 above INT64_MAX), never as doubles.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace qlip {

class Json {
public:
    using Array = std::vector<Json>;
    using Object = std::map<std::string, Json, std::less<>>;

    Json() = default; // null
    Json(std::nullptr_t) {}
    Json(bool b) : v_(b) {}
    Json(double d) : v_(d) {}
    Json(int i) : v_(int64_t(i)) {}
    Json(int64_t i) : v_(i) {}
    Json(uint64_t u) { if (u <= uint64_t(INT64_MAX)) v_ = int64_t(u); else v_ = u; }
    Json(std::string s) : v_(std::move(s)) {}
    Json(const char* s) : v_(std::string(s)) {}
    Json(Array a) : v_(std::make_shared<Array>(std::move(a))) {}
    Json(Object o) : v_(std::make_shared<Object>(std::move(o))) {}

    // Throws qlip::Error("<what>: <reason> at line L, column C") on malformed input: invalid
    // syntax or UTF-8, duplicate keys, nesting deeper than 256.
    static Json parse(std::string_view text, const std::string& what = "JSON");

    bool isNull() const { return v_.index() == kNull; }
    bool isBool() const { return v_.index() == kBool; }
    bool isNumber() const { return isInteger() || v_.index() == kDouble; }
    bool isInteger() const { return v_.index() == kInt || v_.index() == kUInt; } // written without '.'/exponent
    bool isString() const { return v_.index() == kString; }
    bool isArray() const { return v_.index() == kArray; }
    bool isObject() const { return v_.index() == kObject; }
    const char* typeName() const;

    // Typed accessors throw qlip::Error naming `what` when the type is wrong.
    bool asBool(const std::string& what = "value") const;
    double asNumber(const std::string& what = "value") const;
    // Exact integers only: 2.5, 1e300, 2^64 and doubles beyond 2^53 (which may not be what the file
    // says) are refused. An integral double such as 1e12 or 64.0 is accepted.
    int64_t asInt(const std::string& what = "value") const;
    uint64_t asUInt(const std::string& what = "value") const; // as asInt, non-negative, up to 2^64-1
    const std::string& asString(const std::string& what = "value") const;
    const Array& asArray(const std::string& what = "value") const;
    const Object& asObject(const std::string& what = "value") const;

    // Object lookup; nullptr when absent or when this is not an object.
    const Json* find(std::string_view key) const;

    // Compact serialisation. Throws qlip::Error for what JSON cannot hold (NaN, infinities,
    // strings that are not UTF-8), naming where in the document it is; so dump() never writes
    // anything parse() would refuse.
    std::string dump() const;

private:
    enum { kNull, kBool, kInt, kUInt, kDouble, kString, kArray, kObject };
    std::variant<std::monostate, bool, int64_t, uint64_t, double, std::string, std::shared_ptr<Array>,
                 std::shared_ptr<Object>>
        v_;
};

} // namespace qlip
