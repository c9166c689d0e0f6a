"""Equilibrium solvers, one module per method, all over NumPy arrays.

Every solver takes payoff arrays in the convention of :mod:`tradegame.model`:
``U[..., i, a_0, ..., a_{n-1}]`` with leading batch (draw) axes, checked by
:mod:`tradegame.solvers.validation`: bad payoffs raise :class:`PayoffError`.
"""

from tradegame.solvers.bargaining import (
    BargainingSolution,
    kalai_smorodinsky,
    nash_bargaining,
    pareto_frontier,
)
from tradegame.solvers.correlated import (
    CEConstraints,
    CorrelatedEquilibrium,
    ce_constraints,
    correlated_equilibrium,
)
from tradegame.solvers.dominance import DominanceResult, Elimination, eliminate_dominated
from tradegame.solvers.lemke_howson import lemke_howson, lemke_howson_batch
from tradegame.solvers.logit_fit import fit_logit_lambda
from tradegame.solvers.logit_qre import QREConvergenceError, logit_qre, logit_qre_batch
from tradegame.solvers.maxmin import MaxminResult, PureMaxmin, maxmin, pure_maxmin
from tradegame.solvers.mixed_nash_2p import mixed_nash_2p
from tradegame.solvers.mixed_nash_2p_batch import BatchEquilibria, mixed_nash_2p_batch
from tradegame.solvers.pareto import pareto_optimal
from tradegame.solvers.pure_nash import best_response_mask, pure_nash
from tradegame.solvers.repeated import GrimTrigger, grim_trigger
from tradegame.solvers.rubinstein import RubinsteinSplit, rubinstein
from tradegame.solvers.validation import PayoffError, PayoffTypeError

__all__ = [
    "BargainingSolution",
    "BatchEquilibria",
    "CEConstraints",
    "CorrelatedEquilibrium",
    "DominanceResult",
    "Elimination",
    "GrimTrigger",
    "MaxminResult",
    "PayoffError",
    "PayoffTypeError",
    "PureMaxmin",
    "QREConvergenceError",
    "RubinsteinSplit",
    "best_response_mask",
    "ce_constraints",
    "correlated_equilibrium",
    "eliminate_dominated",
    "fit_logit_lambda",
    "grim_trigger",
    "kalai_smorodinsky",
    "lemke_howson",
    "lemke_howson_batch",
    "logit_qre",
    "logit_qre_batch",
    "maxmin",
    "mixed_nash_2p",
    "mixed_nash_2p_batch",
    "nash_bargaining",
    "pareto_frontier",
    "pareto_optimal",
    "pure_maxmin",
    "pure_nash",
    "rubinstein",
]
