#include "qlip/processinfo.h"

#include <fstream>
#include <sstream>

#ifdef _WIN32
#include <process.h> // _getpid
#include "windows_lean.h"
// windows.h first: psapi.h needs its types.
#include <psapi.h>
#else
#include <unistd.h>
#endif

namespace qlip {

#ifdef _WIN32

namespace {
PROCESS_MEMORY_COUNTERS memoryCounters() {
    PROCESS_MEMORY_COUNTERS c{};
    c.cb = sizeof c;
    if (!GetProcessMemoryInfo(GetCurrentProcess(), &c, sizeof c)) c = PROCESS_MEMORY_COUNTERS{};
    return c;
}
} // namespace

uint64_t residentBytes() { return memoryCounters().WorkingSetSize; }
uint64_t peakResidentBytes() { return memoryCounters().PeakWorkingSetSize; }
bool resetPeakResident() { return false; }
int processId() { return _getpid(); }
std::string loadAverageText() { return {}; }

#else

namespace {
// The value of a "Name:   1234 kB" line of /proc/self/status, in bytes; 0 when absent.
uint64_t statusKilobytes(const std::string& name) {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind(name + ":", 0) == 0) {
            std::istringstream fields(line.substr(name.size() + 1));
            uint64_t kb = 0;
            fields >> kb;
            return kb * 1024;
        }
    return 0;
}
} // namespace

uint64_t residentBytes() {
    std::ifstream statm("/proc/self/statm");
    uint64_t size = 0, resident = 0;
    if (!(statm >> size >> resident)) return 0;
    return resident * uint64_t(::sysconf(_SC_PAGESIZE));
}

uint64_t peakResidentBytes() { return statusKilobytes("VmHWM"); }

int processId() { return int(::getpid()); }

bool resetPeakResident() {
    std::ofstream out("/proc/self/clear_refs");
    out << "5"; // Linux: resets VmHWM to the current RSS
    out.flush();
    return bool(out);
}

std::string loadAverageText() {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    if (!(in >> a >> b >> c)) return {};
    return a + " " + b + " " + c;
}

#endif

} // namespace qlip
