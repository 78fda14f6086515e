// The fused bf16/fp16 CPU kernels (model/cpu_kernels.h) against plain LibTorch float32 on the same
// reduced-precision inputs: every result within one unit in the last place of the output dtype
// (the kernels round a float32 result once, so they may only differ where float32 rounding
// noise meets a rounding boundary). And a whole layer in bf16 stays near its float32 copy.
#include "model/cpu_kernels.h"
#include "model/layers.h"
#include "model/rope.h"
#include "qlip/config.h"

#include <QtTest>
#include <cmath>

namespace cpu = qlip::model::cpu;

namespace {

// One ulp of each value of `ref` (float32) in `dtype`: 2^(exponent - mantissa bits), with the
// smallest normal as the floor (bf16 keeps float32's range; fp16 goes subnormal below 2^-14).
torch::Tensor ulpOf(const torch::Tensor& ref, torch::ScalarType dtype) {
    const bool bf16 = dtype == torch::kBFloat16;
    const double minNormal = bf16 ? std::ldexp(1.0, -126) : std::ldexp(1.0, -14);
    const double mantissa = bf16 ? 7 : 10;
    return torch::exp2(torch::floor(torch::log2(ref.abs().clamp_min(minNormal))) - mantissa);
}

// Max of max(0, |got - ref| - noise) / ulp(ref); <= 1 passes. `noise` is float32 rounding noise
// where a result cancels to near 0 (LayerNorm's w * z + b): there neither the kernel nor
// LibTorch's float32 reference knows the small value to one bf16 ulp. NaNs must match.
double ulpError(const torch::Tensor& got, const torch::Tensor& ref, double noise = 0.0) {
    auto g = got.to(torch::kFloat32), r = ref.to(torch::kFloat32);
    auto err = ((g - r).abs() - noise).clamp_min(0.0);
    // Probabilities the softmax flushes to 0 (below e^-87 = 1.6e-38) count as exact.
    auto ratio = torch::where(err <= 1e-37, torch::zeros_like(err), err / ulpOf(r, got.scalar_type()));
    if (!torch::equal(torch::isnan(g), torch::isnan(r))) return INFINITY;
    return ratio.nan_to_num(0.0).max().item<double>();
}

// The noise floor of a LayerNorm output: float32's relative precision (2^-24) times a margin of
// 16 for the mean, the variance and the affine step, of the largest output.
double layerNormFloor(const torch::Tensor& ref) { return std::ldexp(ref.abs().max().item<double>(), -20); }

torch::Tensor randomReduced(std::vector<int64_t> shape, double scale, double offset, torch::ScalarType dtype) {
    return (torch::randn(shape, torch::kFloat32) * scale + offset).to(dtype);
}

// Every row once per instruction set this CPU runs the kernels with (AVX2, AVX-512); the test
// selects it from the "isa" column (TestKernels::init).
void addShapeRows() {
    QTest::addColumn<QString>("isa");
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("width");
    QTest::addColumn<double>("scale");
    QTest::addColumn<double>("offset");
    QTest::addColumn<bool>("half");
    for (const auto& name : cpu::availableIsas()) {
        const QString isa = QString::fromStdString(name);
        const char* n = name.c_str();
        for (int rows : {1, 7, 257, 1025})
            for (int width : {64, 768, 2048, 2730})
                QTest::addRow("%s %d x %d", n, rows, width) << isa << rows << width << 1.0 << 0.0 << false;
        QTest::addRow("%s width 5 (tail only)", n) << isa << 3 << 5 << 1.0 << 0.0 << false;
        QTest::addRow("%s width 21 (vector and tail)", n) << isa << 3 << 21 << 1.0 << 0.0 << false;
        QTest::addRow("%s large magnitudes", n) << isa << 257 << 768 << 300.0 << 1000.0 << false;
        QTest::addRow("%s fp16 257 x 2730", n) << isa << 257 << 2730 << 1.0 << 0.0 << true;
        QTest::addRow("%s fp16 large magnitudes", n) << isa << 7 << 768 << 30.0 << 100.0 << true;
    }
}

} // namespace

class TestKernels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void layerNorm_data() { addShapeRows(); }
    void layerNorm();
    void swiglu_data() { addShapeRows(); }
    void swiglu();
    void softmax_data() { addShapeRows(); }
    void softmax();
    void softmaxMasked();
    void softmaxCausal_data();
    void softmaxCausal();
    void splitHeadsRope_data();
    void splitHeadsRope();
    void mergeHeadsLayerNorm();
    void onlyReducedPrecisionOnCpu();
    void rowsSplitOverEveryThread();
    void sameBitsOnOneAndTwoThreads();
    void bf16LayerStaysNearFloat32_data();
    void bf16LayerStaysNearFloat32();
};

