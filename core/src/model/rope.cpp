#include "model/rope.h"

namespace qlip::model {

constexpr double kRopeTheta = 10000.0;
constexpr double kPretrainGrid = 16.0; // hard-coded in the reference; see the header

RopeTables buildRope2d(int grid, int headDim) {
    const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
    const int64_t half = headDim / 2;     // channels per axis
    // omega_i = 1 / theta^(2i / half), i = 0 .. half/2 - 1
    auto exponent = torch::arange(0, half, 2, f32).slice(0, 0, half / 2) / double(half);
    auto omega = 1.0 / torch::pow(kRopeTheta, exponent);                  // [half/2]
    auto pos = torch::arange(grid, f32) / double(grid) * kPretrainGrid;   // [g]
    auto angles = pos.unsqueeze(1) * omega.unsqueeze(0);                   // [g, half/2]
    angles = angles.repeat_interleave(2, /*dim=*/1);                       // [g, half]: one angle per channel pair
    auto rowAngles = angles.unsqueeze(1).expand({grid, grid, half});      // first half follows the row
    auto colAngles = angles.unsqueeze(0).expand({grid, grid, half});      // second half follows the column
    auto table = torch::cat({rowAngles, colAngles}, /*dim=*/2).reshape({int64_t(grid) * grid, headDim});
    return {table.cos(), table.sin()};
}

RopeApply ropeForTokens(const RopeTables& t, int leading, const torch::TensorOptions& options) {
    if (!t.cos.defined()) return {};
    const int64_t hd = t.cos.size(1);
    auto cos = torch::cat({torch::ones({leading, hd}, t.cos.options()), t.cos});          // [leading + N, hd]
    auto sign = torch::tensor({-1.0f, 1.0f}).repeat({hd / 2});                           // -s for x0's partner, +s for x1's
    auto sin = torch::cat({torch::zeros({leading, hd}, t.sin.options()), t.sin * sign});
    RopeApply r{cos.to(options), sin.to(options), {}, {}};
    const auto dtype = r.cos.scalar_type();
    if (r.cos.device().is_cpu() && (dtype == torch::kBFloat16 || dtype == torch::kHalf)) {
        r.cosF32 = r.cos.to(torch::kFloat32);
        r.sinSignedF32 = r.sinSigned.to(torch::kFloat32);
    }
    return r;
}

torch::Tensor applyRope(const torch::Tensor& x, const RopeApply& rope) {
    auto swapped = x.unflatten(-1, {x.size(-1) / 2, 2}).flip(-1).flatten(-2);          // (x1, x0) per pair
    return x * rope.cos + swapped * rope.sinSigned;
}

} // namespace qlip::model
