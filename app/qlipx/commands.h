#pragma once
// The qlipx sub-commands. Each takes the arguments after its name and returns the exit code.
#include <string>
#include <vector>

namespace qlipx {

struct Command {
    const char* name;
    const char* summary;
    int (*run)(int argc, char** argv);
};

const std::vector<Command>& commands();

int runInfo(int argc, char** argv);
int runEncode(int argc, char** argv);
int runDecode(int argc, char** argv);
int runQuery(int argc, char** argv);
int runIndex(int argc, char** argv);
int runSearch(int argc, char** argv);
int runStats(int argc, char** argv);
int runParity(int argc, char** argv);
int runBench(int argc, char** argv);
int runTrainTokenizer(int argc, char** argv);
int runEval(int argc, char** argv);
int runGenerate(int argc, char** argv);
int runTrainPrior(int argc, char** argv);
int runEvalPrior(int argc, char** argv);
int runBenchPrior(int argc, char** argv);
int runModels(int argc, char** argv);   // commands_hub.cpp
int runDownload(int argc, char** argv);
int runTokenize(int argc, char** argv); // commands_tokenize.cpp
int runTokenizeVerify(int argc, char** argv);
int runTokenizeMerge(int argc, char** argv);
int runTokenizeBench(int argc, char** argv);

} // namespace qlipx
