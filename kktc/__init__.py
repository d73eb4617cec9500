"""kktc: optimization problems as differentiable JAX functions.

The public API, in one flat namespace.
"""

from ._errors import AtomError as AtomError
from ._errors import DCPError as DCPError
from ._errors import DimError as DimError
from ._errors import DuplicateNameError as DuplicateNameError
from ._errors import KktcError as KktcError
from ._errors import ParseError as ParseError
from ._errors import ShapeError as ShapeError
from ._errors import UnknownNameError as UnknownNameError
from ._entry import compile as compile  # noqa: A004
from ._entry import load as load
from ._entry import parse as parse
from .dsl import Constant as Constant
from .dsl import Constraint as Constraint
from .dsl import Curvature as Curvature
from .dsl import Expression as Expression
from .dsl import Maximize as Maximize
from .dsl import Minimize as Minimize
from .dsl import Parameter as Parameter
from .dsl import Problem as Problem
from .dsl import Sign as Sign
from .dsl import Variable as Variable
from .dsl import dims as dims
from .dsl.atoms import CALLABLE as _ATOMS
from .dsl import parse_problem as read_text
from .dsl import read_problem as read

# Every atom of the language, under its .kkt name: kc.sum, kc.norm2, kc.quad_form, ...
globals().update(_ATOMS)

abs = _ATOMS["abs"]  # noqa: A001 - named after the atom, as in cvxpy
sum = _ATOMS["sum"]  # noqa: A001
max = _ATOMS["max"]  # noqa: A001
min = _ATOMS["min"]  # noqa: A001

from .runtime import Layer as Layer
from .runtime import ParameterError as ParameterError
from .runtime import Solution as Solution
from .runtime import SolveError as SolveError
from .runtime import Status as Status

__version__ = "0.1.0"
