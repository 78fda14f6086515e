#pragma once
// Helpers shared by the qlipx commands: engine options, the embedded default model and prior.
#include "args.h"
#include "qlip/engine.h"

#include <chrono>
#include <string>
#include <vector>

namespace qlipx {

void addEngineOptions(Args& a);
qlip::EngineOptions engineOptions(const Args& a);

// A folder under resources/models (installed: ../share/qlip-explorer/models next to the
// executable; from a build folder: the source tree); "" when absent.
std::string defaultResourceFolder(const std::string& name);
std::string defaultModelFolder(); // the embedded emoji QLIP
std::string defaultPriorFolder(); // the embedded prior for it
// -m MODEL, else $QLIPX_MODEL, else the embedded model; throws when none is available.
std::string modelFolder(const Args& a);

double secondsSince(std::chrono::steady_clock::time_point t0);
std::vector<std::string> splitCommas(const std::string& s);

} // namespace qlipx
