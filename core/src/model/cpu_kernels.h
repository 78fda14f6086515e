#pragma once
// Fused CPU kernels for bf16/fp16 inference: the element-wise work around the matrix products.
// LibTorch 1.13 runs it slowly in reduced precision (one pass per op, conversions to float32 and
// back, slow bf16 arithmetic); here each kernel reads its inputs once, computes in float32 and
// rounds once to the tensor's dtype. fp32/fp64 never come here, so their results are unchanged.
//
// The kernels use AVX-512F or AVX2 + FMA + F16C, chosen at run time; where the CPU lacks AVX2 (or
// on another architecture, or built with -DQLIP_NO_CPU_KERNELS) applies() is false and the callers
// keep the plain LibTorch path.
#include "model/rope.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace qlip::model::cpu {

// True when x is a bf16/fp16 tensor on the CPU and this CPU runs the kernels.
bool applies(const torch::Tensor& x);

// The instruction set the kernels run with: "avx512" (sixteen float32 lanes) or "avx2" (eight);
// empty where they do not run. The widest the CPU has unless the environment variable
// QLIP_CPU_ISA names another available one (for comparisons) or selectIsa() chose one.
std::string isa();
// The instruction sets this CPU and build can run the kernels with.
std::vector<std::string> availableIsas();
// Switches the process to `name` ("avx2" or "avx512"); false, and nothing changes, when it is not
// available. For tests and benchmarks; results agree within one bf16/fp16 rounding.
bool selectIsa(const std::string& name);

// How many threads the kernels split a large job over: LibTorch's intra-op thread count where
// this file was built with OpenMP, else 1. Counted by running a parallel job, not read from a
// setting, so that a build whose loops silently run on one thread shows it.
int parallelWidth();

// LayerNorm over the last dim (biased variance, eps inside the sqrt) computed in float32.
// x [..., D] bf16/fp16; weight, bias [D] any float dtype or undefined. Returns x's shape and dtype.
torch::Tensor layerNorm(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, double eps);

// The heads of an attention context merged back and normalised in one pass:
// context [B, H, T, hd] (any strides with a contiguous last dim) -> LayerNorm over H * hd -> [B, T, H * hd].
torch::Tensor mergeHeadsLayerNorm(const torch::Tensor& context, const torch::Tensor& weight, const torch::Tensor& bias,
                                  double eps);

// silu(a) * b, then LayerNorm over the last dim when weight is defined (the SwiGLU sub-LN).
// a, b [..., F] bf16/fp16 of the same shape. Returns a's shape and dtype.
torch::Tensor swiglu(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& weight,
                     const torch::Tensor& bias, double eps);

// In place: scores = softmax(scale * scores) over the last dim, in float32, numerically stable.
// scores [..., t, S] contiguous bf16/fp16. causal masks column j of query row i when
// j > firstQuery + i (those entries become 0), as the text tower's mask does.
void softmaxInPlace(torch::Tensor& scores, double scale, bool causal, int64_t firstQuery);

// x [B, T, H * hd] (the projection output) -> rotated heads [B, H, T, hd], contiguous:
// x * cos + swapPairs(x) * sinSigned with the tables of `rope` ([T, hd]), as applyRope does.
torch::Tensor splitHeadsRope(const torch::Tensor& x, int64_t heads, const RopeApply& rope);

} // namespace qlip::model::cpu
