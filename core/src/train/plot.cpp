#include "train/plot.h"

#include "qlip/error.h"
#include "qlip/image.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#if __has_include(<stb/stb_easy_font.h>)
#include <stb/stb_easy_font.h>
#define QLIP_HAVE_EASY_FONT 1
#endif

namespace qlip::train {
namespace {

struct Canvas {
    ImageRGB8 img;
    Canvas(int w, int h) {
        img.width = w;
        img.height = h;
        img.rgb.assign(size_t(w) * h * 3, 255);
    }
    void dot(int x, int y, const uint8_t c[3]) {
        if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
        std::memcpy(img.pixel(x, y), c, 3);
    }
    void rect(int x0, int y0, int x1, int y1, const uint8_t c[3]) {
        for (int y = y0; y < y1; ++y)
            for (int x = x0; x < x1; ++x) dot(x, y, c);
    }
    void line(double x0, double y0, double x1, double y1, const uint8_t c[3]) {
        int n = int(std::max(std::abs(x1 - x0), std::abs(y1 - y0))) + 1;
        for (int i = 0; i <= n; ++i) {
            double t = double(i) / n;
            int x = int(std::lround(x0 + t * (x1 - x0))), y = int(std::lround(y0 + t * (y1 - y0)));
            dot(x, y, c);
            dot(x, y + 1, c);
        }
    }
    void text(int x, int y, const std::string& s, const uint8_t c[3]) {
#ifdef QLIP_HAVE_EASY_FONT
        std::vector<char> buffer(s.size() * 300 + 64);
        std::string copy = s;
        int quads = stb_easy_font_print(0, 0, copy.data(), nullptr, buffer.data(), int(buffer.size()));
        for (int q = 0; q < quads; ++q) {
            float v[4][4];
            for (int k = 0; k < 4; ++k) std::memcpy(v[k], buffer.data() + (q * 4 + k) * 16, 12);
            rect(x + int(v[0][0]), y + int(v[0][1]), x + int(v[2][0]), y + int(v[2][1]), c);
        }
#else
        (void)x; (void)y; (void)s; (void)c;
#endif
    }
};

std::string fmt(double v) {
    char b[32];
    std::snprintf(b, sizeof b, std::abs(v) >= 100 ? "%.0f" : "%.3g", v);
    return b;
}

} // namespace

void plotTrainingLog(const std::string& csvPath, const std::string& pngPath, const std::vector<std::string>& panels) {
    std::ifstream in(csvPath);
    if (!in) throw Error("cannot read training log '" + csvPath + "'");
    std::string header;
    std::getline(in, header);
    std::vector<std::string> names;
    for (std::stringstream hs(header); hs.good();) {
        std::string n;
        std::getline(hs, n, ',');
        names.push_back(n);
    }
    std::vector<std::vector<double>> cols(names.size());
    for (std::string line; std::getline(in, line);) {
        std::stringstream ls(line);
        for (auto& c : cols) {
            std::string v;
            std::getline(ls, v, ',');
            c.push_back(v.empty() ? NAN : std::atof(v.c_str()));
        }
    }
    auto column = [&](const std::string& n) -> const std::vector<double>* {
        for (size_t i = 0; i < names.size(); ++i)
            if (names[i] == n) return &cols[i];
        return nullptr;
    };
    const auto* steps = column("step");
    if (!steps || steps->size() < 2) return; // nothing to draw yet
    const int pw = 420, ph = 240, cols3 = 3;
    Canvas c(pw * cols3, ph * 2);
    const uint8_t black[3] = {30, 30, 30}, grey[3] = {200, 200, 200}, blue[3] = {31, 119, 180};
    for (int k = 0; k < int(std::min<size_t>(6, panels.size())); ++k) {
        const auto* ys = column(panels[k]);
        if (!ys) continue;
        int ox = (k % cols3) * pw + 50, oy = (k / cols3) * ph + 25, w = pw - 70, h = ph - 60;
        double lo = *std::min_element(ys->begin(), ys->end()), hi = *std::max_element(ys->begin(), ys->end());
        if (hi - lo < 1e-12) { hi += 1; lo -= 1; }
        double xmax = steps->back(), xmin = steps->front();
        c.line(ox, oy + h, ox + w, oy + h, black);
        c.line(ox, oy, ox, oy + h, black);
        for (int g = 1; g < 4; ++g) c.line(ox + 1, oy + h * g / 4.0, ox + w, oy + h * g / 4.0, grey);
        for (size_t i = 1; i < ys->size(); ++i) {
            auto px = [&](size_t j) { return ox + (steps->at(j) - xmin) / std::max(1.0, xmax - xmin) * w; };
            auto py = [&](size_t j) { return oy + h - (ys->at(j) - lo) / (hi - lo) * h; };
            c.line(px(i - 1), py(i - 1), px(i), py(i), blue);
        }
        c.text(ox, oy - 15, panels[k], black);
        c.text(ox - 45, oy - 3, fmt(hi), black);
        c.text(ox - 45, oy + h - 5, fmt(lo), black);
        c.text(ox + w - 40, oy + h + 8, "step " + fmt(xmax), black);
    }
    savePng(pngPath, c.img);
}

} // namespace qlip::train
