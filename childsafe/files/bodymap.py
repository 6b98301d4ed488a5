"""A body map for the safe and well check: the officer ticks where an injury is on a front and back
outline (on a phone, without drawing), and the server draws it as a PNG kept with their notes."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

# (key, label, side, shape, box): boxes are in a 200 x 400 half of the image, front left, back right.
REGIONS: list[tuple[str, str, str, str, tuple[int, int, int, int]]] = [
    ("front_head", "Head and face", "front", "ellipse", (75, 10, 125, 70)),
    ("front_neck", "Neck (front)", "front", "rect", (90, 70, 110, 85)),
    ("front_chest", "Chest", "front", "rect", (60, 85, 140, 150)),
    ("front_abdomen", "Abdomen and groin", "front", "rect", (60, 150, 140, 215)),
    ("front_right_arm", "Right arm (front)", "front", "rect", (35, 85, 58, 230)),
    ("front_left_arm", "Left arm (front)", "front", "rect", (142, 85, 165, 230)),
    ("front_right_leg", "Right leg (front)", "front", "rect", (62, 217, 98, 390)),
    ("front_left_leg", "Left leg (front)", "front", "rect", (102, 217, 138, 390)),
    ("back_head", "Back of the head", "back", "ellipse", (75, 10, 125, 70)),
    ("back_neck", "Back of the neck", "back", "rect", (90, 70, 110, 85)),
    ("back_upper", "Upper back", "back", "rect", (60, 85, 140, 150)),
    ("back_lower", "Lower back and buttocks", "back", "rect", (60, 150, 140, 215)),
    ("back_left_arm", "Left arm (back)", "back", "rect", (35, 85, 58, 230)),
    ("back_right_arm", "Right arm (back)", "back", "rect", (142, 85, 165, 230)),
    ("back_left_leg", "Left leg (back)", "back", "rect", (62, 217, 98, 390)),
    ("back_right_leg", "Right leg (back)", "back", "rect", (102, 217, 138, 390)),
]
REGION_LABELS = {key: label for key, label, *_ in REGIONS}
MARK = (200, 30, 30)


def draw(marked: set[str]) -> bytes:
    image = Image.new("RGB", (400, 420), "white")
    pen = ImageDraw.Draw(image)
    for key, _label, side, shape, (x0, y0, x1, y1) in REGIONS:
        dx = 0 if side == "front" else 200
        box = (x0 + dx, y0, x1 + dx, y1)
        fill = MARK if key in marked else None
        (pen.ellipse if shape == "ellipse" else pen.rectangle)(box, outline="black", fill=fill, width=2)
    pen.text((85, 400), "Front", fill="black")
    pen.text((288, 400), "Back", fill="black")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
