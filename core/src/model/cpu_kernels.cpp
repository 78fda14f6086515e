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

// The vector code is compiled per function (target attributes), not with -mavx2 for the whole
// file: the rest of the file, and every inline function of the LibTorch headers it instantiates,
// stays baseline x86-64, so a CPU without AVX2 never meets an AVX2 instruction outside the
// kernels, which applies() keeps it away from.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(QLIP_NO_CPU_KERNELS)
#define QLIP_CPU_KERNELS 1
#include <immintrin.h>
#define QLIP_AVX2 __attribute__((target("avx2,fma,f16c")))
#define QLIP_AVX2_INLINE QLIP_AVX2 inline __attribute__((always_inline))
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

// ---- 8 floats at a time --------------------------------------------------------------------

QLIP_AVX2_INLINE __m256 load8(const c10::BFloat16* p) {
    // bf16 is the top half of a float32: widen and shift.
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

QLIP_AVX2_INLINE __m256 load8(const c10::Half* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// Round to nearest even, NaN -> 0x7FC0: what c10::BFloat16(float) does, so results equal a
// float32 computation followed by .to(kBFloat16).
QLIP_AVX2_INLINE void store8(c10::BFloat16* p, __m256 v) {
    const __m256i u = _mm256_castps_si256(v);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
    __m256i r = _mm256_srli_epi32(_mm256_add_epi32(u, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7FFF))), 16);
    const __m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
    r = _mm256_blendv_epi8(r, _mm256_set1_epi32(0x7FC0), _mm256_castps_si256(nan));
    // packus works per 128-bit lane: [r0..r3 r0..r3 | r4..r7 r4..r7]; gather quads 0 and 2.
    const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(r, r), 0xD8);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(packed));
}

QLIP_AVX2_INLINE void store8(c10::Half* p, __m256 v) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

QLIP_AVX2_INLINE float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

QLIP_AVX2_INLINE float hmax(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

// The shared core of exp8 and expNonPositive8: x = n ln2 + r with |r| <= ln2 / 2, and e^r by
// Cephes' degree-5 polynomial. Returns e^r; n goes to `n`.
QLIP_AVX2_INLINE __m256 expReduced8(__m256 x, __m256* n) {
    *n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(*n, _mm256_set1_ps(0.693359375f), x);   // ln 2 in two parts, so that
    r = _mm256_fnmadd_ps(*n, _mm256_set1_ps(-2.12194440e-4f), r);       // r keeps its low bits
    __m256 y = _mm256_set1_ps(1.9875691500e-4f);
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.3981999507e-3f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(8.3334519073e-3f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(4.1665795894e-2f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.6666665459e-1f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(5.0000001201e-1f));
    return _mm256_add_ps(_mm256_fmadd_ps(y, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
}

// e^x as Cephes' expf: 2^n * e^r, |r| <= ln2 / 2, degree-5 polynomial; about 1 ulp in float32,
// far below the bf16/fp16 rounding that follows. 2^n is applied in two halves so that the whole
// float32 range comes out right, subnormals included: 0 below e^-104 (and for -inf), +inf above
// FLT_MAX, so that silu's a / (1 + e^-a) is -0 for very negative a, as in LibTorch.
QLIP_AVX2_INLINE __m256 exp8(__m256 x) {
    const __m256 lo = _mm256_set1_ps(-104.0f), hi = _mm256_set1_ps(88.7228391f);
    const __m256 underflow = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
    const __m256 overflow = _mm256_cmp_ps(x, hi, _CMP_GT_OQ);
    x = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
    __m256 n;
    __m256 y = expReduced8(x, &n);
    // n in [-150, 128]: 2^n1 * 2^n2 with n1 = n >> 1, both halves normal floats.
    const __m256i ni = _mm256_cvtps_epi32(n), n1 = _mm256_srai_epi32(ni, 1), n2 = _mm256_sub_epi32(ni, n1);
    const __m256i bias = _mm256_set1_epi32(127);
    const __m256 p1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
    const __m256 p2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
    y = _mm256_andnot_ps(underflow, _mm256_mul_ps(_mm256_mul_ps(y, p1), p2));
    return _mm256_blendv_ps(y, _mm256_set1_ps(std::numeric_limits<float>::infinity()), overflow);
}

// e^x for x <= 0 (softmax after subtracting the row max): exp8 without the overflow and subnormal
// handling, about a fifth fewer instructions. Below e^-87 (and for e^-inf) it is 0, which no
// bf16/fp16 probability of a row that holds a 1 can tell apart.
QLIP_AVX2_INLINE __m256 expNonPositive8(__m256 x) {
    const __m256 lo = _mm256_set1_ps(-87.0f);
    const __m256 underflow = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
    x = _mm256_max_ps(x, lo);
    __m256 n;
    const __m256 y = expReduced8(x, &n);
    const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_andnot_ps(underflow, _mm256_mul_ps(y, _mm256_castsi256_ps(e)));
}

// ---- rows ------------------------------------------------------------------------------------

template <class T>
QLIP_AVX2 void loadRow(const T* src, float* dst, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, load8(src + i));
    for (; i < n; ++i) dst[i] = float(src[i]);
}

template <class T>
QLIP_AVX2 void storeRow(const float* src, T* dst, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) store8(dst + i, _mm256_loadu_ps(src + i));
    for (; i < n; ++i) dst[i] = T(src[i]);
}

// dst = (x - mean) / sqrt(var + eps) * w + b, x a float row; two passes over x (in cache) for the
// statistics, as accurate as LibTorch's float32 layer_norm.
template <class T>
QLIP_AVX2 void normalizeRow(const float* x, T* dst, const float* w, const float* b, float eps, int64_t n) {
    __m256 acc = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) acc = _mm256_add_ps(acc, _mm256_loadu_ps(x + i));
    float sum = hsum(acc);
    for (; i < n; ++i) sum += x[i];
    const float mean = sum / float(n);
    const __m256 vmean = _mm256_set1_ps(mean);
    acc = _mm256_setzero_ps();
    for (i = 0; i + 8 <= n; i += 8) {
        const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + i), vmean);
        acc = _mm256_fmadd_ps(d, d, acc);
    }
    float sq = hsum(acc);
    for (; i < n; ++i) sq += (x[i] - mean) * (x[i] - mean);
    const float rstd = 1.0f / std::sqrt(sq / float(n) + eps);
    const __m256 vrstd = _mm256_set1_ps(rstd);
    for (i = 0; i + 8 <= n; i += 8) {
        const __m256 z = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmean), vrstd);
        store8(dst + i, _mm256_fmadd_ps(z, _mm256_loadu_ps(w + i), _mm256_loadu_ps(b + i)));
    }
    for (; i < n; ++i) dst[i] = T((x[i] - mean) * rstd * w[i] + b[i]);
}

