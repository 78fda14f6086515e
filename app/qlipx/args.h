#pragma once
// A small command-line parser for qlipx (Qt-free so qlipx builds with LibTorch alone):
// `--name value`, `--name=value`, `-n value`, flags, repeated options, positionals, and a
// consistent --help for every command.
#include <map>
#include <string>
#include <vector>

namespace qlipx {

class Args {
public:
    Args(std::string command, std::string usage, std::string summary);

    Args& option(const std::string& name, char shortName, const std::string& valueName, const std::string& help,
                 const std::string& defaultValue = "");
    Args& flag(const std::string& name, char shortName, const std::string& help);

    // Returns false when --help was given (help already printed). Throws qlip::Error on unknown
    // options or a missing value.
    bool parse(int argc, char** argv);

    bool has(const std::string& name) const;
    std::string value(const std::string& name) const;     // last value or the default
    std::vector<std::string> values(const std::string& name) const; // every occurrence
    // Integers are range-checked: by `min`..`max`, or by the range args.cpp gives every integer
    // option name (--threads 0..1024, --batch 1..4096, --top 0..1000000, ...). Throws
    // qlip::Error("qlipx encode: --threads must be between 0 and 1024 (got 99999)").
    int intValue(const std::string& name) const;
    int intValue(const std::string& name, long min, long max) const;
    double doubleValue(const std::string& name) const;
    const std::vector<std::string>& positionals() const { return positionals_; }

    std::string help() const;

private:
    struct Spec {
        std::string name;
        char shortName = 0;
        std::string valueName; // empty: a flag
        std::string help;
        std::string defaultValue;
    };
    const Spec* find(const std::string& longName, char shortName) const;
    void checkIntRanges() const;

    std::string command_, usage_, summary_;
    std::vector<Spec> specs_;
    std::map<std::string, std::vector<std::string>> values_;
    std::vector<std::string> positionals_;
};

} // namespace qlipx
