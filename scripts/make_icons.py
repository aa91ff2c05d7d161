#!/usr/bin/env python3
"""Draws the app's icons (a white reorder arrow on green) as PNGs, with the standard library only.

Deterministic: the same bytes on every run. Writes assets/icons/icon-{192,512}.png and a maskable
512 px variant whose drawing stays inside the central safe zone.
"""
import math
import os
import struct
import zlib

GREEN = (10, 125, 56)
WHITE = (255, 255, 255)


def png(width, height, pixels):
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def draw(size, scale, rounded):
    c = size / 2
    r_out, r_in = 0.36 * size * scale, 0.24 * size * scale
    corner = 0.18 * size
    rows = []
    for y in range(size):
        row = []
        for x in range(size):
            px, py = x + 0.5, y + 0.5
            inside = True
            if rounded:
                dx = max(corner - px, 0, px - (size - corner))
                dy = max(corner - py, 0, py - (size - corner))
                inside = dx * dx + dy * dy <= corner * corner
            if not inside:
                row.append(WHITE)
                continue
            d = math.hypot(px - c, py - c)
            angle = math.degrees(math.atan2(py - c, px - c)) % 360
            ring = r_in <= d <= r_out and not (300 <= angle <= 350)
            # arrowhead at the ring's gap, pointing along the circle
            ax, ay = c + (r_in + r_out) / 2 * math.cos(math.radians(300)), c + (r_in + r_out) / 2 * math.sin(math.radians(300))
            w = (r_out - r_in) * 1.1
            tx, ty = px - ax, py - ay
            head = abs(tx) + abs(ty) <= w and ty >= -0.1 * w
            row.append(WHITE if (ring or head) else GREEN)
        rows.append(row)
    return png(size, size, rows)


def main():
    out = os.path.join(os.path.dirname(__file__), "..", "assets", "icons")
    os.makedirs(out, exist_ok=True)
    for name, size, scale, rounded in [
        ("icon-192.png", 192, 1.0, True),
        ("icon-512.png", 512, 1.0, True),
        ("icon-512-maskable.png", 512, 0.75, False),
    ]:
        with open(os.path.join(out, name), "wb") as f:
            f.write(draw(size, scale, rounded))


if __name__ == "__main__":
    main()
