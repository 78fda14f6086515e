#pragma once
// The heads-up display drawn over the canvas with Dear ImGui (OpenGL 3 backend; its built-in font
// is ASCII only, so the text given to it should be too): frame time,
// the last encode/decode times, device, precision, memory and the hovered token. It displays the
// state it is given and owns none; it takes no input.
//
// Every method must run with the canvas's GL context current. Each overlay has its own ImGui
// context, so several canvases can show one.
#include <QSize>
#include <QString>

struct ImGuiContext;

namespace qlipx {

struct HudState {
    QString model;
    QString device;
    QString precision;
    QString memory;     // e.g. "RSS 612 MB"
    double encodeMs = -1; // < 0: not known yet
    double decodeMs = -1;
    double editMs = -1;   // the last token edit until its decoded pixels were on screen
    QString hovered;    // the hovered token, one line; empty when none
    QString view;       // what the canvas shows (layer, compare mode, zoom)
};

class HudOverlay {
public:
    HudOverlay();
    ~HudOverlay();
    HudOverlay(const HudOverlay&) = delete;
    HudOverlay& operator=(const HudOverlay&) = delete;

    bool initialize(); // false when the ImGui GL backend cannot start (the canvas goes on without it)
    bool isInitialized() const { return m_context != nullptr; }
    // Draws the panel in the top-left corner of a viewport of `logicalSize` (device pixel ratio `dpr`).
    void render(QSize logicalSize, double dpr, const HudState& state, double frameMs);
    void release();

private:
    void buildPanel(const HudState& state) const;

    ImGuiContext* m_context = nullptr;
    double m_smoothedFrameMs = 0;
};

} // namespace qlipx
