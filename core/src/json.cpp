#include "qlip/json.h"

#include "qlip/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <iterator>

namespace qlip {
namespace {

constexpr size_t kMaxDepth = 256;          // deeper documents are refused: destroying them recurses
constexpr double kExactDoubleLimit = 9007199254740992.0; // 2^53: beyond it a double may not be what was written

// A char iterator that counts how far nlohmann's lexer has read, so that errors found by our
// handler (duplicate keys, depth) can name a line and column like nlohmann's own errors.
class CountingIterator {
public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = char;
    using difference_type = std::ptrdiff_t;
    using pointer = const char*;
    using reference = const char&;

    CountingIterator(const char* p, const char* base, size_t* furthest) : p_(p), base_(base), furthest_(furthest) {}
    reference operator*() const { return *p_; }
    CountingIterator& operator++() {
        ++p_;
        if (size_t(p_ - base_) > *furthest_) *furthest_ = size_t(p_ - base_);
        return *this;
    }
    CountingIterator operator++(int) { auto copy = *this; ++*this; return copy; }
    bool operator==(const CountingIterator& o) const { return p_ == o.p_; }
    bool operator!=(const CountingIterator& o) const { return p_ != o.p_; }

private:
    const char* p_;
    const char* base_;
    size_t* furthest_;
};

// Builds a qlip::Json from nlohmann's SAX events. Iterative: nesting never uses the C++ stack.
class Builder : public nlohmann::json_sax<nlohmann::json> {
public:
    std::string error;     // our own reason, or nlohmann's
    size_t errorAt = 0;    // bytes read when the error was found (nlohmann's own errors say exactly)
    Json root;

    explicit Builder(const size_t* read) : read_(read) {}

    bool null() override { return add(Json()); }
    bool boolean(bool v) override { return add(Json(v)); }
    bool number_integer(number_integer_t v) override { return add(Json(int64_t(v))); }
    bool number_unsigned(number_unsigned_t v) override { return add(Json(uint64_t(v))); }
    bool number_float(number_float_t v, const string_t&) override {
        // nlohmann turns out-of-range literals (1e999) into infinities; JSON has no such numbers.
        if (!std::isfinite(v)) return fail("number out of range");
        return add(Json(double(v)));
    }
    bool string(string_t& v) override { return add(Json(std::move(v))); }
    bool binary(binary_t&) override { return fail("binary data"); }
    bool start_object(std::size_t) override { return open(true); }
    bool key(string_t& k) override {
        Frame& f = stack_.back();
        if (f.object.count(k)) return fail("duplicate key \"" + k + "\"");
        f.key = std::move(k);
        return true;
    }
    bool end_object() override { return close(); }
    bool start_array(std::size_t) override { return open(false); }
    bool end_array() override { return close(); }
    bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) override {
        error = reasonOf(ex.what());
        errorAt = position > 0 ? position - 1 : 0;
        return false;
    }

private:
    struct Frame {
        bool isObject;
        Json::Array array;
        Json::Object object;
        std::string key;
    };

    bool fail(std::string why) {
        error = std::move(why);
        errorAt = *read_ > 0 ? *read_ - 1 : 0;
        return false;
    }
    bool open(bool isObject) {
        if (stack_.size() >= kMaxDepth) return fail("nesting too deep");
        stack_.push_back(Frame{isObject, {}, {}, {}});
        return true;
    }
    bool close() {
        Frame f = std::move(stack_.back());
        stack_.pop_back();
        return add(f.isObject ? Json(std::move(f.object)) : Json(std::move(f.array)));
    }
    bool add(Json v) {
        if (stack_.empty()) root = std::move(v);
        else if (stack_.back().isObject) stack_.back().object.emplace(std::move(stack_.back().key), std::move(v));
        else stack_.back().array.push_back(std::move(v));
        return true;
    }
    // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error while
    // parsing value - invalid literal; last read: 'tru'" -> the part after the position.
    static std::string reasonOf(const std::string& message) {
        std::string reason = message;
        if (!reason.empty() && reason[0] == '[' && reason.find("] ") != std::string::npos)
            reason = reason.substr(reason.find("] ") + 2);
        if (reason.rfind("parse error", 0) == 0 && reason.find(": ") != std::string::npos)
            reason = reason.substr(reason.find(": ") + 2);
        if (reason.size() > 200) reason = reason.substr(0, 200) + "...";
        return reason;
    }

