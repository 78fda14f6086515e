#pragma once
// A small JSON reader (RFC 8259) for config files and safetensors headers. Core stays free of
// Qt and third-party libraries so it builds with LibTorch alone.
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
    Json(int i) : v_(double(i)) {}
    Json(int64_t i) : v_(double(i)) {}
    Json(std::string s) : v_(std::move(s)) {}
    Json(const char* s) : v_(std::string(s)) {}
    Json(Array a) : v_(std::make_shared<Array>(std::move(a))) {}
    Json(Object o) : v_(std::make_shared<Object>(std::move(o))) {}

    // Throws qlip::Error("<what>: <reason> at line L, column C") on malformed input.
    static Json parse(std::string_view text, const std::string& what = "JSON");

    bool isNull() const { return v_.index() == 0; }
    bool isBool() const { return v_.index() == 1; }
    bool isNumber() const { return v_.index() == 2; }
    bool isString() const { return v_.index() == 3; }
    bool isArray() const { return v_.index() == 4; }
    bool isObject() const { return v_.index() == 5; }
    const char* typeName() const;

    // Typed accessors throw qlip::Error naming `what` when the type is wrong.
    bool asBool(const std::string& what = "value") const;
    double asNumber(const std::string& what = "value") const;
    int64_t asInt(const std::string& what = "value") const; // must be integral
    const std::string& asString(const std::string& what = "value") const;
    const Array& asArray(const std::string& what = "value") const;
    const Object& asObject(const std::string& what = "value") const;

    // Object lookup; nullptr when absent or when this is not an object.
    const Json* find(std::string_view key) const;

    std::string dump() const; // compact serialisation

private:
    std::variant<std::monostate, bool, double, std::string, std::shared_ptr<Array>, std::shared_ptr<Object>> v_;
};

} // namespace qlip
