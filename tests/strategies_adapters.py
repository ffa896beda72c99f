"""Property-test strategies for the adapters: albumentations and kornia transforms valid for any clip the suite draws.

Clips are tiny (H, W in 1..6, C in {1, 3}) and of every supported dtype, so the builders pick
transforms that take any frame size, keep crops inside the frame, leave colour steps that need three
channels out of one-channel clips, and keep ``p=1`` wherever the frame size changes.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st

from tempaug import Transform
from tempaug.adapters.albumentations import FromAlbumentations
from tempaug.adapters.kornia import FromKornia

# isort: split
import albumentations as A  # after the adapter, which turns albumentations' update check off
import kornia.augmentation as K

Draw = Callable[[st.SearchStrategy], object]
Shape = tuple[int, int, int, int]

probabilities = st.sampled_from([0.0, 0.3, 0.5, 1.0])
inner_probabilities = st.sampled_from([0.0, 0.5, 1.0])
amounts = st.floats(0.0, 0.5)


def _albumentations_same_size(draw: Draw, weights: bool) -> object:
    kind = draw(st.sampled_from(["hflip", "vflip", "jitter", "brightness_contrast", "noise"]))
    p = draw(st.sampled_from([0.5, 1.0]) if weights else inner_probabilities)  # under OneOf, p is a weight
    if kind == "hflip":
        return A.HorizontalFlip(p=p)
    if kind == "vflip":
        return A.VerticalFlip(p=p)
    if kind == "jitter":
        return A.ColorJitter(
            brightness=draw(amounts), contrast=draw(amounts), saturation=draw(amounts), hue=draw(amounts), p=p
        )
    if kind == "brightness_contrast":
        return A.RandomBrightnessContrast(brightness_limit=draw(amounts), contrast_limit=draw(amounts), p=p)
    return A.GaussNoise(std_range=(0.05, 0.2), p=p)


def _albumentations(draw: Draw, shape: Shape) -> Transform:
    _, _, h, w = shape
    crop = draw(st.booleans())
    form = draw(st.sampled_from(["first", "compose", "one_of"]))
    one_of = form == "one_of" and not crop
    transforms = [_albumentations_same_size(draw, one_of) for _ in range(draw(st.integers(1, 3)))]
    if crop:  # the frame size changes: every gate on the way must be 1
        transforms.append(A.RandomCrop(draw(st.integers(1, h)), draw(st.integers(1, w)), p=1.0))
    if form == "first" and not crop:
        transform: object = transforms[0]
    elif one_of:
        transform = A.OneOf(transforms, p=draw(inner_probabilities))
    else:
        transform = A.Compose(transforms, p=1.0 if crop else draw(inner_probabilities))
    return FromAlbumentations(
        transform, vary=draw(st.sampled_from(FromAlbumentations.VARY_MODES)), p=1.0 if crop else draw(probabilities)
    )


def _kornia(draw: Draw, shape: Shape) -> Transform:
    _, c, h, w = shape
    kind = draw(st.sampled_from(["hflip", "vflip", "affine", "jiggle", "noise", "crop"]))
    p = draw(inner_probabilities)
    if kind == "crop":  # the frame size changes: every gate on the way must be 1
        return FromKornia(K.RandomCrop((draw(st.integers(1, h)), draw(st.integers(1, w))), p=1.0))
    if kind == "hflip":
        aug: object = K.RandomHorizontalFlip(p=p)
    elif kind == "vflip":
        aug = K.RandomVerticalFlip(p=p)
    elif kind == "affine":
        aug = K.RandomAffine(
            degrees=draw(st.floats(0.0, 45.0)),
            translate=draw(st.none() | st.tuples(amounts, amounts)),
            scale=draw(st.none() | st.just((0.8, 1.2))),
            padding_mode=draw(st.sampled_from(["zeros", "border", "reflection"])),
            p=p,
        )
    elif kind == "jiggle":  # saturation and hue need three channels
        aug = K.ColorJiggle(
            brightness=draw(amounts),
            contrast=draw(amounts),
            saturation=draw(amounts) if c == 3 else 0.0,
            hue=draw(amounts) if c == 3 else 0.0,
            p=p,
        )
    else:
        aug = K.RandomGaussianNoise(std=draw(st.floats(0.01, 0.2)), p=p)
    return FromKornia(aug, p=draw(probabilities))


STRATEGIES: dict[str, Callable[[Draw, Shape], Transform]] = {
    "FromAlbumentations": _albumentations,
    "FromKornia": _kornia,
}
