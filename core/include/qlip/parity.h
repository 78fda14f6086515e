#pragma once
// Golden parity check: run the engine on a folder laid out like shared/golden/tiny-b16
// (config.json, model.safetensors, inputs.safetensors, outputs*.safetensors) and compare every
// reference tensor the engine produces.
#include "qlip/engine.h"

#include <string>
#include <vector>

namespace qlip {

struct ParityOptions {
    EngineOptions engine;
    std::string referenceFile = "outputs.safetensors";
    double floatTolerance = 2e-4;  // absolute; codes, indices and group indices must match exactly
};

struct ParityRow {
    std::string name;
    std::string shape;
    double maxAbsError = 0;
    double tolerance = 0;
    bool exact = false;   // integer/sign tensors compared for equality
    bool passed = false;
    std::string note;     // e.g. a shape mismatch
};

struct ParityReport {
    std::string device;
    std::string precision;
    std::vector<ParityRow> rows;
    std::vector<std::string> skipped; // reference tensors the engine does not produce, with why
    bool passed() const;
};

ParityReport runParity(const std::string& dir, const ParityOptions& options = {});

} // namespace qlip
