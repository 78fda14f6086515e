#include "qlip/json.h"

#include "qlip/error.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace qlip {
namespace {

constexpr int kMaxDepth = 256; // deeper nesting is rejected instead of overflowing the stack

class Parser {
public:
    Parser(std::string_view text, const std::string& what) : s_(text), what_(what) {}

    Json document() {
        skipSpace();
        Json v = value(0);
        skipSpace();
        if (pos_ != s_.size()) fail("unexpected characters after the value");
        return v;
    }

private:
    [[noreturn]] void fail(const std::string& why) const {
        size_t line = 1, col = 1;
        for (size_t i = 0; i < pos_ && i < s_.size(); ++i) {
            if (s_[i] == '\n') { ++line; col = 1; } else { ++col; }
        }
        throw Error(what_ + ": " + why + " at line " + std::to_string(line) + ", column " + std::to_string(col));
    }

    void skipSpace() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
    }

    bool consume(std::string_view word) {
        if (s_.substr(pos_, word.size()) == word) { pos_ += word.size(); return true; }
        return false;
    }

    Json value(int depth) {
        if (depth > kMaxDepth) fail("nesting too deep");
        if (pos_ >= s_.size()) fail("unexpected end of input");
        char c = s_[pos_];
        if (c == '{') return object(depth);
        if (c == '[') return array(depth);
        if (c == '"') return Json(string());
        if (consume("true")) return Json(true);
        if (consume("false")) return Json(false);
        if (consume("null")) return Json();
        if (c == '-' || (c >= '0' && c <= '9')) return Json(number());
        fail(std::string("unexpected character '") + c + "'");
    }

    Json object(int depth) {
        ++pos_; // '{'
        Json::Object obj;
        skipSpace();
        if (consume("}")) return Json(std::move(obj));
        for (;;) {
            skipSpace();
            if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected a string key");
            std::string key = string();
            skipSpace();
            if (!consume(":")) fail("expected ':' after key \"" + key + "\"");
            skipSpace();
            Json v = value(depth + 1);
            if (obj.count(key)) fail("duplicate key \"" + key + "\"");
            obj.emplace(std::move(key), std::move(v));
            skipSpace();
            if (consume(",")) continue;
            if (consume("}")) return Json(std::move(obj));
            fail("expected ',' or '}' in object");
        }
    }

    Json array(int depth) {
        ++pos_; // '['
        Json::Array arr;
        skipSpace();
        if (consume("]")) return Json(std::move(arr));
        for (;;) {
            skipSpace();
            arr.push_back(value(depth + 1));
            skipSpace();
            if (consume(",")) continue;
            if (consume("]")) return Json(std::move(arr));
            fail("expected ',' or ']' in array");
        }
    }

    double number() {
        size_t start = pos_;
        if (s_[pos_] == '-') ++pos_;
        auto digits = [&] {
            size_t d = pos_;
            while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
            return pos_ - d;
        };
        if (digits() == 0) fail("malformed number");
        if (pos_ < s_.size() && s_[pos_] == '.') { ++pos_; if (digits() == 0) fail("malformed number"); }
        if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
            if (digits() == 0) fail("malformed number");
        }
        std::string token(s_.substr(start, pos_ - start));
        return std::strtod(token.c_str(), nullptr);
    }

    unsigned hex4() {
        if (pos_ + 4 > s_.size()) fail("truncated \\u escape");
        unsigned v = 0;
        for (int i = 0; i < 4; ++i) {
            char c = s_[pos_++];
            v <<= 4;
            if (c >= '0' && c <= '9') v |= unsigned(c - '0');
            else if (c >= 'a' && c <= 'f') v |= unsigned(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') v |= unsigned(c - 'A' + 10);
            else fail("bad \\u escape");
        }
        return v;
    }

    static void appendUtf8(std::string& out, unsigned cp) {
        if (cp < 0x80) out += char(cp);
        else if (cp < 0x800) { out += char(0xC0 | (cp >> 6)); out += char(0x80 | (cp & 0x3F)); }
        else if (cp < 0x10000) {
            out += char(0xE0 | (cp >> 12)); out += char(0x80 | ((cp >> 6) & 0x3F)); out += char(0x80 | (cp & 0x3F));
        } else {
            out += char(0xF0 | (cp >> 18)); out += char(0x80 | ((cp >> 12) & 0x3F));
            out += char(0x80 | ((cp >> 6) & 0x3F)); out += char(0x80 | (cp & 0x3F));
        }
    }

    std::string string() {
        ++pos_; // opening quote
        std::string out;
        for (;;) {
            if (pos_ >= s_.size()) fail("unterminated string");
            char c = s_[pos_++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
            if (c != '\\') { out += c; continue; }
            if (pos_ >= s_.size()) fail("unterminated string");
            char e = s_[pos_++];
            switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                unsigned cp = hex4();
                if (cp >= 0xD800 && cp < 0xDC00) { // surrogate pair
                    if (!consume("\\u")) fail("lone high surrogate");
                    unsigned lo = hex4();
                    if (lo < 0xDC00 || lo > 0xDFFF) fail("bad low surrogate");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else if (cp >= 0xDC00 && cp < 0xE000) {
                    fail("lone low surrogate");
                }
                appendUtf8(out, cp);
                break;
            }
            default: fail(std::string("bad escape '\\") + e + "'");
            }
        }
    }

    std::string_view s_;
    const std::string& what_;
    size_t pos_ = 0;
};

