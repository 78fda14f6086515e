// GCC 12's AVX-512 intrinsics start from a self-initialised "undefined" register and warn about
// it wherever they are inlined (GCC bug 105593, fixed in GCC 13). The pragma has to come before
// the first inclusion of <immintrin.h>, which the LibTorch headers make, so it covers this file.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "model/cpu_kernels.h"

#include <ATen/Parallel.h>
#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <limits>
#include <optional>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

// The vector code (cpu_vec.h, cpu_rows.inc) is compiled per function with target attributes, not
// with -mavx2 for the whole file: the rest of the file, and every inline function of the LibTorch
// headers it instantiates, stays baseline x86-64, so a CPU without AVX2 never meets an AVX2
// instruction outside the kernels, which applies() keeps it away from.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(QLIP_NO_CPU_KERNELS)
#define QLIP_CPU_KERNELS 1
#include "model/cpu_vec.h"

#include <string>
#else
#define QLIP_CPU_KERNELS 0
#endif

namespace qlip::model::cpu {

#if QLIP_CPU_KERNELS
namespace {

// Rows per task so that a task touches >= ~16k elements: smaller tasks cost more in OpenMP
// scheduling than they save.
constexpr int64_t kGrainElements = 16384;

int64_t grainRows(int64_t rowLength) { return std::max<int64_t>(1, kGrainElements / std::max<int64_t>(1, rowLength)); }

// f(begin, end) over [0, rows) in contiguous chunks, one per LibTorch intra-op thread.
// Not at::parallel_for: that is a header template whose OpenMP pragma only exists in a translation
// unit compiled with -fopenmp, and without it every kernel here ran on one thread (measured: all
// of them on the calling thread while the second core waited). CMake compiles this file with
// OpenMP; num_threads names LibTorch's count explicitly, so it holds even where this file's
// OpenMP runtime is not the one LibTorch was built with (pip wheels bundle their own libgomp).
template <class F>
void parallelRows(int64_t rows, int64_t grain, const F& f) {
#ifdef _OPENMP
    const int64_t tasks = std::min<int64_t>(at::get_num_threads(), (rows + grain - 1) / grain);
    if (tasks > 1 && !omp_in_parallel() && !at::in_parallel_region()) {
        std::atomic_flag failed = ATOMIC_FLAG_INIT;
        std::exception_ptr error;
#pragma omp parallel num_threads(static_cast<int>(tasks))
        {
            const int64_t n = omp_get_num_threads(), chunk = (rows + n - 1) / n, begin = omp_get_thread_num() * chunk;
            if (begin < rows) {
                try {
                    f(begin, std::min(rows, begin + chunk));
                } catch (...) {
                    if (!failed.test_and_set()) error = std::current_exception();
                }
            }
        }
        if (error) std::rethrow_exception(error);
        return;
    }
#endif
    if (rows > 0) f(int64_t(0), rows);
}

// ---- the row algorithms, once per instruction set ----------------------------------------------

namespace avx2 {
using V = vec::V8;
#define QLIP_ISA QLIP_AVX2
#include "model/cpu_rows.inc"
#undef QLIP_ISA
} // namespace avx2

namespace avx512 {
using V = vec::V16;
#define QLIP_ISA QLIP_AVX512
#include "model/cpu_rows.inc"
#undef QLIP_ISA
} // namespace avx512

// ---- which instruction set -------------------------------------------------------------------

bool cpuHas(const char* feature) {
    // __builtin_cpu_supports wants a literal: map the few names used here.
    const std::string f = feature;
    if (f == "avx2") return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    if (f == "avx512") return cpuHas("avx2") && __builtin_cpu_supports("avx512f");
    return false;
}

// The instruction set in use: the widest this CPU has, or QLIP_CPU_ISA (avx2, avx512) when set
// and available, so that a benchmark can compare the two on one machine; selectIsa() for tests.
std::atomic<bool>& useAvx512() {
    static std::atomic<bool> use = [] {
        const char* forced = std::getenv("QLIP_CPU_ISA");
        if (forced && std::string(forced) == "avx2") return false;
        return cpuHas("avx512");
    }();
    return use;
}

// ---- tensors ---------------------------------------------------------------------------------

// Calls f with the row algorithms of the instruction set in use and a value of the C++ element
// type of a bf16/fp16 tensor.
template <class F>
void dispatch(const torch::Tensor& x, F&& f) {
    auto withType = [&](auto rows) {
        if (x.scalar_type() == torch::kBFloat16) f(rows, c10::BFloat16());
        else f(rows, c10::Half());
    };
    if (useAvx512()) withType(avx512::Rows());
    else withType(avx2::Rows());
}

// LayerNorm parameters as float32 [n]; a missing weight is 1 and a missing bias 0. Widened by a
// plain loop: a .to(kFloat32) per LayerNorm costs more in dispatch than the 768 conversions.
struct FloatAffine {
    std::vector<float> w, b; // [n]
    FloatAffine(const torch::Tensor& weight, const torch::Tensor& bias, int64_t n)
        : w(widen(weight, n, 1.0f)), b(widen(bias, n, 0.0f)) {}

