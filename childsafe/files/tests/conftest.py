from __future__ import annotations

import io

import pytest
from PIL import Image


@pytest.fixture(autouse=True)
def file_store(settings, tmp_path):
    """Each test keeps its files in its own directory (the setting change resets Django's storages)."""
    store = tmp_path / "files"
    settings.STORAGES = {
        **settings.STORAGES,
        "childsafe_files": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(store), "base_url": None},
        },
    }
    return store


GPS_LATITUDE = (53.0, 57.0, 45.12)  # York, as a phone would write it


def phone_jpeg(width: int = 640, height: int = 480) -> bytes:
    """A JPEG as a phone saves it: EXIF with a GPS position, the camera's make and a comment."""
    image = Image.new("RGB", (width, height), (180, 90, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x0112] = 1  # Orientation
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = GPS_LATITUDE
    gps[3] = "W"
    gps[4] = (1.0, 4.0, 50.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"taken at 12 Mill Street")
    return out.getvalue()


def png(width: int = 40, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (0, 120, 60)).save(out, format="PNG")
    return out.getvalue()
