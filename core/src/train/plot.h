#pragma once
// Loss curves from train-log.csv drawn into a PNG (no plotting library: axes, lines and labels).
#include <string>

namespace qlip::train {

void plotTrainingLog(const std::string& csvPath, const std::string& pngPath);

} // namespace qlip::train