    const size_t* read_;
    std::vector<Frame> stack_;
};

std::string lineAndColumn(std::string_view text, size_t at) {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < at && i < text.size(); ++i) {
        if (text[i] == '\n') { ++line; col = 1; } else { ++col; }
    }
    return " at line " + std::to_string(line) + ", column " + std::to_string(col);
}

std::string formatNumber(double d) { return nlohmann::json(d).dump(); }

// Converts to nlohmann's document for writing; `where` is the path shown in errors ("a[3].b").
nlohmann::json toNlohmann(const Json& j, const std::string& where) {
    if (j.isNull()) return nullptr;
    if (j.isBool()) return j.asBool();
    if (j.isInteger()) {
        try { return j.asInt(); } catch (const Error&) { return j.asUInt(); }
    }
    if (j.isNumber()) {
        double d = j.asNumber();
        if (!std::isfinite(d))
            throw Error("JSON writer: " + std::string(std::isnan(d) ? "NaN" : "an infinite number") + " at " +
                        (where.empty() ? std::string("the top level") : where) + " cannot be written (JSON has no such numbers)");
        // Integral values are written without ".0", as they always were (and read back exactly).
        if (d == std::floor(d) && std::fabs(d) < kExactDoubleLimit) return int64_t(d);
        return d;
    }
    if (j.isString()) return j.asString();
    if (j.isArray()) {
        nlohmann::json out = nlohmann::json::array();
        const auto& a = j.asArray();
        for (size_t i = 0; i < a.size(); ++i) out.push_back(toNlohmann(a[i], where + "[" + std::to_string(i) + "]"));
        return out;
    }
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, v] : j.asObject()) out[k] = toNlohmann(v, where.empty() ? k : where + "." + k);
    return out;
}

Error typeError(const std::string& what, const char* want, const char* got) {
    return Error(what + ": expected " + want + ", got " + got);
}

} // namespace

Json Json::parse(std::string_view text, const std::string& what) {
    size_t read = 0;
    Builder builder(&read);
    CountingIterator first(text.data(), text.data(), &read), last(text.data() + text.size(), text.data(), &read);
    bool ok = false;
    try {
        ok = nlohmann::json::sax_parse(first, last, &builder, nlohmann::json::input_format_t::json, true, false);
    } catch (const nlohmann::json::exception& e) { // defensive: the SAX interface reports errors itself
        builder.error = e.what();
        builder.errorAt = read;
    }
    if (!ok) {
        if (builder.error.empty()) builder.error = "malformed JSON";
        throw Error(what + ": " + builder.error + lineAndColumn(text, builder.errorAt));
    }
    return std::move(builder.root);
}

const char* Json::typeName() const {
    static const char* names[] = {"null", "boolean", "number", "number", "number", "string", "array", "object"};
    return names[v_.index()];
}

bool Json::asBool(const std::string& what) const {
    if (!isBool()) throw typeError(what, "a boolean", typeName());
    return std::get<bool>(v_);
}

double Json::asNumber(const std::string& what) const {
    switch (v_.index()) {
    case kInt: return double(std::get<int64_t>(v_));
    case kUInt: return double(std::get<uint64_t>(v_));
    case kDouble: return std::get<double>(v_);
    default: throw typeError(what, "a number", typeName());
    }
}

int64_t Json::asInt(const std::string& what) const {
    if (v_.index() == kInt) return std::get<int64_t>(v_);
    if (v_.index() == kUInt)
        throw Error(what + ": " + std::to_string(std::get<uint64_t>(v_)) + " is too large (at most 2^63-1)");
    double d = asNumber(what);
    if (d != std::floor(d)) throw Error(what + ": expected an integer, got " + formatNumber(d));
    if (std::fabs(d) > kExactDoubleLimit)
        throw Error(what + ": " + formatNumber(d) + " is too large to be read as an exact integer (write it without exponent, at most 2^63-1)");
    return int64_t(d);
}

uint64_t Json::asUInt(const std::string& what) const {
    if (v_.index() == kUInt) return std::get<uint64_t>(v_);
    int64_t i = asInt(what);
    if (i < 0) throw Error(what + ": expected a non-negative integer, got " + std::to_string(i));
    return uint64_t(i);
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
    nlohmann::json doc = toNlohmann(*this, "");
    try {
        return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
    } catch (const nlohmann::json::type_error& e) {
        throw Error(std::string("JSON writer: a string is not valid UTF-8 (") + e.what() + ")");
    }
}

} // namespace qlip
