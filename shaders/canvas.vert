#version 330 core
// The image quad, generated from gl_VertexID (a 4-vertex triangle strip, no vertex buffer).
// u_rect is the image rectangle in normalised device coordinates: left, top, right, bottom.
uniform vec4 u_rect;
out vec2 v_uv; // (0, 0) = top-left image pixel, (1, 1) = bottom-right

void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1));
    v_uv = corner;
    gl_Position = vec4(mix(u_rect.x, u_rect.z, corner.x), mix(u_rect.y, u_rect.w, corner.y), 0.0, 1.0);
}
