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
from .dsl import parse_problem as read_text
from .dsl import read_problem as read

# Every atom of the language, under its .kkt name (kc.sum, kc.norm2, kc.quad_form, ...).
from .dsl.atoms import Abs as abs  # noqa: A001 - named after the atom, as in cvxpy
from .dsl.atoms import CumSum as cumsum
from .dsl.atoms import Diag as diag
from .dsl.atoms import Dot as dot
from .dsl.atoms import Entropy as entropy
from .dsl.atoms import Exp as exp
from .dsl.atoms import HStack as hstack
from .dsl.atoms import Huber as huber
from .dsl.atoms import InvPos as inv_pos
from .dsl.atoms import Log as log
from .dsl.atoms import LogSumExp as logsumexp
from .dsl.atoms import Max as max  # noqa: A001 - named after the atom, as in cvxpy
from .dsl.atoms import Maximum as maximum
from .dsl.atoms import Mean as mean
from .dsl.atoms import Min as min  # noqa: A001 - named after the atom, as in cvxpy
from .dsl.atoms import Minimum as minimum
from .dsl.atoms import Norm1 as norm1
from .dsl.atoms import Norm2 as norm2
from .dsl.atoms import NormInf as norm_inf
from .dsl.atoms import Pos as pos
from .dsl.atoms import power as power
from .dsl.atoms import QuadForm as quad_form
from .dsl.atoms import QuadOverLin as quad_over_lin
from .dsl.atoms import Reshape as reshape
from .dsl.atoms import Softplus as softplus
from .dsl.atoms import Sqrt as sqrt
from .dsl.atoms import Square as square
from .dsl.atoms import Sum as sum  # noqa: A001 - named after the atom, as in cvxpy
from .dsl.atoms import SumSquares as sum_squares
from .dsl.atoms import Trace as trace
from .dsl.atoms import transpose as transpose
from .dsl.atoms import VStack as vstack

# The compiler and runtime import JAX (about two seconds); load them on first use so that
# modeling and `kktc check` stay fast.
_LAZY = {
    "compile": "._entry",
    "load": "._entry",
    "parse": "._entry",
    "Layer": ".runtime",
    "ParameterError": ".runtime",
    "Solution": ".runtime",
    "SolveError": ".runtime",
    "Status": ".runtime",
    "jit": ".runtime",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kktc' has no attribute '{name}'")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))

__version__ = "0.1.0"
