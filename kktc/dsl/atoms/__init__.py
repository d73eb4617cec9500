"""Every atom of the language, one class each, and the table the parser reads."""

from ._arithmetic import Add as Add
from ._arithmetic import Divide as Divide
from ._arithmetic import MatMul as MatMul
from ._arithmetic import Multiply as Multiply
from ._arithmetic import Neg as Neg
from ._elementwise import Abs as Abs
from ._elementwise import Entropy as Entropy
from ._elementwise import Exp as Exp
from ._elementwise import Huber as Huber
from ._elementwise import InvPos as InvPos
from ._elementwise import Log as Log
from ._elementwise import Maximum as Maximum
from ._elementwise import Minimum as Minimum
from ._elementwise import Pos as Pos
from ._elementwise import Power as Power
from ._elementwise import Softplus as Softplus
from ._elementwise import Sqrt as Sqrt
from ._elementwise import Square as Square
from ._elementwise import power as power
from ._reductions import CumSum as CumSum
from ._reductions import Dot as Dot
from ._reductions import Mean as Mean
from ._reductions import Sum as Sum
from ._reductions_nonlinear import LogSumExp as LogSumExp
from ._reductions_nonlinear import Max as Max
from ._reductions_nonlinear import Min as Min
from ._reductions_nonlinear import Norm1 as Norm1
from ._reductions_nonlinear import Norm2 as Norm2
from ._reductions_nonlinear import NormInf as NormInf
from ._reductions_nonlinear import QuadForm as QuadForm
from ._reductions_nonlinear import QuadOverLin as QuadOverLin
from ._reductions_nonlinear import SumSquares as SumSquares
from ._structure import Diag as Diag
from ._structure import HStack as HStack
from ._structure import Index as Index
from ._structure import Reshape as Reshape
from ._structure import Trace as Trace
from ._structure import Transpose as Transpose
from ._structure import VStack as VStack
from ._structure import index as index
from ._structure import transpose as transpose

#: Atoms callable by name in a .kkt file (and as ``kktc.<name>`` in Python).
CALLABLE = {
    cls.name: cls
    for cls in (
        Sum, Mean, Dot, Trace, Diag, VStack, HStack, Reshape, CumSum,
        Abs, Square, Pos, Max, Maximum, Norm1, Norm2, NormInf, SumSquares, QuadForm,
        QuadOverLin, Huber, Exp, LogSumExp, InvPos, Power, Softplus,
        Log, Sqrt, Entropy, Min, Minimum,
    )
}
CALLABLE["transpose"] = transpose
CALLABLE["power"] = power

#: Every expression class that is an atom (operators included).
ALL = (
    Add, Neg, Multiply, Divide, MatMul, Index, Transpose,
    *(c for c in CALLABLE.values() if isinstance(c, type)),
)
