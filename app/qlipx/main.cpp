// qlipx: the headless QLIP Explorer — model info, encode/decode, zero-shot queries, golden parity
// and benchmarks, for scripts and batch work.
#include "commands.h"

#include "qlip/buildinfo.h"
#include "qlip/error.h"

#include <cstdio>
#include <cstring>
#include <exception>

namespace {

void printUsage() {
    std::printf("Usage: qlipx <command> [options]\n\nCommands:\n");
    for (const auto& c : qlipx::commands()) std::printf("  %-8s %s\n", c.name, c.summary);
    std::printf("\nRun 'qlipx <command> --help' for the options of a command, 'qlipx --version' for the build\n"
                "(version, commit, LibTorch, CPU kernels, BLAS, CUDA).\n");
}

// The first line is what help2man and scripts expect ("qlipx 0.1.0 ..."); the rows say what the
// build is and what this machine gives the engine, with the thread count every command uses.
int printVersion() {
    std::printf("%s\n", qlip::versionLine("qlipx").c_str());
    for (const auto& [label, value] : qlip::versionRows(0)) std::printf("  %-12s %s\n", (label + ":").c_str(), value.c_str());
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
        printUsage();
        return argc < 2 ? 2 : 0;
    }
    if (!std::strcmp(argv[1], "--version") || !std::strcmp(argv[1], "-V") || !std::strcmp(argv[1], "version")) {
        try {
            return printVersion();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "qlipx --version: error: %s\n", e.what());
            return 1;
        }
    }
    for (const auto& c : qlipx::commands()) {
        if (std::strcmp(argv[1], c.name) != 0) continue;
        try {
            return c.run(argc - 2, argv + 2);
        } catch (const qlip::Cancelled&) {
            std::fprintf(stderr, "qlipx %s: cancelled\n", c.name);
            return 130;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "qlipx %s: error: %s\n", c.name, e.what());
            return 1;
        }
    }
    std::fprintf(stderr, "qlipx: unknown command '%s'\n\n", argv[1]);
    printUsage();
    return 2;
}
