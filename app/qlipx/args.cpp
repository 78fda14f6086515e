#include "args.h"

#include "qlip/error.h"

#include <cerrno>
#include <cmath>
#include <climits>
#include <cstdio>
#include <cstdlib>

namespace qlipx {

Args::Args(std::string command, std::string usage, std::string summary)
    : command_(std::move(command)), usage_(std::move(usage)), summary_(std::move(summary)) {
    flag("help", 'h', "show this help");
}

Args& Args::option(const std::string& name, char shortName, const std::string& valueName, const std::string& help,
                   const std::string& defaultValue) {
    specs_.push_back({name, shortName, valueName, help, defaultValue});
    return *this;
}

Args& Args::flag(const std::string& name, char shortName, const std::string& help) {
    specs_.push_back({name, shortName, "", help, ""});
    return *this;
}

const Args::Spec* Args::find(const std::string& longName, char shortName) const {
    for (const auto& s : specs_)
        if ((!longName.empty() && s.name == longName) || (shortName && s.shortName == shortName)) return &s;
    return nullptr;
}

bool Args::parse(int argc, char** argv) {
    bool onlyPositionals = false;
    for (int i = 0; i < argc; ++i) {
        std::string a = argv[i];
        if (onlyPositionals || a.size() < 2 || a[0] != '-' || a == "-") { positionals_.push_back(a); continue; }
        if (a == "--") { onlyPositionals = true; continue; }
        std::string inlineValue;
        bool hasInline = false;
        const Spec* spec;
        if (a[1] == '-') {
            std::string name = a.substr(2);
            if (auto eq = name.find('='); eq != std::string::npos) {
                inlineValue = name.substr(eq + 1);
                name = name.substr(0, eq);
                hasInline = true;
            }
            spec = find(name, 0);
        } else {
            if (a.size() != 2) throw qlip::Error(command_ + ": unknown option '" + a + "' (see --help)");
            spec = find("", a[1]);
        }
        if (!spec) throw qlip::Error(command_ + ": unknown option '" + a + "' (see --help)");
        if (spec->name == "help") {
            std::fputs(help().c_str(), stdout);
            return false;
        }
        if (spec->valueName.empty()) {
            if (hasInline) throw qlip::Error(command_ + ": --" + spec->name + " takes no value");
            values_[spec->name].push_back("1");
            continue;
        }
        if (!hasInline) {
            if (i + 1 >= argc) throw qlip::Error(command_ + ": --" + spec->name + " needs a value " + spec->valueName);
            inlineValue = argv[++i];
        }
        values_[spec->name].push_back(inlineValue);
    }
    checkIntRanges(); // a bad number is refused at once, before any model is loaded
    return true;
}

bool Args::has(const std::string& name) const { return values_.count(name) > 0; }

std::string Args::value(const std::string& name) const {
    auto it = values_.find(name);
    if (it != values_.end()) return it->second.back();
    const Spec* s = find(name, 0);
    return s ? s->defaultValue : std::string();
}

std::vector<std::string> Args::values(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? std::vector<std::string>{} : it->second;
}

namespace {

struct IntRange {
    const char* name;
    long min, max;
};

// The range of every integer option of every command, by name (the same name means the same kind
// of number everywhere). 0 keeps its documented meaning where it has one ("all cores", "all").
// Upper bounds are generous but finite: --threads 99999 must not try to start 99999 threads.
constexpr IntRange kIntRanges[] = {
    {"threads", 0, 1024},          // 0 = all cores
    {"batch", 1, 4096},
    {"top", 0, 1000000},           // 0 = all
    {"top-k", 0, 1 << 28},         // 0 = all
    {"repeats", 1, 10000},
    {"samples", 1, 100000},
    {"merge-count", 1, 1000000},
    {"width", 1, 16384},
    {"layers", 1, 256},
    {"decoder-layers", 1, 256},
    {"text-layers", 1, 256},
    {"heads", 1, 256},
    {"mlp", 1, 65536},
    {"head-mlp", 1, 65536},
    {"groups", 1, 64},
    {"gpt-b-positions", 1, 65536},
};

const IntRange* rangeOf(const std::string& name) {
    for (const auto& r : kIntRanges)
        if (name == r.name) return &r;
    return nullptr;
}

} // namespace

int Args::intValue(const std::string& name) const {
    const IntRange* r = rangeOf(name);
    return intValue(name, r ? r->min : INT_MIN, r ? r->max : INT_MAX);
}

int Args::intValue(const std::string& name, long min, long max) const {
    std::string v = value(name);
    char* end = nullptr;
    errno = 0;
    long r = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end) throw qlip::Error(command_ + ": --" + name + " expects an integer, got '" + v + "'");
    if (errno == ERANGE || r < min || r > max)
        throw qlip::Error(command_ + ": --" + name + " must be between " + std::to_string(min) + " and " + std::to_string(max) +
                          " (got " + v + ")");
    return int(r);
}

void Args::checkIntRanges() const {
    for (const auto& [name, given] : values_)
        if (rangeOf(name) && find(name, 0) && !find(name, 0)->valueName.empty()) intValue(name);
}

double Args::doubleValue(const std::string& name) const {
    std::string v = value(name);
    char* end = nullptr;
    double r = std::strtod(v.c_str(), &end);
    // strtod also reads "nan" and "inf": no option means anything by them, and they would reach
    // outputs (generation metadata) that JSON cannot hold.
    if (v.empty() || *end || !std::isfinite(r)) throw qlip::Error(command_ + ": --" + name + " expects a number, got '" + v + "'");
    return r;
}

std::string Args::help() const {
    std::string s = "Usage: qlipx " + command_ + " " + usage_ + "\n\n" + summary_ + "\n\nOptions:\n";
    for (const auto& spec : specs_) {
        std::string left = "  ";
        left += spec.shortName ? std::string("-") + spec.shortName + ", " : "    ";
        left += "--" + spec.name + (spec.valueName.empty() ? "" : " " + spec.valueName);
        if (left.size() < 30) left.append(30 - left.size(), ' ');
        else left += "\n" + std::string(30, ' ');
        s += left + spec.help;
        if (!spec.defaultValue.empty()) s += " (default: " + spec.defaultValue + ")";
        s += "\n";
    }
    return s;
}

} // namespace qlipx
