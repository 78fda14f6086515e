#pragma once
// The explorer's dark theme: the Fusion style with a dark palette (the same on every platform;
// Windows' native style ignores dark palettes).
class QApplication;

namespace qlipx {

void applyDarkTheme(QApplication& app);

} // namespace qlipx
