"""The transforms users compose: thin classes that draw params and call kernels in ``tempaug.functional``.

Each family module lists its public names in ``__all__``; this package re-exports them all.
"""

from . import color, geometric, temporal
from .color import *  # noqa: F401,F403
from .geometric import *  # noqa: F401,F403
from .temporal import *  # noqa: F401,F403
from . import mix
from .mix import *  # noqa: F401,F403
from . import randaugment
from .randaugment import *  # noqa: F401,F403
from . import synthesize
from .synthesize import *  # noqa: F401,F403

__all__ = [*temporal.__all__, *geometric.__all__, *color.__all__]
__all__ += randaugment.__all__
__all__ += mix.__all__
__all__ += synthesize.__all__
