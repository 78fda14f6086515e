// The module tree of each released configuration has exactly the checkpoint's parameter keys and
// shapes (shared/spec/keys-*.txt, copied to tests/data/spec), aliases and RoPE buffers excepted.
#include "model/layers.h"
#include "model/qlip_model.h"
#include "model/weights.h"
#include "model/rope.h"
#include "qlip/config.h"

#include <QtTest>
#include <fstream>
#include <set>

class TestModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void keysMatchRelease_data();
    void keysMatchRelease();
    void ropeTablesFollowSpec();
    void indexLayoutIsMsbFirst();
    void longSequenceAttentionIsBlockedExactly_data();
    void longSequenceAttentionIsBlockedExactly();
    void ropeLeavesLeadingTokensAlone();
};

void TestModel::longSequenceAttentionIsBlockedExactly_data() {
    QTest::addColumn<int>("tokens");
    QTest::addColumn<bool>("causal");
    QTest::addColumn<bool>("bf16");
    QTest::newRow("short, one block") << 64 << false << false;
    QTest::newRow("1,500 tokens, blocked") << 1500 << false << false;
    QTest::newRow("1,500 tokens, causal, blocked") << 1500 << true << false;
    // bf16 on the CPU: the fused path, whose blocks write their product straight into the output.
    QTest::newRow("bf16, 1,500 tokens, blocked") << 1500 << false << true;
    QTest::newRow("bf16, 1,500 tokens, causal, blocked") << 1500 << true << true;
}

// Long sequences are attended in blocks of heads and queries (to keep the scores in the cache);
// the result must be the plain softmax(q k^T) v: exactly in fp64, and in bf16 within its rounding
// of the fp64 result for the same bf16 weights and inputs.
void TestModel::longSequenceAttentionIsBlockedExactly() {
    QFETCH(int, tokens);
    QFETCH(bool, causal);
    QFETCH(bool, bf16);
    torch::manual_seed(1);
    qlip::TowerConfig c;
    c.hiddenSize = 64;
    c.numHeads = 4;
    qlip::model::Attention attn(c);
    torch::NoGradGuard guard;
    auto x = torch::randn({1, tokens, 64}, torch::kFloat64);
    attn->to(bf16 ? torch::kBFloat16 : torch::kFloat64);
    if (bf16) x = x.to(torch::kBFloat16);
    auto got = attn->forward(x, {}, causal).to(torch::kFloat64);
    attn->to(torch::kFloat64);
    x = x.to(torch::kFloat64);

    auto heads = [&](const torch::Tensor& t) { return t.view({1, tokens, 4, 16}).transpose(1, 2); };
    auto q = heads(attn->q_proj(x) * 0.25), k = heads(attn->k_proj(x)), v = heads(attn->v_proj(x));
    auto scores = torch::matmul(q, k.transpose(-2, -1));
    if (causal) scores = scores.masked_fill(torch::ones({tokens, tokens}, torch::kBool).triu(1), -INFINITY);
    auto want = attn->out_proj(torch::matmul(torch::softmax(scores, -1), v).transpose(1, 2).reshape({1, tokens, 64}));
    const double err = (got - want).abs().max().item<double>(), scale = want.abs().max().item<double>();
    qInfo("max |err| %.3g of max |y| %.3g", err, scale);
    QVERIFY(err < (bf16 ? 0.02 * scale : 1e-12));
}

void TestModel::ropeLeavesLeadingTokensAlone() {
    auto tables = qlip::model::buildRope2d(4, 16);                         // 16 positions
    auto rope = qlip::model::ropeForTokens(tables, 1, torch::TensorOptions().dtype(torch::kFloat32));
    QCOMPARE(rope.cos.size(0), 17);
    auto x = torch::randn({1, 2, 17, 16});
    auto y = qlip::model::applyRope(x, rope);
    QVERIFY(torch::equal(y.select(2, 0), x.select(2, 0)));                // the class token
    // The rest: the reference's rotation (x0, x1) -> (-x1, x0), bit for bit.
    auto r = x.slice(2, 1);
    auto pairs = r.unflatten(-1, {8, 2});
    auto rotated = torch::stack({-pairs.select(-1, 1), pairs.select(-1, 0)}, -1).flatten(-2);
    QVERIFY(torch::equal(y.slice(2, 1), r * tables.cos + rotated * tables.sin));
}

