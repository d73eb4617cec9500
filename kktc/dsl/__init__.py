"""The modeling layer: expressions, atoms, constraints, problems, and the .kkt parser."""

from ._constraint import Constraint as Constraint
from ._expression import Atom as Atom
from ._expression import Expression as Expression
from ._leaves import Constant as Constant
from ._leaves import Parameter as Parameter
from ._leaves import Variable as Variable
from ._parser import parse_problem as parse_problem
from ._parser import read_problem as read_problem
from ._problem import Maximize as Maximize
from ._problem import Minimize as Minimize
from ._problem import Objective as Objective
from ._problem import Problem as Problem
from ._properties import Curvature as Curvature
from ._properties import Monotonicity as Monotonicity
from ._properties import Sign as Sign
from ._size import Dim as Dim
from ._size import Size as Size
from ._size import dims as dims
from .atoms import CALLABLE as CALLABLE
