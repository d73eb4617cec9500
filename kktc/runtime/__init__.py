"""The runtime: solvers, the implicit-differentiation rule, Layer, Solution, Status."""

from ._compile import jit as jit
from ._layer import Layer as Layer
from ._layer import ParameterError as ParameterError
from ._solution import Solution as Solution
from ._solution import SolveError as SolveError
from ._status import Status as Status