void TestKernels::initTestCase() {
    if (!cpu::applies(torch::zeros({1}, torch::kBFloat16))) QSKIP("the fused kernels are not used here (no AVX2/FMA/F16C, or built with QLIP_NO_CPU_KERNELS)");
}

// Runs the rest of a data-driven test with the row's instruction set.
#define USE_ROW_ISA()                                                                              \
    QFETCH(QString, isa);                                                                          \
    QVERIFY(cpu::selectIsa(isa.toStdString()))

// Back to the widest instruction set, the default.
void TestKernels::cleanup() {
    if (!cpu::availableIsas().empty()) cpu::selectIsa(cpu::availableIsas().back());
}

void TestKernels::layerNorm() {
    USE_ROW_ISA();
    QFETCH(int, rows);
    QFETCH(int, width);
    QFETCH(double, scale);
    QFETCH(double, offset);
    QFETCH(bool, half);
    const auto dtype = half ? torch::kHalf : torch::kBFloat16;
    torch::manual_seed(rows * 7919 + width);
    auto x = randomReduced({rows, width}, scale, offset, dtype);                    // [rows, D]
    auto w = randomReduced({width}, 1.0, 1.0, dtype), b = randomReduced({width}, 1.0, 0.0, dtype);
    auto got = cpu::layerNorm(x, w, b, 1e-6);
    QCOMPARE(got.scalar_type(), dtype);
    auto ref = torch::layer_norm(x.to(torch::kFloat32), {width}, w.to(torch::kFloat32), b.to(torch::kFloat32), 1e-6);
    const double e = ulpError(got, ref, layerNormFloor(ref));
    qInfo("max error %.3f ulp", e);
    QVERIFY2(e <= 1.0, qPrintable(QString::number(e)));
}

void TestKernels::swiglu() {
    USE_ROW_ISA();
    QFETCH(int, rows);
    QFETCH(int, width);
    QFETCH(double, scale);
    QFETCH(double, offset);
    QFETCH(bool, half);
    const auto dtype = half ? torch::kHalf : torch::kBFloat16;
    torch::manual_seed(rows * 31 + width);
    // The gate spans silu's whole range: large negative (silu ~ 0), around 0, large positive.
    auto a = randomReduced({rows, width}, 4.0 * scale, 0.0, dtype), b = randomReduced({rows, width}, scale, offset, dtype);
    auto w = randomReduced({width}, 1.0, 1.0, dtype), bias = randomReduced({width}, 1.0, 0.0, dtype);
    auto h = torch::silu(a.to(torch::kFloat32)) * b.to(torch::kFloat32);               // [rows, F] float32
    auto plain = cpu::swiglu(a, b, {}, {}, 0.0);
    const double ePlain = ulpError(plain, h);
    auto normed = cpu::swiglu(a, b, w, bias, 1e-6);
    auto ref = torch::layer_norm(h, {width}, w.to(torch::kFloat32), bias.to(torch::kFloat32), 1e-6);
    const double eNormed = ulpError(normed, ref, layerNormFloor(ref));
    qInfo("max error %.3f ulp without LN, %.3f ulp with", ePlain, eNormed);
    QVERIFY(ePlain <= 1.0);
    QVERIFY(eNormed <= 1.0);
}

void TestKernels::softmax() {
    USE_ROW_ISA();
    QFETCH(int, rows);
    QFETCH(int, width);
    QFETCH(double, scale);
    QFETCH(double, offset);
    QFETCH(bool, half);
    const auto dtype = half ? torch::kHalf : torch::kBFloat16;
    torch::manual_seed(rows * 131 + width);
    auto scores = randomReduced({rows, width}, 3.0 * scale, offset, dtype);         // [rows, S]
    auto ref = torch::softmax(scores.to(torch::kFloat32) * 0.125, -1);
    cpu::softmaxInPlace(scores, 0.125, false, 0);
    const double e = ulpError(scores, ref);
    qInfo("max error %.3f ulp", e);
    QVERIFY2(e <= 1.0, qPrintable(QString::number(e)));
}

// -inf entries (a mask) give exact zeros and leave the other entries a proper distribution.
void TestKernels::softmaxMasked() {
    torch::manual_seed(3);
    for (int width : {5, 64, 257, 2730}) {
        auto scores = randomReduced({4, width}, 2.0, 0.0, torch::kBFloat16);        // [4, S]
        scores.index_put_({0, torch::indexing::Slice(1, torch::indexing::None, 2)}, -INFINITY);
        scores.index_put_({1, torch::indexing::Slice(0, width - 1)}, -INFINITY);    // one entry left
        scores.index_put_({2, 0}, -INFINITY);
        auto ref = torch::softmax(scores.to(torch::kFloat32), -1);
        cpu::softmaxInPlace(scores, 1.0, false, 0);
        QVERIFY(ulpError(scores, ref) <= 1.0);
        QVERIFY(torch::equal(scores.to(torch::kFloat32) == 0, ref == 0));
        QCOMPARE(scores[1][width - 1].item<float>(), 1.0f);
    }
}

