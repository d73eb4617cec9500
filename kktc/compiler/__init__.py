"""The compiler: lowering to a canonical smooth form, the KKT residual, structure detection."""

from ._canonical import Canonical as Canonical
from ._canonical import Layout as Layout
from ._kkt import KKTBlocks as KKTBlocks
from ._kkt import kkt_residual as kkt_residual
from ._lower import Lowered as Lowered
from ._lower import lower as lower
from ._program import DualSlot as DualSlot
from ._program import Program as Program