    static std::vector<float> widen(const torch::Tensor& t, int64_t n, float missing) {
        if (!t.defined()) return std::vector<float>(static_cast<size_t>(n), missing);
        TORCH_CHECK(t.numel() == n, "LayerNorm parameters do not match width ", n);
        auto c = t.device().is_cpu() ? t.contiguous() : t.to(torch::kCPU).contiguous();
        if (c.scalar_type() == torch::kBFloat16) return widenFrom(c.data_ptr<c10::BFloat16>(), n);
        if (c.scalar_type() == torch::kHalf) return widenFrom(c.data_ptr<c10::Half>(), n);
        auto f = c.to(torch::kFloat32);
        return widenFrom(f.data_ptr<float>(), n);
    }
    template <class T>
    static std::vector<float> widenFrom(const T* p, int64_t n) {
        return std::vector<float>(p, p + n);
    }
};

// Where row r of a [B, T, H * hd] view of a [B, H, T, hd]-like tensor starts: r = b * T + t,
// head h at + h * headStride, each head hd contiguous elements. A plain [rows, D] tensor is
// T = rows, one head of D.
struct RowLayout {
    int64_t tokens, batchStride, tokenStride, heads, headStride, headLen;
    int64_t offset(int64_t r) const { return (r / tokens) * batchStride + (r % tokens) * tokenStride; }
};

template <class R, class T>
torch::Tensor layerNormRows(const torch::Tensor& x, const RowLayout& l, int64_t rows, const FloatAffine& p, float eps,
                            torch::Tensor out) {
    const T* src = x.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    const int64_t n = l.heads * l.headLen;
    const float* w = p.w.data();
    const float* b = p.b.data();
    parallelRows(rows, grainRows(n), [&](int64_t begin, int64_t end) {
        std::vector<float> buf(static_cast<size_t>(n)); // the row in float32, [n]
        for (int64_t r = begin; r < end; ++r) {
            const T* row = src + l.offset(r);
            for (int64_t h = 0; h < l.heads; ++h) R::loadRow(row + h * l.headStride, buf.data() + h * l.headLen, l.headLen);
            R::normalizeRow(buf.data(), dst + r * n, w, b, eps, n);
        }
    });
    return out;
}

template <class R, class T>
void swigluRows(const torch::Tensor& a, const torch::Tensor& b, torch::Tensor& out, const FloatAffine* p, float eps) {
    const int64_t n = a.size(-1), rows = a.numel() / std::max<int64_t>(1, n);
    const T* pa = a.data_ptr<T>();
    const T* pb = b.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    parallelRows(rows, grainRows(n), [&](int64_t begin, int64_t end) {
        std::vector<float> buf(static_cast<size_t>(n)); // silu(a) * b of one row, [n]
        for (int64_t r = begin; r < end; ++r) {
            R::swigluRow(pa + r * n, pb + r * n, buf.data(), n);
            if (p) R::normalizeRow(buf.data(), dst + r * n, p->w.data(), p->b.data(), eps, n);
            else R::storeRow(buf.data(), dst + r * n, n);
        }
    });
}

template <class R, class T>
void softmaxRows(torch::Tensor& scores, float scale, bool causal, int64_t firstQuery) {
    const int64_t n = scores.size(-1), queries = scores.dim() >= 2 ? scores.size(-2) : 1;
    const int64_t rows = scores.numel() / std::max<int64_t>(1, n);
    T* data = scores.data_ptr<T>();
    parallelRows(rows, grainRows(n), [&](int64_t begin, int64_t end) {
        std::vector<float> buf(static_cast<size_t>(n)); // one row in float32, [n]
        for (int64_t r = begin; r < end; ++r) {
            const int64_t valid = causal ? std::clamp<int64_t>(firstQuery + r % queries + 1, 1, n) : n;
            R::softmaxRow(data + r * n, buf.data(), scale, valid, n);
        }
    });
}

template <class R, class T>
void ropeRows(const torch::Tensor& x, torch::Tensor& out, const torch::Tensor& cos, const torch::Tensor& sin, int64_t heads) {
    const int64_t B = x.size(0), T_ = x.size(1), D = x.size(2), hd = D / heads;
    const T* src = x.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    const float* c = cos.data_ptr<float>();
    const float* s = sin.data_ptr<float>();
    parallelRows(B * T_, grainRows(D), [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
            const int64_t b = r / T_, t = r % T_;
            for (int64_t h = 0; h < heads; ++h)
                R::ropeRow(src + r * D + h * hd, dst + ((b * heads + h) * T_ + t) * hd, c + t * hd, s + t * hd, hd);
        }
    });
}

bool cpuHasKernels() {
    static const bool has = cpuHas("avx2");
    return has;
}

} // namespace

