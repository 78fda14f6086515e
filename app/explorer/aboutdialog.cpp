#include "aboutdialog.h"

#include "startup.h"

#include "qlip/buildinfo.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QGridLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace qlipx {

namespace {

QString fromStd(const std::string& s) { return QString::fromStdString(s); }

// Secondary text: between the text and the background colour, readable on light and dark themes.
void dim(QLabel* label) {
    QPalette p = label->palette();
    const QColor text = p.color(QPalette::WindowText), back = p.color(QPalette::Window);
    p.setColor(QPalette::WindowText, QColor((text.red() * 2 + back.red()) / 3, (text.green() * 2 + back.green()) / 3,
                                            (text.blue() * 2 + back.blue()) / 3));
    label->setPalette(p);
}

QLabel* selectableLabel(const QString& text) {
    auto* label = new QLabel(text);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setWordWrap(true);
    return label;
}

} // namespace

QList<QPair<QString, QString>> aboutRows(int threads) {
    QList<QPair<QString, QString>> rows;
    for (const auto& [label, value] : qlip::versionRows(threads)) rows.append({fromStd(label), fromStd(value)});
    rows.append({QStringLiteral("Qt"), QStringLiteral("%1 (built with %2)").arg(QString::fromLatin1(qVersion()), QStringLiteral(QT_VERSION_STR))});
    const QStringList data = dataFolders();
    rows.append({QStringLiteral("data"), data.isEmpty() ? QStringLiteral("unknown") : data.front()});
    return rows;
}

QString aboutReportText(int threads) {
    QString text = fromStd(qlip::versionLine("qlip-explorer")) + QLatin1Char('\n');
    for (const auto& [label, value] : aboutRows(threads)) text += QStringLiteral("  %1 %2\n").arg(label + QLatin1Char(':'), -12).arg(value);
    return text;
}

QIcon applicationIcon() {
    QIcon icon;
    for (int size : {32, 128, 256}) icon.addFile(QStringLiteral(":/qlip/hicolor/%1x%1/apps/qlip-explorer.png").arg(size), QSize(size, size));
    return icon;
}

AboutDialog::AboutDialog(QWidget* parent) : QDialog(parent), m_rows(aboutRows()) {
    setWindowTitle(tr("About QLIP Explorer"));
    setObjectName(QStringLiteral("aboutDialog"));
    auto* layout = new QVBoxLayout(this);

    auto* header = new QHBoxLayout;
    auto* icon = new QLabel;
    icon->setPixmap(applicationIcon().pixmap(96, 96));
    header->addWidget(icon, 0, Qt::AlignTop);
    const qlip::BuildInfo build = qlip::buildInfo();
    auto* title = new QLabel(tr("<h2>QLIP Explorer %1</h2>"
                                "<p>Look at an image's QLIP tokens: encode, decode, edit bits, query with text, "
                                "search folders and generate images, on the CPU or a GPU.</p>")
                                 .arg(fromStd(build.version).toHtmlEscaped()));
    title->setWordWrap(true);
    header->addWidget(title, 1);
    layout->addLayout(header);

    auto* grid = new QGridLayout;
    grid->setColumnStretch(1, 1);
    grid->setHorizontalSpacing(14);
    for (int i = 0; i < m_rows.size(); ++i) {
        auto* name = new QLabel(m_rows[i].first);
        dim(name);
        grid->addWidget(name, i, 0, Qt::AlignTop | Qt::AlignRight);
        grid->addWidget(selectableLabel(m_rows[i].second), i, 1);
    }
    layout->addLayout(grid);

    auto* credits = new QLabel(tr("The embedded emoji model was trained on Twemoji and EmojiOne art (CC BY 4.0) and on Noto "
                                  "and Firefox OS emoji (Apache 2.0); attributions and licences are in its model card "
                                  "(<i>models/qlip-emoji-64/README.md</i> in the data folder). QLIP is NVIDIA's visual "
                                  "tokenizer; its official weights are not included."));
    credits->setWordWrap(true);
    dim(credits);
    layout->addWidget(credits);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    QPushButton* copy = buttons->addButton(tr("Copy to Clipboard"), QDialogButtonBox::ActionRole);
    connect(copy, &QPushButton::clicked, this, [] { QApplication::clipboard()->setText(aboutReportText()); });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    setMinimumWidth(560);
}

} // namespace qlipx
