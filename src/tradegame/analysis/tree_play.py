"""How the central game's solution plays on its tree: the probability of reaching each
node and each mover's behaviour probabilities, for drawing them on the tree.

A sequential game's solution (:func:`tradegame.solve`) lists the plays it
reaches, each a path from the root to a terminal node with its probability
(``CentralSolution.equilibria``): pure plays of a subgame-perfect equilibrium,
or the plays of a mixed equilibrium or a quantal response equilibrium of the
reduced normal form, chance moves included. The probability of reaching a node
is the sum over the plays through it, and at a node reached with positive
probability the behaviour probability of an action is

.. math::

    \\beta(a \\mid h) = \\frac{P(\\text{reach } h a)}{P(\\text{reach } h)},

the behaviour strategy that realises the same distribution over plays (Kuhn's
theorem; Osborne and Rubinstein 1994, section 11.4; Myerson 1991, section
4.3). At nodes the plays never reach, the plays say nothing of behaviour, and
none is given.
"""

from __future__ import annotations

from dataclasses import dataclass

from tradegame.model.tree import GameTree, Node
from tradegame.play.solution import CentralSolution

__all__ = ["TreePlay", "tree_play"]

#: Reach probabilities below this are treated as zero (rounding of the plays' weights).
_TINY = 1e-12


@dataclass(frozen=True)
class TreePlay:
    """The central solution's play on its game tree.

    Attributes
    ----------
    reach : dict of Node to float
        The probability of reaching each node, for every node of the tree.
    behaviour : dict of Node to tuple of float
        Decision and chance nodes reached with positive probability: the
        probability of each action, in the node's action order (summing to 1).
    mixed : bool
        Some decision node reached is played with a behaviour probability
        strictly between 0 and 1 (a mixed equilibrium, a QRE, or a tie shared out).
    """

    reach: dict[Node, float]
    behaviour: dict[Node, tuple[float, ...]]
    mixed: bool

    @property
    def played(self) -> frozenset[Node]:
        """The nodes reached with positive probability."""
        return frozenset(n for n, p in self.reach.items() if p > _TINY)


def _move_name(tree: GameTree, central: CentralSolution, node: Node) -> str:
    d = tree.node(node)
    lever = d.get("lever")
    if lever is not None:  # tree scenarios: the lever moved at the node
        return str(lever)
    return central.moves[int(d["stage"])].name  # stage scenarios: the stage's name


def tree_play(central: CentralSolution) -> TreePlay | None:
    """The reach and behaviour probabilities of a sequential central solution.

    Parameters
    ----------
    central : CentralSolution
        A sequential game's central solution with its tree
        (``tradegame.solve(scenario, game_tree=True)``) and its plays.

    Returns
    -------
    TreePlay or None
        ``None`` when there is no tree or no play (nothing was solved), or when a
        play cannot be followed on the tree.

    Examples
    --------
    >>> import tradegame as tg
    >>> sc = tg.load_scenario("classroom/card_game")
    >>> play = tree_play(tg.solve(sc, game_tree=True))
    >>> round(play.reach[(1, 0)], 4)   # a black card, then player 1 raises (bluffs)
    0.1923
    >>> play.mixed
    True
    """
    tree = central.tree
    if tree is None or not central.equilibria:
        return None
    reach: dict[Node, float] = dict.fromkeys(tree.nodes(), 0.0)
    for e in central.equilibria:
        w = float(e.probability if e.probability is not None else 1.0)
        node: Node = ()
        reach[node] += w
        while tree.node(node)["kind"] != "terminal":
            label = e.strategies.get(_move_name(tree, central, node))
            actions = tuple(str(a) for a in tree.node(node)["actions"])
            if label is None or actions.count(str(label)) != 1:
                return None  # the play does not name this move, or not unambiguously
            node = (*node, actions.index(str(label)))
            reach[node] += w
    behaviour: dict[Node, tuple[float, ...]] = {}
    mixed = False
    for n in tree.nodes():
        d = tree.node(n)
        if d["kind"] == "terminal" or reach[n] <= _TINY:
            continue
        probs = tuple(reach[c] / reach[n] for c in tree.children(n))
        behaviour[n] = probs
        if d["kind"] == "decision" and any(_TINY < p < 1 - _TINY for p in probs):
            mixed = True
    return TreePlay(reach=reach, behaviour=behaviour, mixed=mixed)