void dumpString(std::string& out, const std::string& s) {
    out += '"';
    for (char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", unsigned(static_cast<unsigned char>(c)));
                out += buf;
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

void dumpValue(std::string& out, const Json& j) {
    if (j.isNull()) out += "null";
    else if (j.isBool()) out += j.asBool() ? "true" : "false";
    else if (j.isNumber()) {
        double d = j.asNumber();
        char buf[40];
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.007199254740992e15)
            std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(d));
        else
            for (int precision = 15; precision <= 17; ++precision) { // shortest text that reads back exactly
                std::snprintf(buf, sizeof buf, "%.*g", precision, d);
                if (std::strtod(buf, nullptr) == d) break;
            }
        out += buf;
    } else if (j.isString()) dumpString(out, j.asString());
    else if (j.isArray()) {
        out += '[';
        bool first = true;
        for (const auto& e : j.asArray()) { if (!first) out += ','; first = false; dumpValue(out, e); }
        out += ']';
    } else {
        out += '{';
        bool first = true;
        for (const auto& [k, v] : j.asObject()) {
            if (!first) out += ',';
            first = false;
            dumpString(out, k);
            out += ':';
            dumpValue(out, v);
        }
        out += '}';
    }
}

} // namespace

Json Json::parse(std::string_view text, const std::string& what) { return Parser(text, what).document(); }

const char* Json::typeName() const {
    static const char* names[] = {"null", "boolean", "number", "string", "array", "object"};
    return names[v_.index()];
}

static Error typeError(const std::string& what, const char* want, const char* got) {
    return Error(what + ": expected " + want + ", got " + got);
}

bool Json::asBool(const std::string& what) const {
    if (!isBool()) throw typeError(what, "a boolean", typeName());
    return std::get<bool>(v_);
}
double Json::asNumber(const std::string& what) const {
    if (!isNumber()) throw typeError(what, "a number", typeName());
    return std::get<double>(v_);
}
int64_t Json::asInt(const std::string& what) const {
    double d = asNumber(what);
    if (d != std::floor(d) || std::fabs(d) > 9.007199254740992e15)
        throw Error(what + ": expected an integer, got " + std::to_string(d));
    return static_cast<int64_t>(d);
}
const std::string& Json::asString(const std::string& what) const {
    if (!isString()) throw typeError(what, "a string", typeName());
    return std::get<std::string>(v_);
}
const Json::Array& Json::asArray(const std::string& what) const {
    if (!isArray()) throw typeError(what, "an array", typeName());
    return *std::get<std::shared_ptr<Array>>(v_);
}
const Json::Object& Json::asObject(const std::string& what) const {
    if (!isObject()) throw typeError(what, "an object", typeName());
    return *std::get<std::shared_ptr<Object>>(v_);
}
const Json* Json::find(std::string_view key) const {
    if (!isObject()) return nullptr;
    const auto& o = *std::get<std::shared_ptr<Object>>(v_);
    auto it = o.find(key);
    return it == o.end() ? nullptr : &it->second;
}
std::string Json::dump() const {
    std::string out;
    dumpValue(out, *this);
    return out;
}

} // namespace qlip