void TestKernels::softmaxCausal_data() {
    QTest::addColumn<int>("queries");
    QTest::addColumn<int>("firstQuery");
    QTest::addColumn<int>("keys");
    QTest::newRow("text, 77 tokens") << 77 << 0 << 77;
    QTest::newRow("a later block of queries") << 100 << 300 << 1025;
}

// The causal kernel equals masked_fill(-inf) above the diagonal followed by softmax.
void TestKernels::softmaxCausal() {
    QFETCH(int, queries);
    QFETCH(int, firstQuery);
    QFETCH(int, keys);
    torch::manual_seed(5);
    auto scores = randomReduced({2, 3, queries, keys}, 4.0, 0.0, torch::kBFloat16); // [B, H, t, S]
    auto rows = torch::arange(firstQuery, firstQuery + queries).unsqueeze(1), cols = torch::arange(keys).unsqueeze(0);
    auto ref = torch::softmax((scores.to(torch::kFloat32) * 0.125).masked_fill(cols > rows, -INFINITY), -1);
    cpu::softmaxInPlace(scores, 0.125, true, firstQuery);
    QVERIFY(ulpError(scores, ref) <= 1.0);
    QVERIFY(torch::equal(scores.to(torch::kFloat32) == 0, ref == 0));
}

void TestKernels::splitHeadsRope_data() {
    QTest::addColumn<int>("grid");
    QTest::addColumn<int>("headDim");
    QTest::addColumn<int>("leading");
    QTest::addColumn<int>("heads");
    QTest::newRow("B-16 vision: 16 x 16 + class token, 12 x 64") << 16 << 64 << 1 << 12;
    QTest::newRow("tiny: 16 x 16, 4 x 12 (pair tail)") << 16 << 12 << 0 << 4;
    QTest::newRow("B-8 decoder: 32 x 32, 12 x 64") << 32 << 64 << 0 << 12;
}

// splitHeadsRope(x) equals applyRope on the [B, H, T, hd] view, computed in float32.
void TestKernels::splitHeadsRope() {
    QFETCH(int, grid);
    QFETCH(int, headDim);
    QFETCH(int, leading);
    QFETCH(int, heads);
    const int64_t T = int64_t(grid) * grid + leading, D = int64_t(heads) * headDim;
    torch::manual_seed(T);
    auto x = randomReduced({2, T, D}, 3.0, 0.0, torch::kBFloat16);                  // [B, T, D]
    auto rope = qlip::model::ropeForTokens(qlip::model::buildRope2d(grid, headDim), leading, x.options());
    auto got = cpu::splitHeadsRope(x, heads, rope);                                 // [B, H, T, hd]
    QCOMPARE(got.sizes(), (std::vector<int64_t>{2, heads, T, headDim}));
    QVERIFY(rope.cosF32.defined());                                              // widened once per forward
    const qlip::model::RopeApply uncached{rope.cos, rope.sinSigned, {}, {}};
    QVERIFY(torch::equal(cpu::splitHeadsRope(x, heads, uncached), got));
    const qlip::model::RopeApply ropeF{rope.cos.to(torch::kFloat32), rope.sinSigned.to(torch::kFloat32), {}, {}};
    auto ref = qlip::model::applyRope(x.to(torch::kFloat32).view({2, T, heads, headDim}).transpose(1, 2), ropeF);
    const double e = ulpError(got, ref);
    qInfo("max error %.3f ulp", e);
    QVERIFY(e <= 1.0);
    if (leading) QVERIFY(torch::equal(got.select(2, 0), x.select(1, 0).view({2, heads, headDim}))); // not rotated
}

// The heads of an attention context, contiguous or a strided view, merged and normalised.
void TestKernels::mergeHeadsLayerNorm() {
    torch::manual_seed(11);
    const int64_t B = 2, H = 12, T = 257, hd = 64;
    auto w = randomReduced({H * hd}, 1.0, 1.0, torch::kBFloat16), b = randomReduced({H * hd}, 1.0, 0.0, torch::kBFloat16);
    auto contiguous = randomReduced({B, H, T, hd}, 2.0, 0.5, torch::kBFloat16);     // [B, H, T, hd]
    auto strided = randomReduced({B, T, H, hd}, 2.0, 0.5, torch::kBFloat16).transpose(1, 2);
    for (const auto& context : {contiguous, strided}) {
        auto got = cpu::mergeHeadsLayerNorm(context, w, b, 1e-5);                   // [B, T, H * hd]
        auto merged = context.to(torch::kFloat32).transpose(1, 2).reshape({B, T, H * hd});
        auto ref = torch::layer_norm(merged, {H * hd}, w.to(torch::kFloat32), b.to(torch::kFloat32), 1e-5);
        QVERIFY(ulpError(got, ref, layerNormFloor(ref)) <= 1.0);
    }
}

