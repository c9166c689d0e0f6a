r"""Rubinstein bargaining scenarios (``bargaining:``): each draw's subgame-perfect split.

Two players divide a pie :math:`\pi` by alternating offers; a rejected offer
costs a period, which player *i* discounts by :math:`\delta_i`. The unique
subgame-perfect equilibrium (Rubinstein 1982) agrees at once, the proposer
*p* getting the fraction

.. math::

    x_p = \frac{1 - \delta_r}{1 - \delta_p \delta_r}

of the pie and the responder *r* the rest, :math:`1 - x_p = \delta_r (1 -
\delta_p) / (1 - \delta_p \delta_r)`: the responder is offered exactly what it
would get by rejecting and proposing next period, discounted (Osborne &
Rubinstein 1990, ch. 3; :mod:`tradegame.solvers.rubinstein`).

A draw has one play, the immediate agreement; its payoffs are the shares
times the pie. The outcome rules read, beside parameters and terms,
``share_<player>`` (the player's fraction of the pie) and
``payoff_<player>`` (fraction times pie); with uncertain discount factors a
run gives each outcome's probability over the draws.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradegame.errors import ScenarioError, ScenarioIssue
from tradegame.model.budget import CommandCost
from tradegame.model.build import evaluation_environment
from tradegame.play.base import GamePlay, MemoryNeed, PlayedBatch, RuleText, medians
from tradegame.play.solution import BargainingSummary, CentralEquilibrium, CentralSolution
from tradegame.scenario.load import Scenario
from tradegame.scenario.vocabulary import GameKind
from tradegame.solvers.rubinstein import rubinstein

__all__ = ["BargainingPlay"]


class BargainingPlay(GamePlay):
    """Plays the draws of a ``bargaining:`` scenario: one play, the immediate agreement."""

    kind = GameKind.BARGAINING
    sequential = True
    perfect = True

    def __init__(self, scenario: Scenario, options: Any) -> None:
        super().__init__(scenario, options)
        plan = scenario.bargaining
        assert plan is not None
        self.plan = plan
        self.proposer = plan.proposer
        self.responder = 1 - plan.proposer
        self.lever_keys = []
        self.indicators = np.zeros((1, 0))

    @property
    def n_plays(self) -> int:
        return 1

    @classmethod
    def memory(cls, scenario: Scenario, options: Any) -> MemoryNeed:
        """A few numbers per draw: discounts, shares, payoffs and outcome masses."""
        per_draw = (len(scenario.outcome_labels) + 32) * 8
        return MemoryNeed(per_draw, 0, "two-player bargaining game")

    @classmethod
    def command_cost(cls, scenario: Scenario, command: str) -> CommandCost:
        """Two payoffs for ``solve``; ``tree`` and ``export`` are refused.

        Raises
        ------
        ScenarioError
            For ``tree``, ``nfg`` and ``efg``, located at 'bargaining:': the
            alternating-offers game is infinite and solved in closed form.
        """
        if command in ("tree", "nfg", "efg"):
            what = "draw its game tree" if command == "tree" else f"write it as Gambit .{command}"
            raise ScenarioError(
                ScenarioIssue(
                    scenario.locate(("bargaining",)),
                    f"cannot {what}: Rubinstein's alternating-offers game has no end (offers "
                    "can go on forever) and is solved in closed form; see 'tradegame solve'",
                )
            )
        return CommandCost(2, 0, 0, "agreements")

    @property
    def normal_form_shape(self) -> tuple[int, ...]:
        return ()

    def path_label(self, t: int) -> str:
        p, r = self.players[self.proposer], self.players[self.responder]
        return f"{p} offers its share to {r} > {r} accepts"

    @property
    def solution_concept(self) -> str:
        return "subgame-perfect equilibrium of alternating offers (Rubinstein 1982)"

    def rule_text(self) -> RuleText:
        return RuleText(
            "none",
            "the unique subgame-perfect equilibrium: the first offer, (1 - d_r) / (1 - d_p d_r) "
            "of the pie to the proposer, is accepted",
            "every draw has a subgame-perfect equilibrium",
        )

    def _factor(self, env: Mapping[str, Any], i: int, n_draws: int) -> NDArray[np.float64]:
        """Player *i*'s discount factor in each draw, shape (D,), checked in (0, 1)."""
        expr = self.scenario.discounts[i]
        assert expr is not None
        name = self.players[i]
        return self._checked(
            expr.evaluate(env),
            n_draws,
            ("players", name, "discount"),
            f"the discount factor of {name!r}",
            lambda d: (d > 0) & (d < 1),
            "strictly between 0 and 1",
        )

    def _checked(
        self,
        value: Any,
        n_draws: int,
        path: tuple[str, ...],
        what: str,
        good: Any,
        needed: str,
    ) -> NDArray[np.float64]:
        arr = np.broadcast_to(np.asarray(value, dtype=np.float64).reshape(-1), (n_draws,))
        bad = np.flatnonzero(~good(arr))
        if bad.size:
            raise ScenarioError(
                ScenarioIssue(
                    self.scenario.locate(path),
                    f"{what} is {arr[bad[0]]:g} in draw {int(bad[0])}; it must be {needed}",
                )
            )
        return np.array(arr)

    def split(
        self, parameters: Mapping[str, NDArray[np.float64]], n_draws: int
    ) -> tuple[Any, NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Each draw's environment, discount factors, pie and shares.

        Returns
        -------
        env : mapping
            The draws' evaluation environment (parameters and terms).
        delta : ndarray, shape (D, 2)
            The players' discount factors.
        pie : ndarray, shape (D,)
        shares : ndarray, shape (D, 2)
            Each player's fraction of the pie (rows sum to 1).
        """
        env = evaluation_environment(self.scenario, None, parameters)
        delta = np.stack([self._factor(env, i, n_draws) for i in range(2)], axis=1)
        pie = self._checked(
            self.plan.pie.evaluate(env),
            n_draws,
            ("bargaining", "pie"),
            "the pie",
            lambda x: np.isfinite(x) & (x > 0),
            "positive",
        )
        shares = rubinstein(delta[:, 0], delta[:, 1], 1.0, self.proposer).shares
        return env, delta, pie, shares

    def play_batch(
        self, parameters: Mapping[str, NDArray[np.float64]], n_draws: int
    ) -> PlayedBatch:
        env, _, pie, shares = self.split(parameters, n_draws)
        payoffs = shares * pie[:, None]  # (D, 2)
        labels = self._outcomes(env, shares, payoffs, n_draws)
        return PlayedBatch(
            np.ones((n_draws, 1)),
            labels[:, None],
            payoffs[:, :, None],
            np.ones(n_draws, dtype=np.intp),
        )

    def _outcomes(
        self,
        env: Any,
        shares: NDArray[np.float64],
        payoffs: NDArray[np.float64],
        n_draws: int,
    ) -> NDArray[np.intp]:
        """Each draw's outcome index, shape (D,): the first rule that holds."""
        for i, name in enumerate(self.players):
            env[f"share_{name}"] = shares[:, i : i + 1]
            env[f"payoff_{name}"] = payoffs[:, i : i + 1]
        labels = self.scenario.outcome_labels
        index = {label: k for k, label in enumerate(labels)}
        out = np.full(n_draws, index[self.scenario.fallback_outcome], dtype=np.intp)
        decided = np.zeros(n_draws, dtype=bool)
        for label, expr in self.scenario.outcomes:
            hit = np.broadcast_to(
                np.asarray(expr.evaluate(env), dtype=bool).reshape(-1), (n_draws,)
            )
            hit = hit & ~decided
            out[hit] = index[label]
            decided |= hit
        return out

    def central(
        self, *, dominance: bool = False, game_tree: bool = False, normal_form: bool = True
    ) -> CentralSolution:
        values, params = medians(self.scenario)
        env, delta, pie, shares = self.split(params, 1)
        payoffs = shares[0] * pie[0]
        outcome = self.scenario.outcome_labels[
            int(self._outcomes(env, shares, payoffs[None, :], 1)[0])
        ]
        p, r = self.players[self.proposer], self.players[self.responder]
        equilibrium = CentralEquilibrium(
            strategies={p: f"offer {r} {shares[0, self.responder]:.4g} of the pie", r: "accept"},
            levers={},
            payoffs={name: float(payoffs[i]) for i, name in enumerate(self.players)},
            outcome=outcome,
            probability=1.0,
        )
        split = rubinstein(delta[0, 0], delta[0, 1], pie[0], self.proposer)
        summary = BargainingSummary(
            pie=float(pie[0]),
            proposer=p,
            responder=r,
            discounts={name: float(delta[0, i]) for i, name in enumerate(self.players)},
            split=split,
            shares={name: float(shares[0, i]) for i, name in enumerate(self.players)},
        )
        return CentralSolution(
            **self.central_fields(values, [equilibrium]),
            values=dict(equilibrium.payoffs),
            bargaining=summary,
        )
