#pragma once
// Starts tests/tools/mock_hub.py (Debian's python3) serving the golden tiny model, with the
// embedded model's tokenizer files and tests/data/hub/preprocessor_config.json, as
// nvidia/QLIP-B-16-256; stops it at the end.
#include "qlip/hub_download.h"
#include "qlip/json.h"

#include <QProcess>
#include <QString>
#include <QUrl>

class MockHub {
public:
    static constexpr const char* kRepo = "nvidia/QLIP-B-16-256";

    // Returns "" on success, else why the mock did not start.
    QString start() {
        const QString src = QStringLiteral(QLIPX_SOURCE_DIR), m = src + "/resources/models/qlip-emoji-64";
        const QString r = QString::fromLatin1(kRepo);
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start("/usr/bin/python3", {src + "/tests/tools/mock_hub.py", "--repo", r + "=" + src + "/tests/data/golden/tiny-b16",
                                             "--add", r + ":vocab.json=" + m + "/vocab.json", "--add", r + ":merges.txt=" + m + "/merges.txt",
                                             "--add", r + ":preprocessor_config.json=" + src + "/tests/data/hub/preprocessor_config.json"});
        if (!m_process.waitForStarted(10000)) return QStringLiteral("cannot start /usr/bin/python3");
        if (!m_process.waitForReadyRead(20000)) return QStringLiteral("the mock hub printed no port");
        const QByteArray line = m_process.readLine().trimmed();
        if (!line.startsWith("PORT ")) return QString::fromLatin1("unexpected first line: " + line);
        m_endpoint = QStringLiteral("http://127.0.0.1:%1").arg(QString::fromLatin1(line.mid(5)));
        return {};
    }
    ~MockHub() {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
    const QString& endpoint() const { return m_endpoint; }
    std::string url(const std::string& path) const { return m_endpoint.toStdString() + path; }

    // Sets the fault switches (see mock_hub.py; "{}" resets them) and clears the request log.
    bool configure(const std::string& json) {
        auto t = qlip::hub::makeCurlTransport();
        qlip::hub::HttpRequest r;
        r.url = url("/_mock/config?set=" + QUrl::toPercentEncoding(QString::fromStdString(json)).toStdString());
        if (t->perform(r, {}).status != 200) return false;
        r.url = url("/_mock/clear-log");
        return t->perform(r, {}).status == 200;
    }
    // The requests seen since the last configure(): [{method, path, range, authorization}].
    qlip::Json log() const {
        qlip::hub::HttpRequest r;
        r.url = url("/_mock/log");
        return qlip::Json::parse(qlip::hub::makeCurlTransport()->perform(r, {}).body);
    }

private:
    QProcess m_process;
    QString m_endpoint;
};
