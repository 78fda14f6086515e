#pragma once
// The vector registers the fused CPU kernels are written against: V8 (AVX2 + FMA + F16C, eight
// float32 lanes) and V16 (AVX-512F, sixteen). The row algorithms (cpu_rows.inc) are written once
// over a V; the ISA-specific parts (loads and stores of bf16/fp16, e^x, reductions) live here.
//
// Only cpu_kernels.cpp includes this, and only where QLIP_CPU_KERNELS is set (x86-64, GCC or
// Clang). Each function carries its own target attribute, so nothing else in that file is
// compiled for AVX2 or AVX-512: a CPU without them never meets their instructions outside the
// kernels, which the dispatch keeps it away from.
#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>
#include <immintrin.h>

#include <limits>

#define QLIP_AVX2 __attribute__((target("avx2,fma,f16c")))
#define QLIP_AVX512 __attribute__((target("avx512f,avx2,fma,f16c")))
#define QLIP_ALWAYS_INLINE inline __attribute__((always_inline))

namespace qlip::model::cpu::vec {

// Cephes' expf constants: x = n ln2 + r with |r| <= ln2 / 2 (ln 2 in two parts, so that r keeps its
// low bits), e^r by a degree-5 polynomial; about 1 ulp in float32, far below the bf16/fp16
// rounding that follows.
inline constexpr float kLog2e = 1.44269504088896341f, kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
inline constexpr float kExpPoly[6] = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f,
                                      4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};
// exp's input range: below kExpLow the result is 0 (e^-104 is below float32's smallest
// subnormal); above kExpHigh it is +inf. For x <= 0 (softmax) the cheaper form stops at
// kExpNonPositiveLow (e^-87), below which no bf16/fp16 probability of a row that holds a 1 differs.
inline constexpr float kExpLow = -104.0f, kExpHigh = 88.7228391f, kExpNonPositiveLow = -87.0f;

struct V8 {
    using F = __m256;
    static constexpr int64_t kLanes = 8;

