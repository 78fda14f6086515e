#version 330 core
// One image layer plus the token-grid overlay: a colour per token (hash of its index, the same
// as widgets/tokencolor.cpp), cell borders (a dark and a light device pixel), and a black-and-white
// outline on the hovered token.
in vec2 v_uv;
out vec4 fragColor;

uniform sampler2D u_image;
uniform usampler2D u_tokens;  // cols x rows, R32UI: tokenKey(index) of each token
uniform ivec2 u_grid;         // cols, rows; (0, 0) when there are no tokens
uniform bool u_showGrid;
uniform float u_fillOpacity;  // token colours
uniform float u_lineOpacity;  // cell borders
uniform ivec2 u_hover;        // col, row of the hovered token; (-1, -1) for none

uint tokenHash(uint x) {
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

vec3 hsvToRgb(float h, float s, float v) {
    vec3 k = clamp(abs(mod(h * 6.0 + vec3(0.0, 4.0, 2.0), 6.0) - 3.0) - 1.0, 0.0, 1.0);
    return v * mix(vec3(1.0), k, s);
}

vec3 tokenColor(uint key) {
    uint h = tokenHash(key);
    float hue = float(h & 0xffffu) / 65536.0;
    float sat = 0.55 + 0.40 * float((h >> 16) & 0xffu) / 255.0;
    float val = 0.75 + 0.25 * float((h >> 24) & 0xffu) / 255.0;
    return hsvToRgb(hue, sat, val);
}

void main() {
    vec3 rgb = texture(u_image, v_uv).rgb;
    // Derivatives first, in uniform control flow.
    vec2 cell = v_uv * vec2(max(u_grid, ivec2(1)));
    vec2 cellsPerPixel = max(fwidth(cell), vec2(1e-6));

    if (u_showGrid && u_grid.x > 0 && u_grid.y > 0) {
        ivec2 c = clamp(ivec2(floor(cell)), ivec2(0), u_grid - 1);
        rgb = mix(rgb, tokenColor(texelFetch(u_tokens, c, 0).r), u_fillOpacity);

        // Distance to the nearest cell border, in device pixels.
        vec2 f = fract(cell);
        vec2 toBorder = min(f, 1.0 - f) / cellsPerPixel;
        float d = min(toBorder.x, toBorder.y);
        // Fade the borders out when cells get smaller than a few pixels, or they would hide the image.
        float cellPixels = 1.0 / max(cellsPerPixel.x, cellsPerPixel.y);
        float line = (1.0 - smoothstep(0.35, 0.85, d)) * smoothstep(3.0, 8.0, cellPixels);
        // A dark pixel before each border and a light one after it, so borders show on any image.
        float along = toBorder.x < toBorder.y ? f.x : f.y;
        vec3 lineColor = along < 0.5 ? vec3(0.92) : vec3(0.0);
        rgb = mix(rgb, lineColor, line * u_lineOpacity);

        if (c == u_hover) {
            // Black on the border itself, white just inside: visible on any image and tint.
            float ring = 1.0 - smoothstep(2.8, 3.4, d);
            float inside = smoothstep(0.9, 1.3, d);
            rgb = mix(rgb, vec3(inside), ring);
        }
    }
    fragColor = vec4(rgb, 1.0);
}