void TestModel::keysMatchRelease_data() {
    QTest::addColumn<QString>("preset");
    QTest::newRow("B-16-256") << "QLIP-B-16-256";
    QTest::newRow("B-8-256") << "QLIP-B-8-256";
    QTest::newRow("L-14-392") << "QLIP-L-14-392";
}

void TestModel::keysMatchRelease() {
    QFETCH(QString, preset);
    const std::string name = preset.toStdString();
    std::ifstream in(std::string(QLIPX_TEST_DATA) + "/spec/keys-" + name + ".txt");
    QVERIFY2(in.good(), "key list missing");
    std::set<std::string> expected;
    int64_t expectedParams = 0;
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        auto t1 = line.find('\t'), t2 = line.find('\t', t1 + 1), t3 = line.find('\t', t2 + 1);
        std::string kind = line.substr(t3 + 1);
        if (kind != "param") continue; // RoPE buffers and their aliases are computed, not loaded
        expected.insert(line.substr(0, t1) + "\t" + line.substr(t1 + 1, t2 - t1 - 1));
    }
    torch::NoGradGuard g;
    qlip::model::QLIPModel model(qlip::QlipConfig::preset(name));
    auto schema = qlip::model::parameterSchema(*model);
    std::set<std::string> ours(schema.begin(), schema.end());
    for (const auto& p : model->parameters()) expectedParams += p.numel();

    std::vector<std::string> onlyOurs, onlyTheirs;
    std::set_difference(ours.begin(), ours.end(), expected.begin(), expected.end(), std::back_inserter(onlyOurs));
    std::set_difference(expected.begin(), expected.end(), ours.begin(), ours.end(), std::back_inserter(onlyTheirs));
    for (const auto& k : onlyOurs) qWarning("only in ours: %s", k.c_str());
    for (const auto& k : onlyTheirs) qWarning("only in the release: %s", k.c_str());
    QVERIFY(onlyOurs.empty());
    QVERIFY(onlyTheirs.empty());
    QCOMPARE(ours.size(), expected.size());
    qInfo("%s: %zu parameter tensors, %lld parameters", name.c_str(), ours.size(), static_cast<long long>(expectedParams));
    // The parameter counts the spec gives for the released models.
    const std::map<std::string, int64_t> counts = {
        {"QLIP-B-16-256", 239434013}, {"QLIP-B-8-256", 238991069}, {"QLIP-L-14-392", 738111243}};
    QCOMPARE(expectedParams, counts.at(name));
}

void TestModel::ropeTablesFollowSpec() {
    // B-8-256: grid 32, positions k * 16 / 32 = 0, 0.5, ...; head dim 64.
    auto rope = qlip::model::buildRope2d(32, 64);
    QCOMPARE(rope.cos.size(0), 1024);
    QCOMPARE(rope.cos.size(1), 64);
    // token n = r * g + c; channel pair j < 16 follows the row, j >= 16 the column.
    const int r = 5, c = 7, n = r * 32 + c;
    for (int j : {0, 3, 15, 16, 20, 31}) {
        double omega = 1.0 / std::pow(10000.0, 2.0 * (j % 16) / 32.0);
        double pos = (j < 16 ? r : c) * 16.0 / 32.0;
        double expected = std::cos(pos * omega);
        QVERIFY(std::abs(rope.cos[n][2 * j].item<double>() - expected) < 1e-5);
        QCOMPARE(rope.cos[n][2 * j].item<float>(), rope.cos[n][2 * j + 1].item<float>()); // pairs share an angle
    }
}

void TestModel::indexLayoutIsMsbFirst() {
    torch::NoGradGuard g;
    qlip::QlipConfig cfg = qlip::QlipConfig::preset("QLIP-B-16-256");
    cfg.vision.numLayers = cfg.decoder.numLayers = cfg.text.numLayers = 0; // the layout needs no layers
    qlip::model::QLIPModel model(cfg);
    auto codes = -torch::ones({1, 2, 28});
    codes[0][0][0] = 1;   // channel 0 alone -> 2^27
    codes[0][1][27] = 1;  // channel 27 alone -> 1
    auto idx = model->indicesFromCodes(codes);
    QCOMPARE(idx[0][0].item<int64_t>(), int64_t(1) << 27);
    QCOMPARE(idx[0][1].item<int64_t>(), int64_t(1));
    auto back = model->codesFromIndices(idx);
    QVERIFY(torch::equal(back, codes));
}

QTEST_GUILESS_MAIN(TestModel)
#include "test_model.moc"
