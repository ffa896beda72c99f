"""The transforms users compose: thin classes that draw params and call kernels in ``tempaug.functional``.

Each family module lists its public names in ``__all__``; this package re-exports them all.
"""

from . import color, geometric, mix, randaugment, synthesize, temporal
from .color import *
from .geometric import *
from .mix import *
from .randaugment import *
from .synthesize import *
from .temporal import *

__all__ = [*temporal.__all__, *geometric.__all__, *color.__all__]
__all__ += randaugment.__all__
__all__ += mix.__all__
__all__ += synthesize.__all__
