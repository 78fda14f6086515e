// How Engine::open holds the weights (issue #16): in the engine's dtype, as views of the
// memory-mapped file where the dtypes match, with the same results as copies, and a write to a
// mapped weight never reaches the file.
#include "engine_impl.h"

#include "qlip/engine.h"
#include "qlip/hub_download.h"
#include "qlip/safetensors.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>

namespace fs = std::filesystem;

namespace {

const std::string kGolden = std::string(QLIPX_TEST_DATA) + "/golden/tiny-b16";

qlip::EngineOptions options(qlip::Precision p, bool map) {
    qlip::EngineOptions o;
    o.device = qlip::Device::CPU;
    o.precision = p;
    o.threads = 2;
    o.mapWeights = map;
    return o;
}

// A fixed pseudo-random image of the model's input size.
qlip::PixelTensor pixels(int size) {
    qlip::PixelTensor p;
    p.height = p.width = size;
    p.chw.resize(size_t(3) * size * size);
    uint32_t state = 12345;
    for (auto& v : p.chw) {
        state = state * 1664525u + 1013904223u;
        v = float(state >> 8) / float(1 << 24) * 4.0f - 2.0f;
    }
    return p;
}

qlip::TokenGrid encode(qlip::Engine& e) { return e.encode({pixels(e.config().vision.imageSize)}).front(); }

uint64_t parameterBytes(const std::string& file) {
    uint64_t n = 0;
    const auto weights = qlip::SafetensorsFile::open(file);
    for (const auto& t : weights.tensors())
        if (t.name.find(".rope.") == std::string::npos) n += t.end - t.begin;
    return n;
}

void checkStorage(qlip::Engine& e, torch::ScalarType type) {
    for (const auto& p : e.impl().model->named_parameters()) {
        QVERIFY2(p.value().scalar_type() == type, p.key().c_str());
        QVERIFY2(p.value().is_contiguous(), p.key().c_str()); // no placeholder left
    }
}

} // namespace

class TestLoading : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void fp32MapsTheReleasedFormat() {
        auto mapped = qlip::Engine::open(kGolden, options(qlip::Precision::F32, true));
        auto copied = qlip::Engine::open(kGolden, options(qlip::Precision::F32, false));
        QCOMPARE(mapped->info().mappedBytes, parameterBytes(kGolden + "/model.safetensors"));
        QCOMPARE(copied->info().mappedBytes, uint64_t(0));
        checkStorage(*mapped, torch::kFloat32);
        const auto a = encode(*mapped), b = encode(*copied);
        QCOMPARE(a.indices, b.indices);
        QCOMPARE(a.latents, b.latents); // bit for bit
    }

    void bf16KeepsBf16() {
        // F32 file, bf16 engine: converted once into bf16, nothing float32 kept.
        auto e = qlip::Engine::open(kGolden, options(qlip::Precision::BF16, true));
        QCOMPARE(e->info().mappedBytes, uint64_t(0));
        checkStorage(*e, torch::kBFloat16);
        // A BF16 file, bf16 engine: mapped, and the same tokens as copying it.
        QTemporaryDir dir;
        const std::string folder = dir.path().toStdString() + "/bf16";
        qlip::Engine::open(kGolden, options(qlip::Precision::F32, false))->saveModelFolder(folder, "BF16");
        auto mapped = qlip::Engine::open(folder, options(qlip::Precision::BF16, true));
        auto copied = qlip::Engine::open(folder, options(qlip::Precision::BF16, false));
        QCOMPARE(mapped->info().mappedBytes, parameterBytes(folder + "/model.safetensors"));
        checkStorage(*mapped, torch::kBFloat16);
        const auto a = encode(*mapped), b = encode(*copied);
        QCOMPARE(a.indices, b.indices);
        QCOMPARE(a.latents, b.latents);
        // The conversion path agrees with the mapped BF16 file: both hold the same rounded weights.
        QCOMPARE(encode(*e).indices, a.indices);
    }

    void writesStayInTheProcess() {
        QTemporaryDir dir;
        const fs::path folder = fs::path(dir.path().toStdString()) / "m";
        fs::create_directories(folder);
        fs::copy_file(kGolden + "/config.json", folder / "config.json");
        fs::copy_file(kGolden + "/model.safetensors", folder / "model.safetensors");
        const std::string before = qlip::hub::sha256OfFile(folder / "model.safetensors");
        {
            auto e = qlip::Engine::open(folder.string(), options(qlip::Precision::F32, true));
            QVERIFY(e->info().mappedBytes > 0);
            torch::NoGradGuard guard;
            for (auto& p : e->impl().model->parameters()) p.add_(1.0); // copy-on-write: no crash, no change on disk
            QCOMPARE(e->impl().model->logit_scale.item<float>(), e->info().logitScale + 1.0f);
        }
        QCOMPARE(qlip::hub::sha256OfFile(folder / "model.safetensors"), before);
    }
};

QTEST_GUILESS_MAIN(TestLoading)
#include "test_loading.moc"