// fp32/fp64 (the bit-exact parity modes) never reach the kernels.
void TestKernels::onlyReducedPrecisionOnCpu() {
    QVERIFY(!cpu::applies(torch::zeros({4}, torch::kFloat32)));
    QVERIFY(!cpu::applies(torch::zeros({4}, torch::kFloat64)));
    QVERIFY(cpu::applies(torch::zeros({4}, torch::kBFloat16)));
    QVERIFY(cpu::applies(torch::zeros({4}, torch::kHalf)));
}

// Sets LibTorch's intra-op thread count for one scope.
struct ThreadCount {
    int saved = at::get_num_threads();
    explicit ThreadCount(int n) { at::set_num_threads(n); }
    ~ThreadCount() { at::set_num_threads(saved); }
};

// The kernels use LibTorch's threads: at::parallel_for compiled without OpenMP ran them all on
// the calling thread, which made bf16 at 2 threads a tenth slower than it is.
void TestKernels::rowsSplitOverEveryThread() {
    for (int n : {1, 2, 3}) {
        ThreadCount threads(n);
        QCOMPARE(cpu::parallelWidth(), n);
    }
}

// Rows are independent, so the split changes no bit.
void TestKernels::sameBitsOnOneAndTwoThreads() {
    torch::manual_seed(17);
    auto x = randomReduced({257, 768}, 2.0, 0.5, torch::kBFloat16), y = randomReduced({257, 768}, 2.0, 0.0, torch::kBFloat16);
    auto w = randomReduced({768}, 1.0, 1.0, torch::kBFloat16), b = randomReduced({768}, 1.0, 0.0, torch::kBFloat16);
    auto runAll = [&](int n) {
        ThreadCount threads(n);
        torch::manual_seed(23);
        auto scores = randomReduced({12, 257, 257}, 3.0, 0.0, torch::kBFloat16);  // [H, T, T]
        cpu::softmaxInPlace(scores, 0.125, true, 0);
        return std::vector<torch::Tensor>{cpu::layerNorm(x, w, b, 1e-6), cpu::swiglu(x, y, w, b, 1e-6), scores};
    };
    const auto one = runAll(1), two = runAll(2);
    for (size_t i = 0; i < one.size(); ++i) QVERIFY2(torch::equal(one[i], two[i]), qPrintable(QString("kernel %1").arg(i)));
}

void TestKernels::bf16LayerStaysNearFloat32_data() {
    QTest::addColumn<bool>("vision");
    QTest::newRow("vision layer: RoPE, SwiGLU, sub-LN") << true;
    QTest::newRow("text layer: causal, GELU") << false;
}

// One encoder layer of B-16 in bf16 (the fused path) against the same weights in float32.
void TestKernels::bf16LayerStaysNearFloat32() {
    QFETCH(bool, vision);
    torch::manual_seed(2);
    auto config = qlip::QlipConfig::preset("QLIP-B-16-256");
    const qlip::TowerConfig& tower = vision ? static_cast<const qlip::TowerConfig&>(config.vision) : config.text;
    qlip::model::EncoderLayer layer(tower);
    torch::NoGradGuard noGrad;
    const int64_t T = vision ? config.vision.numPatches() + 1 : 77;
    auto x = torch::randn({1, T, int64_t(tower.hiddenSize)}).to(torch::kBFloat16).to(torch::kFloat32); // [1, T, D]
    auto tables = qlip::model::buildRope2d(config.vision.grid(), config.vision.headDim());
    auto want = layer->forward(x, vision ? qlip::model::ropeForTokens(tables, 1, x.options()) : qlip::model::RopeApply{}, !vision);
    layer->to(torch::kBFloat16);
    auto xb = x.to(torch::kBFloat16);
    auto got = layer->forward(xb, vision ? qlip::model::ropeForTokens(tables, 1, xb.options()) : qlip::model::RopeApply{}, !vision);
    const double err = (got.to(torch::kFloat32) - want).abs().max().item<double>();
    const double scale = want.abs().max().item<double>();
    qInfo("max |err| %.3e of max |y| %.3e", err, scale);
    QVERIFY(err < 0.03 * scale);
}

QTEST_GUILESS_MAIN(TestKernels)
#include "test_kernels.moc"
