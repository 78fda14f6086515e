#pragma once
// 2-D rotary position embedding of the QLIP vision encoder and decoder (spec §4.2.3).
#include <torch/torch.h>

namespace qlip::model {

struct RopeTables {
    torch::Tensor cos; // [N, hd] float32, N = grid * grid
    torch::Tensor sin; // [N, hd]
};

// Built in float32 in the reference's order of operations, so the tables equal the stored
// checkpoint buffers bit for bit. Positions along an axis are k * 16 / grid: the 16 is the
// pre-training grid of EVA-02 and is fixed, whatever the model's own grid is.
RopeTables buildRope2d(int grid, int headDim);

// Rotate interleaved channel pairs of x [B, H, T, hd] by the angles of rows [0, T) of the tables
// (cos/sin already on x's device and dtype, shape [T, hd]).
torch::Tensor applyRope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

} // namespace qlip::model
