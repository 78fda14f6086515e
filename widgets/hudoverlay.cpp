#include "hudoverlay.h"

#include <imgui.h>
#include <backends/imgui_impl_opengl3.h>

namespace qlipx {

HudOverlay::HudOverlay() = default;
HudOverlay::~HudOverlay() = default; // release() must have run with the context current

bool HudOverlay::initialize() {
    ImGuiContext* previous = ImGui::GetCurrentContext();
    m_context = ImGui::CreateContext();
    ImGui::SetCurrentContext(m_context);
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr; // the HUD has no layout to remember
    io.LogFilename = nullptr;
    ImGui::StyleColorsDark();
    ImGui::GetStyle().WindowRounding = 4.f;
    ImGui::GetStyle().WindowBorderSize = 0.f;
    const bool ok = ImGui_ImplOpenGL3_Init("#version 330 core");
    if (!ok) {
        ImGui::DestroyContext(m_context);
        m_context = nullptr;
    }
    ImGui::SetCurrentContext(previous);
    return ok;
}

namespace {

void row(const char* label, const QString& value) {
    ImGui::TextDisabled("%s", label);
    ImGui::SameLine(84);
    ImGui::TextUnformatted(value.toUtf8().constData());
}

QString ms(double v) { return v < 0 ? QStringLiteral("-") : QString::number(v, 'f', v < 10 ? 2 : 1) + QStringLiteral(" ms"); }

} // namespace

void HudOverlay::render(QSize logicalSize, double dpr, const HudState& s, double frameMs) {
    if (!m_context || logicalSize.isEmpty()) return;
    ImGuiContext* previous = ImGui::GetCurrentContext();
    ImGui::SetCurrentContext(m_context);
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(float(logicalSize.width()), float(logicalSize.height()));
    io.DisplayFramebufferScale = ImVec2(float(dpr), float(dpr));
    io.DeltaTime = 1.f / 60.f; // no animation depends on it
    m_smoothedFrameMs = m_smoothedFrameMs == 0 ? frameMs : 0.9 * m_smoothedFrameMs + 0.1 * frameMs;

    ImGui_ImplOpenGL3_NewFrame();
    // An auto-sized ImGui window is hidden on its first frame while it measures itself: build
    // that first frame once without drawing it, so the HUD shows as soon as it is switched on.
    if (ImGui::GetFrameCount() == 0) {
        ImGui::NewFrame();
        buildPanel(s);
        ImGui::EndFrame();
    }
    ImGui::NewFrame();
    buildPanel(s);
    ImGui::Render();
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    ImGui::SetCurrentContext(previous);
}

void HudOverlay::buildPanel(const HudState& s) const {
    ImGui::SetNextWindowPos(ImVec2(10, 10));
    ImGui::SetNextWindowBgAlpha(0.72f);
    const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoInputs |
                                   ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoFocusOnAppearing | ImGuiWindowFlags_NoNav;
    if (ImGui::Begin("HUD", nullptr, flags)) {
        row("model", s.model.isEmpty() ? QStringLiteral("none") : s.model);
        row("device", s.device + (s.precision.isEmpty() ? QString() : QStringLiteral(", ") + s.precision));
        row("memory", s.memory.isEmpty() ? QStringLiteral("-") : s.memory);
        ImGui::Separator();
        row("frame", ms(m_smoothedFrameMs) + QStringLiteral(" (CPU)"));
        row("encode", ms(s.encodeMs));
        row("decode", ms(s.decodeMs));
        row("edit->px", ms(s.editMs));
        if (!s.view.isEmpty()) row("view", s.view);
        ImGui::Separator();
        row("token", s.hovered.isEmpty() ? QStringLiteral("-") : s.hovered);
    }
    ImGui::End();
}

void HudOverlay::release() {
    if (!m_context) return;
    ImGuiContext* previous = ImGui::GetCurrentContext();
    ImGui::SetCurrentContext(m_context);
    ImGui_ImplOpenGL3_Shutdown();
    ImGui::DestroyContext(m_context);
    ImGui::SetCurrentContext(previous == m_context ? nullptr : previous);
    m_context = nullptr;
}

} // namespace qlipx
