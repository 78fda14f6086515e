#version 330 core
// The canvas layers, bottom to top (napari-style, each with its own visibility or opacity):
//  1. the image: original, reconstruction, or both split at u_split (compare mode);
//  2. the error heat map |original - reconstruction| (mean over RGB) through heatColor();
//  3. the token colours (one texel per token, computed on the CPU: hash, PCA or bit group);
//  4. cell borders (a dark and a light device pixel), the picked token (yellow ring) and the
//     hovered token (black-and-white ring); in split mode, the divider.
in vec2 v_uv;
out vec4 fragColor;

uniform sampler2D u_original;
uniform sampler2D u_reconstruction;
uniform bool u_hasReconstruction;
uniform int u_mode;             // 0 original, 1 reconstruction, 2 split (original left of u_split)
uniform float u_split;          // split position in image u
uniform sampler2D u_tokenColors; // cols x rows RGBA8, nearest; alpha scales u_fillOpacity per token
uniform ivec2 u_grid;           // cols, rows; (0, 0) when there are no tokens
uniform bool u_showGrid;
uniform float u_fillOpacity;    // token colours
uniform float u_lineOpacity;    // cell borders
uniform float u_errorOpacity;   // heat map; 0 hides it
uniform float u_errorRange;     // the error (0..1 of full scale) shown at the top of the map
uniform ivec2 u_hover;          // col, row of the hovered token; (-1, -1) for none
uniform ivec2 u_pick;           // col, row of the picked token; (-1, -1) for none

// Mirrors heatColor() in widgets/tokencolor.cpp.
vec3 heatColor(float t) {
    const vec3 c0 = vec3(0.00, 0.00, 0.02), c1 = vec3(0.33, 0.06, 0.45), c2 = vec3(0.78, 0.20, 0.33),
               c3 = vec3(0.98, 0.55, 0.10), c4 = vec3(0.99, 0.99, 0.75);
    t = clamp(t, 0.0, 1.0) * 4.0;
    if (t < 1.0) return mix(c0, c1, t);
    if (t < 2.0) return mix(c1, c2, t - 1.0);
    if (t < 3.0) return mix(c2, c3, t - 2.0);
    return mix(c3, c4, t - 3.0);
}

void main() {
    // Derivatives first, in uniform control flow.
    vec2 cell = v_uv * vec2(max(u_grid, ivec2(1)));
    vec2 cellsPerPixel = max(fwidth(cell), vec2(1e-6));
    float uPerPixel = max(fwidth(v_uv.x), 1e-6);

    vec3 original = texture(u_original, v_uv).rgb;
    vec3 recon = u_hasReconstruction ? texture(u_reconstruction, v_uv).rgb : original;
    bool showRecon = u_mode == 1 || (u_mode == 2 && v_uv.x >= u_split);
    vec3 rgb = showRecon ? recon : original;

    if (u_hasReconstruction && u_errorOpacity > 0.0) {
        float err = dot(abs(original - recon), vec3(1.0 / 3.0));
        rgb = mix(rgb, heatColor(err / max(u_errorRange, 1e-4)), u_errorOpacity);
    }

    if (u_showGrid && u_grid.x > 0 && u_grid.y > 0) {
        ivec2 c = clamp(ivec2(floor(cell)), ivec2(0), u_grid - 1);
        vec4 token = texelFetch(u_tokenColors, c, 0); // alpha: this token's share of the layer opacity
        rgb = mix(rgb, token.rgb, u_fillOpacity * token.a);

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

        if (c == u_pick) {
            float ring = 1.0 - smoothstep(1.8, 2.4, d);
            rgb = mix(rgb, vec3(1.0, 0.85, 0.1), ring);
        }
        if (c == u_hover) {
            // Black on the border itself, white just inside: visible on any image and tint.
            float ring = 1.0 - smoothstep(2.8, 3.4, d);
            float inside = smoothstep(0.9, 1.3, d);
            rgb = mix(rgb, vec3(inside), ring);
        }
    }

    if (u_mode == 2) {
        // The divider: white two device pixels wide with a dark pixel each side.
        float px = abs(v_uv.x - u_split) / uPerPixel;
        rgb = mix(rgb, vec3(0.05), 1.0 - smoothstep(1.5, 2.5, px));
        rgb = mix(rgb, vec3(1.0), 1.0 - smoothstep(0.6, 1.2, px));
    }
    fragColor = vec4(rgb, 1.0);
}