// x = silu(a) * b in float32.
template <class T>
QLIP_AVX2 void swigluRow(const T* a, const T* b, float* x, int64_t n) {
    const __m256 one = _mm256_set1_ps(1.0f);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 va = load8(a + i);
        const __m256 gate = _mm256_div_ps(va, _mm256_add_ps(one, exp8(_mm256_sub_ps(_mm256_setzero_ps(), va))));
        _mm256_storeu_ps(x + i, _mm256_mul_ps(gate, load8(b + i)));
    }
    for (; i < n; ++i) {
        const float va = float(a[i]);
        x[i] = va / (1.0f + std::exp(-va)) * float(b[i]);
    }
}

// Row of `n` scores, of which the first `valid` take part; in place, the rest become 0.
// softmax(scale * x) = e^(scale * x - scale * max x) / sum, scale > 0; x staged in float32.
template <class T>
QLIP_AVX2 void softmaxRow(T* row, float* x, float scale, int64_t valid, int64_t n) {
    __m256 vmax = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
    int64_t i = 0;
    for (; i + 8 <= valid; i += 8) {
        const __m256 v = load8(row + i);
        _mm256_storeu_ps(x + i, v);
        vmax = _mm256_max_ps(vmax, v);
    }
    float mx = hmax(vmax);
    for (; i < valid; ++i) {
        x[i] = float(row[i]);
        mx = std::max(mx, x[i]);
    }
    const float shift = scale * mx;
    const __m256 vscale = _mm256_set1_ps(scale), vshift = _mm256_set1_ps(shift);
    __m256 acc = _mm256_setzero_ps();
    for (i = 0; i + 8 <= valid; i += 8) {
        const __m256 e = expNonPositive8(_mm256_fmsub_ps(_mm256_loadu_ps(x + i), vscale, vshift));
        _mm256_storeu_ps(x + i, e);
        acc = _mm256_add_ps(acc, e);
    }
    float sum = hsum(acc);
    for (; i < valid; ++i) {
        x[i] = std::exp(x[i] * scale - shift);
        sum += x[i];
    }
    const float inv = 1.0f / sum;
    const __m256 vinv = _mm256_set1_ps(inv);
    for (i = 0; i + 8 <= valid; i += 8) store8(row + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), vinv));
    for (; i < valid; ++i) row[i] = T(x[i] * inv);
    std::fill(row + valid, row + n, T(0.0f));
}

// One head of one token: dst = src * cos + swapPairs(src) * sin, n even.
template <class T>
QLIP_AVX2 void ropeRow(const T* src, T* dst, const float* cos, const float* sin, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = load8(src + i);
        const __m256 swapped = _mm256_permute_ps(v, 0xB1); // (x1, x0) per pair
        store8(dst + i, _mm256_fmadd_ps(v, _mm256_loadu_ps(cos + i), _mm256_mul_ps(swapped, _mm256_loadu_ps(sin + i))));
    }
    for (; i + 1 < n; i += 2) {
        const float x0 = float(src[i]), x1 = float(src[i + 1]);
        dst[i] = T(x0 * cos[i] + x1 * sin[i]);
        dst[i + 1] = T(x1 * cos[i + 1] + x0 * sin[i + 1]);
    }
}

