#pragma once
// Loss curves from train-log.csv drawn into a PNG (no plotting library: axes, lines and labels).
#include <string>
#include <vector>

namespace qlip::train {

// One panel per named column (at most six), against the `step` column.
void plotTrainingLog(const std::string& csvPath, const std::string& pngPath,
                     const std::vector<std::string>& panels = {"loss", "psnr", "clip", "codebook_entropy", "entropy", "logit_scale"});

} // namespace qlip::train
