"""Still images read safely: their size is checked from the header before any decoding.

A 438 KB PNG can declare 20000×20000 pixels and take gigabytes once decoded. Pillow reads
width and height from the header alone (it decodes nothing until asked), so an image above
``MAX_PIXELS`` is refused before OpenCV decodes it. An image that is one flat colour holds
no face: it is refused too, rather than read as a face by a model that scores anything.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

MAX_PIXELS = 40_000_000  # 40 megapixels: a 7360×5440 camera photo fits, a decompression trap not
FLAT_STD = 2.0  # grey levels: below this spread, an image is one flat colour


class ImageRefused(ValueError):
    """Why one image is not read; its message is a short reason ("larger than …")."""


def header_size(path: Path) -> tuple[int, int]:
    """(width, height) from the image's header, decoding no pixel."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                return image.size
    except Image.DecompressionBombError:
        return (MAX_PIXELS, MAX_PIXELS)  # Pillow's own limit is far above ours
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ImageRefused("not an image whose size can be read") from exc


def read_rgb(path: Path) -> np.ndarray:
    """The image as RGB pixels, once its header says it is small enough to decode."""
    width, height = header_size(path)
    if width * height > MAX_PIXELS:
        raise ImageRefused(f"larger than {MAX_PIXELS // 1_000_000} megapixels")
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ImageRefused("not a readable image")
    if float(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).std()) < FLAT_STD:
        raise ImageRefused("a flat image (no face in it)")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