// ---- tensors ---------------------------------------------------------------------------------

// Calls f with a value of the C++ element type of a bf16/fp16 tensor.
template <class F>
void dispatchReduced(const torch::Tensor& x, F&& f) {
    if (x.scalar_type() == torch::kBFloat16) f(c10::BFloat16());
    else f(c10::Half());
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

template <class T>
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
            for (int64_t h = 0; h < l.heads; ++h) loadRow(row + h * l.headStride, buf.data() + h * l.headLen, l.headLen);
            normalizeRow(buf.data(), dst + r * n, w, b, eps, n);
        }
    });
    return out;
}

template <class T>
void swigluRows(const torch::Tensor& a, const torch::Tensor& b, torch::Tensor& out, const FloatAffine* p, float eps) {
    const int64_t n = a.size(-1), rows = a.numel() / std::max<int64_t>(1, n);
    const T* pa = a.data_ptr<T>();
    const T* pb = b.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    parallelRows(rows, grainRows(n), [&](int64_t begin, int64_t end) {
        std::vector<float> buf(static_cast<size_t>(n)); // silu(a) * b of one row, [n]
        for (int64_t r = begin; r < end; ++r) {
            swigluRow(pa + r * n, pb + r * n, buf.data(), n);
            if (p) normalizeRow(buf.data(), dst + r * n, p->w.data(), p->b.data(), eps, n);
            else storeRow(buf.data(), dst + r * n, n);
        }
    });
}

template <class T>
void softmaxRows(torch::Tensor& scores, float scale, bool causal, int64_t firstQuery) {
    const int64_t n = scores.size(-1), queries = scores.dim() >= 2 ? scores.size(-2) : 1;
    const int64_t rows = scores.numel() / std::max<int64_t>(1, n);
    T* data = scores.data_ptr<T>();
    parallelRows(rows, grainRows(n), [&](int64_t begin, int64_t end) {
        std::vector<float> buf(static_cast<size_t>(n)); // one row in float32, [n]
        for (int64_t r = begin; r < end; ++r) {
            const int64_t valid = causal ? std::clamp<int64_t>(firstQuery + r % queries + 1, 1, n) : n;
            softmaxRow(data + r * n, buf.data(), scale, valid, n);
        }
    });
}

template <class T>
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
                ropeRow(src + r * D + h * hd, dst + ((b * heads + h) * T_ + t) * hd, c + t * hd, s + t * hd, hd);
        }
    });
}

bool cpuHasKernels() {
    static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
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
    dispatchReduced(x, [&](auto tag) { layerNormRows<decltype(tag)>(xc, l, rows, p, float(eps), out); });
    return out;
}

torch::Tensor mergeHeadsLayerNorm(const torch::Tensor& context, const torch::Tensor& weight, const torch::Tensor& bias,
                                  double eps) {
    auto c = context.stride(3) == 1 ? context : context.contiguous(); // [B, H, T, hd]
    const int64_t B = c.size(0), H = c.size(1), T = c.size(2), hd = c.size(3);
    FloatAffine p(weight, bias, H * hd);
    auto out = torch::empty({B, T, H * hd}, c.options());                 // [B, T, H * hd]
    const RowLayout l{T, c.stride(0), c.stride(2), H, c.stride(1), hd};
    dispatchReduced(c, [&](auto tag) { layerNormRows<decltype(tag)>(c, l, B * T, p, float(eps), out); });
    return out;
}

torch::Tensor swiglu(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& weight, const torch::Tensor& bias,
                     double eps) {
    TORCH_CHECK(a.sizes() == b.sizes() && a.scalar_type() == b.scalar_type(), "swiglu: a and b differ");
    auto ac = a.contiguous(), bc = b.contiguous();
    auto out = torch::empty_like(ac);
    std::optional<FloatAffine> p;
    if (weight.defined()) p.emplace(weight, bias, a.size(-1));
    dispatchReduced(a, [&](auto tag) { swigluRows<decltype(tag)>(ac, bc, out, p ? &*p : nullptr, float(eps)); });
    return out;
}

void softmaxInPlace(torch::Tensor& scores, double scale, bool causal, int64_t firstQuery) {
    TORCH_CHECK(scores.is_contiguous(), "softmaxInPlace needs contiguous scores");
    dispatchReduced(scores, [&](auto tag) { softmaxRows<decltype(tag)>(scores, float(scale), causal, firstQuery); });
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
    dispatchReduced(xc, [&](auto tag) { ropeRows<decltype(tag)>(xc, out, cos, sin, heads); });
    return out;
}

#else // no x86-64 vector kernels: applies() is false and the callers keep LibTorch's path

bool applies(const torch::Tensor&) { return false; }
int parallelWidth() { return 1; }

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