    QLIP_AVX2 QLIP_ALWAYS_INLINE static F load(const c10::BFloat16* p) {
        // bf16 is the top half of a float32: widen and shift.
        const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    }
    QLIP_AVX2 QLIP_ALWAYS_INLINE static F load(const c10::Half* p) {
        return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    }
    // Round to nearest even, NaN -> 0x7FC0: what c10::BFloat16(float) does, so results equal a
    // float32 computation followed by .to(kBFloat16).
    QLIP_AVX2 QLIP_ALWAYS_INLINE static void store(c10::BFloat16* p, F v) {
        const __m256i u = _mm256_castps_si256(v);
        const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
        __m256i r = _mm256_srli_epi32(_mm256_add_epi32(u, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7FFF))), 16);
        const __m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
        r = _mm256_blendv_epi8(r, _mm256_set1_epi32(0x7FC0), _mm256_castps_si256(nan));
        // packus works per 128-bit lane: [r0..r3 r0..r3 | r4..r7 r4..r7]; gather quads 0 and 2.
        const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(r, r), 0xD8);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(packed));
    }
    QLIP_AVX2 QLIP_ALWAYS_INLINE static void store(c10::Half* p, F v) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
    QLIP_AVX2 QLIP_ALWAYS_INLINE static F load(const float* p) { return _mm256_loadu_ps(p); }
    QLIP_AVX2 QLIP_ALWAYS_INLINE static void store(float* p, F v) { _mm256_storeu_ps(p, v); }

    QLIP_AVX2 QLIP_ALWAYS_INLINE static F set1(float x) { return _mm256_set1_ps(x); }
    QLIP_AVX2 QLIP_ALWAYS_INLINE static F add(F a, F b) { return _mm256_add_ps(a, b); }
    QLIP_AVX2 QLIP_ALWAYS_INLINE static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
    QLIP_AVX2 QLIP_ALWAYS_INLINE static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
    QLIP_AVX2 QLIP_ALWAYS_INLINE static F div(F a, F b) { return _mm256_div_ps(a, b); }
    QLIP_AVX2 QLIP_ALWAYS_INLINE static F max(F a, F b) { return _mm256_max_ps(a, b); }
    QLIP_AVX2 QLIP_ALWAYS_INLINE static F fmadd(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); } // a b + c
    QLIP_AVX2 QLIP_ALWAYS_INLINE static F fmsub(F a, F b, F c) { return _mm256_fmsub_ps(a, b, c); } // a b - c
    // (x0, x1) -> (x1, x0) in every pair of lanes.
    QLIP_AVX2 QLIP_ALWAYS_INLINE static F swapPairs(F v) { return _mm256_permute_ps(v, 0xB1); }

    QLIP_AVX2 QLIP_ALWAYS_INLINE static float sum(F v) {
        __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        s = _mm_add_ss(s, _mm_movehdup_ps(s));
        return _mm_cvtss_f32(s);
    }
    QLIP_AVX2 QLIP_ALWAYS_INLINE static float max(F v) {
        __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        m = _mm_max_ps(m, _mm_movehl_ps(m, m));
        m = _mm_max_ss(m, _mm_movehdup_ps(m));
        return _mm_cvtss_f32(m);
    }

    // e^r of the reduced argument; n (rounded x / ln 2) goes to `n`.
    QLIP_AVX2 QLIP_ALWAYS_INLINE static F expReduced(F x, F* n) {
        *n = _mm256_round_ps(_mm256_mul_ps(x, set1(kLog2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        F r = _mm256_fnmadd_ps(*n, set1(kLn2Hi), x);
        r = _mm256_fnmadd_ps(*n, set1(kLn2Lo), r);
        F y = set1(kExpPoly[0]);
        for (int i = 1; i < 6; ++i) y = fmadd(y, r, set1(kExpPoly[i]));
        return add(fmadd(y, mul(r, r), r), set1(1.0f));
    }
    // e^x over the whole float32 range, subnormals included: 0 below kExpLow (and for -inf), +inf
    // above kExpHigh, so that silu's a / (1 + e^-a) is -0 for very negative a, as in LibTorch.
    // 2^n is applied in two halves (n in [-150, 128]) so that both factors are normal floats.
    QLIP_AVX2 QLIP_ALWAYS_INLINE static F exp(F x) {
        const F underflow = _mm256_cmp_ps(x, set1(kExpLow), _CMP_LT_OQ);
        const F overflow = _mm256_cmp_ps(x, set1(kExpHigh), _CMP_GT_OQ);
        x = _mm256_min_ps(max(x, set1(kExpLow)), set1(kExpHigh));
        F n;
        F y = expReduced(x, &n);
        const __m256i ni = _mm256_cvtps_epi32(n), n1 = _mm256_srai_epi32(ni, 1), n2 = _mm256_sub_epi32(ni, n1);
        const __m256i bias = _mm256_set1_epi32(127);
        const F p1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
        const F p2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
        y = _mm256_andnot_ps(underflow, mul(mul(y, p1), p2));
        return _mm256_blendv_ps(y, set1(std::numeric_limits<float>::infinity()), overflow);
    }
    // e^x for x <= 0: no overflow, and 0 below kExpNonPositiveLow; about a fifth fewer instructions.
    QLIP_AVX2 QLIP_ALWAYS_INLINE static F expNonPositive(F x) {
        const F underflow = _mm256_cmp_ps(x, set1(kExpNonPositiveLow), _CMP_LT_OQ);
        x = max(x, set1(kExpNonPositiveLow));
        F n;
        const F y = expReduced(x, &n);
        const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
        return _mm256_andnot_ps(underflow, mul(y, _mm256_castsi256_ps(e)));
    }
};

struct V16 {
    using F = __m512;
    static constexpr int64_t kLanes = 16;

    QLIP_AVX512 QLIP_ALWAYS_INLINE static F load(const c10::BFloat16* p) {
        const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    }
    QLIP_AVX512 QLIP_ALWAYS_INLINE static F load(const c10::Half* p) {
        return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    }
    // The same rounding as V8::store (c10's), sixteen lanes; vpmovdw keeps each lane's low half.
    QLIP_AVX512 QLIP_ALWAYS_INLINE static void store(c10::BFloat16* p, F v) {
        const __m512i u = _mm512_castps_si512(v);
        const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
        __m512i r = _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7FFF))), 16);
        r = _mm512_mask_mov_epi32(r, _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), _mm512_set1_epi32(0x7FC0));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtepi32_epi16(r));
    }
    QLIP_AVX512 QLIP_ALWAYS_INLINE static void store(c10::Half* p, F v) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
    QLIP_AVX512 QLIP_ALWAYS_INLINE static F load(const float* p) { return _mm512_loadu_ps(p); }
    QLIP_AVX512 QLIP_ALWAYS_INLINE static void store(float* p, F v) { _mm512_storeu_ps(p, v); }

    QLIP_AVX512 QLIP_ALWAYS_INLINE static F set1(float x) { return _mm512_set1_ps(x); }
    QLIP_AVX512 QLIP_ALWAYS_INLINE static F add(F a, F b) { return _mm512_add_ps(a, b); }
    QLIP_AVX512 QLIP_ALWAYS_INLINE static F sub(F a, F b) { return _mm512_sub_ps(a, b); }
    QLIP_AVX512 QLIP_ALWAYS_INLINE static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
    QLIP_AVX512 QLIP_ALWAYS_INLINE static F div(F a, F b) { return _mm512_div_ps(a, b); }
    QLIP_AVX512 QLIP_ALWAYS_INLINE static F max(F a, F b) { return _mm512_max_ps(a, b); }
    QLIP_AVX512 QLIP_ALWAYS_INLINE static F fmadd(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
    QLIP_AVX512 QLIP_ALWAYS_INLINE static F fmsub(F a, F b, F c) { return _mm512_fmsub_ps(a, b, c); }
    QLIP_AVX512 QLIP_ALWAYS_INLINE static F swapPairs(F v) { return _mm512_permute_ps(v, 0xB1); }

    QLIP_AVX512 QLIP_ALWAYS_INLINE static float sum(F v) {
        const __m256 s = _mm256_add_ps(_mm512_castps512_ps256(v),
                                       _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
        return V8::sum(s);
    }
    QLIP_AVX512 QLIP_ALWAYS_INLINE static float max(F v) {
        const __m256 m = _mm256_max_ps(_mm512_castps512_ps256(v),
                                       _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
        return V8::max(m);
    }

    QLIP_AVX512 QLIP_ALWAYS_INLINE static F expReduced(F x, F* n) {
        *n = _mm512_roundscale_ps(_mm512_mul_ps(x, set1(kLog2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        F r = _mm512_fnmadd_ps(*n, set1(kLn2Hi), x);
        r = _mm512_fnmadd_ps(*n, set1(kLn2Lo), r);
        F y = set1(kExpPoly[0]);
        for (int i = 1; i < 6; ++i) y = fmadd(y, r, set1(kExpPoly[i]));
        return add(fmadd(y, mul(r, r), r), set1(1.0f));
    }
    // As V8::exp; scalef multiplies by 2^n in one step, subnormal results included.
    QLIP_AVX512 QLIP_ALWAYS_INLINE static F exp(F x) {
        const __mmask16 underflow = _mm512_cmp_ps_mask(x, set1(kExpLow), _CMP_LT_OQ);
        const __mmask16 overflow = _mm512_cmp_ps_mask(x, set1(kExpHigh), _CMP_GT_OQ);
        x = _mm512_min_ps(max(x, set1(kExpLow)), set1(kExpHigh));
        F n;
        const F er = expReduced(x, &n);
        const F y = _mm512_maskz_mov_ps(__mmask16(~underflow), _mm512_scalef_ps(er, n));
        return _mm512_mask_mov_ps(y, overflow, set1(std::numeric_limits<float>::infinity()));
    }
    QLIP_AVX512 QLIP_ALWAYS_INLINE static F expNonPositive(F x) {
        const __mmask16 underflow = _mm512_cmp_ps_mask(x, set1(kExpNonPositiveLow), _CMP_LT_OQ);
        x = max(x, set1(kExpNonPositiveLow));
        F n;
        const F er = expReduced(x, &n);
        return _mm512_maskz_mov_ps(__mmask16(~underflow), _mm512_scalef_ps(er, n));
    }
};

} // namespace qlip::model::cpu::vec