int parallelWidth() {
    constexpr int64_t kRows = 64;
    std::atomic<uint64_t> seen{0}; // bit i: thread i ran a chunk
    parallelRows(kRows, 1, [&](int64_t, int64_t) {
#ifdef _OPENMP
        const int id = omp_in_parallel() ? omp_get_thread_num() : 0;
#else
        const int id = 0;
#endif
        seen.fetch_or(uint64_t(1) << (id & 63));
    });
    return __builtin_popcountll(seen.load());
}

std::string isa() {
    if (!cpuHasKernels()) return {};
    return useAvx512() ? "avx512" : "avx2";
}

std::vector<std::string> availableIsas() {
    std::vector<std::string> names;
    for (const char* name : {"avx2", "avx512"})
        if (cpuHas(name)) names.push_back(name);
    return names;
}

bool selectIsa(const std::string& name) {
    if ((name != "avx2" && name != "avx512") || !cpuHas(name.c_str())) return false;
    useAvx512() = name == "avx512";
    return true;
}

bool applies(const torch::Tensor& x) {
    return x.device().is_cpu() && (x.scalar_type() == torch::kBFloat16 || x.scalar_type() == torch::kHalf) &&
           cpuHasKernels();
}

torch::Tensor layerNorm(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, double eps) {
    auto xc = x.contiguous();
    const int64_t n = x.size(-1), rows = x.numel() / std::max<int64_t>(1, n);
    FloatAffine p(weight, bias, n);
    auto out = torch::empty_like(xc);
    const RowLayout l{std::max<int64_t>(1, rows), 0, n, 1, 0, n};
    dispatch(x, [&](auto isaRows, auto tag) { layerNormRows<decltype(isaRows), decltype(tag)>(xc, l, rows, p, float(eps), out); });
    return out;
}

