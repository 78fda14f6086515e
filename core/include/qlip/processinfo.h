#pragma once
// Memory and load of the running process, for the explorer's status bar and the benchmarks.
// Linux reads /proc; Windows asks GetProcessMemoryInfo; elsewhere the values are 0 / empty.
// Torch-free and Qt-free.
#include <cstdint>
#include <string>

namespace qlip {

// Resident set size (Windows: working set) in bytes; 0 when unknown.
uint64_t residentBytes();
// Peak resident set size since the start or the last resetPeakResident(), in bytes; 0 when unknown.
uint64_t peakResidentBytes();
// Starts a new peak from the current resident size (Linux: /proc/self/clear_refs). False where
// the system cannot (Windows: the peak then stays the peak since the process started).
bool resetPeakResident();
// This process's id, e.g. to name temporary files that no other process writes.
int processId();
// The system's 1/5/15-minute load averages as text ("0.52 0.40 0.31"); empty where there are none.
std::string loadAverageText();

} // namespace qlip
