// File ▸ Models… (issue #16): the picker lists the embedded model and the official ones as "not
// downloaded", downloads one from the mock hub with progress, speed and time left, cancels (the
// part is kept), resumes, and offers the finished snapshot to open. With QLIPX_SCREENSHOT_DIR set,
// it saves the dialog before, during and after the download.
#include "mockhub.h"
#include "modelsdialog.h"

#include "qlip/hub.h"

#include <QApplication>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using qlipx::ModelsDialog;
namespace hub = qlip::hub;

namespace {

void shoot(QWidget& w, const char* name) {
    const QByteArray dir = qgetenv("QLIPX_SCREENSHOT_DIR");
    if (!dir.isEmpty()) QVERIFY(w.grab().save(QString::fromUtf8(dir) + "/" + name));
}

int rowOf(const ModelsDialog& d, const QString& name) {
    for (int i = 0; i < d.rowCount(); ++i)
        if (d.rowText(i, 0) == name) return i;
    return -1;
}

} // namespace

class TestModelsDialog : public QObject {
    Q_OBJECT
    MockHub m_hub;
    QTemporaryDir m_home;

private Q_SLOTS:
    void initTestCase() {
        const QString error = m_hub.start();
        QVERIFY2(error.isEmpty(), qPrintable(error));
        qputenv("HF_ENDPOINT", m_hub.endpoint().toUtf8());
        qputenv("HF_HUB_CACHE", (m_home.path() + "/hub").toUtf8());
        qputenv("XDG_CONFIG_HOME", (m_home.path() + "/config").toUtf8());
        qunsetenv("HF_TOKEN");
        qunsetenv("QLIPX_MODEL_PATH");
    }

    void downloadCancelResumeOpen() {
        ModelsDialog d;
        d.resize(980, 400);
        d.show();
        QVERIFY(QTest::qWaitForWindowExposed(&d));
        // Before: the embedded model, and the three official ones not downloaded.
        QCOMPARE(d.rowText(0, 1), QStringLiteral("embedded"));
        for (const auto& o : hub::officialModels()) {
            const int row = rowOf(d, QString::fromStdString(o.repoId));
            QVERIFY2(row >= 0, o.repoId.c_str());
            QCOMPARE(d.rowText(row, 4), QStringLiteral("not downloaded"));
        }
        QVERIFY(d.selectRepo(QString::fromLatin1(MockHub::kRepo)));
        shoot(d, "models-before.png");

        // During: a slow hub (2 MB/s for the 14 MB weights); progress with speed and time left.
        QVERIFY(m_hub.configure(R"({"rate": 2000000})"));
        QSignalSpy progress(&d, &ModelsDialog::progressChanged);
        QSignalSpy finished(&d, &ModelsDialog::downloadFinished);
        d.startDownload();
        QVERIFY(d.downloading());
        QTRY_VERIFY_WITH_TIMEOUT(!progress.isEmpty() && progress.last().at(0).value<qlipx::HubProgress>().done > 5'000'000, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(d.statusText().contains("MB/s") && d.statusText().contains("left"), 5000);
        const auto p = progress.last().at(0).value<qlipx::HubProgress>();
        QCOMPARE(p.file, QStringLiteral("model.safetensors"));
        QVERIFY(p.total > 14'000'000 && p.etaSeconds > 0 && p.bytesPerSecond > 0);
        shoot(d, "models-during.png");

        // Cancel: the part stays, and the button offers to resume.
        d.cancelDownload();
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 20000);
        QCOMPARE(finished.last().at(0).toBool(), false);
        QVERIFY(d.statusText().contains("cancelled"));
        const int row = rowOf(d, QString::fromLatin1(MockHub::kRepo));
        QVERIFY(d.rowText(row, 4).contains("interrupted"));
        QCOMPARE(d.findChild<QPushButton*>("download")->text(), QStringLiteral("&Resume download"));

        // Resume at full speed: the rest comes with a Range request; the row turns complete.
        QVERIFY(m_hub.configure("{}"));
        QVERIFY(d.selectRepo(QString::fromLatin1(MockHub::kRepo)));
        d.startDownload();
        QTRY_VERIFY_WITH_TIMEOUT(finished.size() == 2, 60000);
        QVERIFY2(finished.last().at(0).toBool(), qPrintable(finished.last().at(1).toString()));
        bool ranged = false;
        const qlip::Json requests = m_hub.log(); // kept alive: the loop reads into it
        for (const auto& e : requests.asArray()) ranged |= e.find("range")->isString();
        QVERIFY(ranged);
        const int done = rowOf(d, QString::fromLatin1(MockHub::kRepo));
        QCOMPARE(d.rowText(done, 1), QStringLiteral("Hugging Face cache"));
        QCOMPARE(d.rowText(done, 4), QStringLiteral("complete"));
        QVERIFY(d.rowText(done, 2).endsWith("(main)"));
        shoot(d, "models-after.png");

        // Open hands the snapshot folder to the window.
        QSignalSpy open(&d, &ModelsDialog::openRequested);
        QVERIFY(d.selectRepo(QString::fromLatin1(MockHub::kRepo)));
        QMetaObject::invokeMethod(&d, [&] { d.findChild<QPushButton*>("open")->click(); });
        QTRY_COMPARE(open.size(), 1);
        const QString folder = open.first().at(0).toString();
        QCOMPARE(hub::repoIdOfSnapshot(hub::fs::u8path(folder.toStdString())), std::string(MockHub::kRepo));
        QVERIFY(QFileInfo(folder + "/model.safetensors").isFile());
    }
};

QTEST_MAIN(TestModelsDialog)
#include "test_models_dialog.moc"