torch::Tensor mergeHeadsLayerNorm(const torch::Tensor& context, const torch::Tensor& weight, const torch::Tensor& bias,
                                  double eps) {
    auto c = context.stride(3) == 1 ? context : context.contiguous(); // [B, H, T, hd]
    const int64_t B = c.size(0), H = c.size(1), T = c.size(2), hd = c.size(3);
    FloatAffine p(weight, bias, H * hd);
    auto out = torch::empty({B, T, H * hd}, c.options());                 // [B, T, H * hd]
    const RowLayout l{T, c.stride(0), c.stride(2), H, c.stride(1), hd};
    dispatch(c, [&](auto isaRows, auto tag) { layerNormRows<decltype(isaRows), decltype(tag)>(c, l, B * T, p, float(eps), out); });
    return out;
}

torch::Tensor swiglu(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& weight, const torch::Tensor& bias,
                     double eps) {
    TORCH_CHECK(a.sizes() == b.sizes() && a.scalar_type() == b.scalar_type(), "swiglu: a and b differ");
    auto ac = a.contiguous(), bc = b.contiguous();
    auto out = torch::empty_like(ac);
    std::optional<FloatAffine> p;
    if (weight.defined()) p.emplace(weight, bias, a.size(-1));
    dispatch(a, [&](auto isaRows, auto tag) { swigluRows<decltype(isaRows), decltype(tag)>(ac, bc, out, p ? &*p : nullptr, float(eps)); });
    return out;
}

void softmaxInPlace(torch::Tensor& scores, double scale, bool causal, int64_t firstQuery) {
    TORCH_CHECK(scores.is_contiguous(), "softmaxInPlace needs contiguous scores");
    dispatch(scores, [&](auto isaRows, auto tag) { softmaxRows<decltype(isaRows), decltype(tag)>(scores, float(scale), causal, firstQuery); });
}

torch::Tensor splitHeadsRope(const torch::Tensor& x, int64_t heads, const RopeApply& rope) {
    auto xc = x.contiguous(); // [B, T, H * hd]
    const int64_t B = xc.size(0), T = xc.size(1), hd = xc.size(2) / heads;
    TORCH_CHECK(xc.dim() == 3 && hd % 2 == 0 && hd * heads == xc.size(2), "splitHeadsRope: x is not [B, T, H * hd], hd even");
    TORCH_CHECK(rope.cos.size(0) == T && rope.cos.size(1) == hd, "RoPE tables do not match the sequence");
    auto widen = [](const torch::Tensor& cached, const torch::Tensor& t) {     // [T, hd] float32
        return (cached.defined() ? cached : t.to(torch::kFloat32)).contiguous();
    };
    auto cos = widen(rope.cosF32, rope.cos), sin = widen(rope.sinSignedF32, rope.sinSigned);
    auto out = torch::empty({B, heads, T, hd}, xc.options());             // [B, H, T, hd]
    dispatch(xc, [&](auto isaRows, auto tag) { ropeRows<decltype(isaRows), decltype(tag)>(xc, out, cos, sin, heads); });
    return out;
}

#else // no x86-64 vector kernels: applies() is false and the callers keep LibTorch's path

bool applies(const torch::Tensor&) { return false; }
int parallelWidth() { return 1; }
std::string isa() { return {}; }
std::vector<std::string> availableIsas() { return {}; }
bool selectIsa(const std::string&) { return false; }

[[noreturn]] static void unsupported() {
    TORCH_CHECK(false, "the fused CPU kernels are not built for this architecture");
    std::abort();
}
torch::Tensor layerNorm(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&, double) { unsupported(); }
torch::Tensor mergeHeadsLayerNorm(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&, double) { unsupported(); }
torch::Tensor swiglu(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&, const torch::Tensor&, double) {
    unsupported();
}
void softmaxInPlace(torch::Tensor&, double, bool, int64_t) { unsupported(); }
torch::Tensor splitHeadsRope(const torch::Tensor&, int64_t, const RopeApply&) { unsupported(); }

#endif

} // namespace qlip::model::cpu
