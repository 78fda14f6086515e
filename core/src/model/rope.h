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

// The tables as the attention applies them to a whole sequence: `leading` tokens that are not
// rotated (the vision class token) get cos 1 and sin 0, so no slicing or concatenation is needed
// per layer; the sign of the pair rotation (x0, x1) -> (-x1, x0) is folded into sin. On x's
// device and dtype, [leading + N, hd].
struct RopeApply {
    torch::Tensor cos;
    torch::Tensor sinSigned;
    // bf16/fp16 on the CPU only: the same (rounded) tables widened to float32 once, for the fused
    // RoPE kernel (model/cpu_kernels.h), which would otherwise widen them in every layer.
    torch::Tensor cosF32, sinSignedF32;
    bool defined() const { return cos.defined(); }
};
RopeApply ropeForTokens(const RopeTables& tables, int leading, const torch::TensorOptions& options);

// x [B, H, T, hd] -> x * cos + swapPairs(x) * sinSigned, where swapPairs exchanges the channels of
// each interleaved pair. Equals the reference x * cos + (-x1, x0) * sin bit for bit (negation is
// exact), and leaves the leading tokens unchanged (x * 1 + y * 0).
torch::Tensor applyRope(const torch::Tensor& x, const RopeApply& rope);

} // namespace qlip::model
