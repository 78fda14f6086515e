// The shipped default model (resources/models/qlip-emoji-64): it opens through the normal loader,
// reconstructs emoji above a PSNR floor, and its zero-shot classifier works on held-out art.
#include "qlip/engine.h"
#include "qlip/eval.h"
#include "qlip/image.h"
#include "qlip/prior.h"

#include <QtTest>

#include <filesystem>

namespace {

const std::string kModel = std::string(QLIPX_SOURCE_DIR) + "/resources/models/qlip-emoji-64";
const std::string kPrior = std::string(QLIPX_SOURCE_DIR) + "/resources/models/qlip-emoji-64-prior";
const std::string kCases = std::string(QLIPX_TEST_DATA) + "/emoji-heldout";

QJsonObject cases() {
    QFile f(QString::fromStdString(kCases + "/cases.json"));
    if (!f.open(QIODevice::ReadOnly)) qFatal("missing cases.json");
    return QJsonDocument::fromJson(f.readAll()).object();
}

// Zero-shot rank of `label` for an image among `labels` (0 = first).
int rankOf(qlip::Engine& e, const qlip::ImageRGB8& image, const std::vector<std::string>& labels, const std::string& label) {
    std::vector<std::string> prompts;
    for (const auto& l : labels) prompts.push_back("an emoji of " + l);
    auto img = e.embedImages({e.preprocess(image)}).front();
    auto r = e.zeroShot(img, e.embedTexts(prompts));
    const size_t truth = size_t(std::find(labels.begin(), labels.end(), label) - labels.begin());
    int rank = 0;
    for (size_t i = 0; i < labels.size(); ++i) rank += r.probabilities[i] > r.probabilities[truth];
    return rank;
}

int rankOf(qlip::Engine& e, const std::string& imageFile, const std::vector<std::string>& labels, const std::string& label) {
    return rankOf(e, qlip::loadImage(imageFile, e.preprocessConfig().alpha), labels, label);
}

} // namespace

class TestDefaultModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void opensWithTheNormalLoader();
    void reconstructsEmoji();
    void zeroShotOnHeldOutArt();
    void priorSamplesShowTheirPrompts();
};

void TestDefaultModel::opensWithTheNormalLoader() {
    auto e = qlip::Engine::open(kModel, {qlip::Device::CPU});
    const auto& i = e->info();
    QCOMPARE(i.imageSize, 64);
    QCOMPARE(i.gridRows, 8);
    QCOMPARE(i.bits, 28);
    QVERIFY(e->hasTokenizer());
    QVERIFY(e->preprocessConfig().alpha == qlip::AlphaMode::CompositeOnWhite);
    QVERIFY(i.warnings.empty());
}

void TestDefaultModel::reconstructsEmoji() {
    auto e = qlip::Engine::open(kModel, {qlip::Device::CPU});
    for (const auto& s : cases()["training_samples"].toArray()) {
        const std::string file = kCases + "/" + s.toObject()["file"].toString().toStdString();
        auto original = qlip::loadImage(file, e->preprocessConfig().alpha);
        auto tokens = e->encodeImage(original);
        auto recon = e->decodeToImage(tokens);
        double p = qlip::psnr(original, recon);
        qInfo("%s: PSNR %.2f dB, %zu tokens", file.c_str(), p, tokens.indices.size());
        QVERIFY(p > QLIPX_DEFAULT_PSNR_FLOOR);
        QCOMPARE(e->encodeImage(original).indices, tokens.indices); // deterministic
    }
}

void TestDefaultModel::zeroShotOnHeldOutArt() {
    auto e = qlip::Engine::open(kModel, {qlip::Device::CPU});
    auto c = cases();
    std::vector<std::string> labels;
    for (const auto& l : c["labels100"].toArray()) labels.push_back(l.toString().toStdString());
    int top1 = 0, top5 = 0;
    for (const auto& h : c["heldout"].toArray()) {
        const auto o = h.toObject();
        int rank = rankOf(*e, kCases + "/" + o["file"].toString().toStdString(), labels, o["label"].toString().toStdString());
        qInfo("%-28s rank %d of 100", qPrintable(o["label"].toString()), rank);
        top1 += rank == 0;
        top5 += rank < 5;
    }
    qInfo("held-out 100-way: top-1 %d of 12, top-5 %d of 12 (chance: 0.12 and 0.6)", top1, top5);
    QVERIFY(top1 >= QLIPX_DEFAULT_MIN_TOP1);
    QVERIFY(top5 >= QLIPX_DEFAULT_MIN_TOP5);
    // A training-set emoji finds its own label among the 100 others.
    labels.push_back("red apple");
    QCOMPARE(rankOf(*e, kCases + "/google_red_apple.png", labels, "red apple"), 0);
}

void TestDefaultModel::priorSamplesShowTheirPrompts() {
    // The embedded prior: one sample for each of the first 20 labels of the 100-way subset
    // (seed = position), judged by the model's own zero-shot classifier over the 100 labels.
    qlip::EngineOptions o;
    o.device = qlip::Device::CPU;
    o.threads = 1;
    auto e = qlip::Engine::open(kModel, o);
    auto prior = qlip::Prior::open(kPrior, *e);
    QVERIFY(std::filesystem::file_size(kPrior + "/model.safetensors") <= 15u * 1000 * 1000);
    std::vector<std::string> labels;
    for (const auto& l : cases()["labels100"].toArray()) labels.push_back(l.toString().toStdString());
    int top1 = 0, top5 = 0;
    for (size_t i = 0; i < 20; ++i) {
        qlip::GenerateRequest r;
        r.prompt = "an emoji of " + labels[i];
        r.sampling.seed = i;
        r.sampling.cfgScale = QLIPX_PRIOR_CFG;
        r.sampling.temperature = QLIPX_PRIOR_TEMPERATURE;
        auto g = prior->generate(*e, r);
        const int rank = rankOf(*e, e->decodeToImage(g.grids[0]), labels, labels[i]);
        top1 += rank == 0;
        top5 += rank < 5;
    }
    qInfo("prior samples, 100-way: top-1 %d of 20, top-5 %d of 20 (chance: 0.2 and 1)", top1, top5);
    QVERIFY(top1 >= QLIPX_PRIOR_MIN_TOP1);
    QVERIFY(top5 >= QLIPX_PRIOR_MIN_TOP5);
    // Different seeds, different images.
    qlip::GenerateRequest a, b;
    a.prompt = b.prompt = "an emoji of red apple";
    b.sampling.seed = 1;
    QVERIFY(prior->generate(*e, a).grids[0].indices != prior->generate(*e, b).grids[0].indices);
}

QTEST_GUILESS_MAIN(TestDefaultModel)
#include "test_default_model.moc"
