"""What a command will allocate, computed before it allocates: one budget for every command.

``run`` has always checked the memory of a block of draws before building
anything (:func:`tradegame.montecarlo.simulate.simulate`). The commands that
work on the central game alone (``solve``, ``tree``, ``export``) did not: a
1.3 KB scenario of 22 binary stages (4.2 M histories, under the 5 M profile
limit of loading) made each of them climb to gigabytes. Here each of them
states its size in the units its work grows with, before any array of the
game's size exists:

* **payoff entries** ``n * P`` of the central game (``n`` players, ``P``
  profiles or stage histories), which every command builds, and which ``export
  --format nfg`` writes as text (:data:`TEXT_BYTES_PER_ENTRY` each);
* **nodes** of the game tree that ``tree`` draws and ``export --format efg``
  writes (a stage or simultaneous game drawn as a tree has one node per
  history prefix);

and is refused, in one located line with the numbers, when one of them is
over its limit (:data:`MAX_CENTRAL_ENTRIES`, :data:`MAX_DRAWN_NODES`: these
bound the time) or when their bytes are over the memory limit (``--max-memory``,
the same option and default as ``run``). Memory per unit was measured as peak
RSS (``/usr/bin/time``) of ``solve`` on binary stage games (about 350 bytes
per payoff at 2 M payoffs) and of ``export --format efg`` (about 2.3 KB per
node at 131,071 nodes), and rounded up; ``benchmarks/bench_command_budgets.py``
shows each command on the issue's files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tradegame.errors import ScenarioError, ScenarioIssue
from tradegame.scenario.load import MAX_TREE_NODES, Scenario

__all__ = [
    "BYTES_PER_ENTRY",
    "BYTES_PER_NODE",
    "MAX_CENTRAL_ENTRIES",
    "MAX_DRAWN_NODES",
    "TEXT_BYTES_PER_ENTRY",
    "CommandCost",
    "check_budget",
    "check_normal_form",
    "stage_tree_nodes",
]

#: Most payoff entries (players x profiles or histories) a central game may have for
#: ``solve``, ``tree`` and ``export``: about ten seconds of work on one core.
MAX_CENTRAL_ENTRIES = 2**20
#: Most nodes a game tree may have to be drawn or written: the limit on a scenario's
#: own ``tree:`` (a stage game drawn as a tree is held to it too).
MAX_DRAWN_NODES = MAX_TREE_NODES
#: Peak bytes per payoff entry of the central game (payoff arrays, expression
#: temporaries, backward induction); measured about 350.
BYTES_PER_ENTRY = 512
#: Peak bytes per node of a drawn or written game tree (a networkx node with its
#: attributes, its layout and its text); measured about 2,000.
BYTES_PER_NODE = 4096
#: Bytes per payoff entry of ``.nfg`` text (a number and a separator, held as a Python
#: string while the file is assembled): an allowance, not a measurement.
TEXT_BYTES_PER_ENTRY = 64


@dataclass(frozen=True)
class CommandCost:
    """The size of a command's work on a scenario's central game.

    Attributes
    ----------
    entries : int
        Payoff entries of the central game (players x profiles or histories).
    nodes : int
        Nodes of the game tree the command draws or writes (0: none).
    text_entries : int
        Payoff entries the command writes as text (0: none).
    """

    entries: int
    nodes: int = 0
    text_entries: int = 0
    unit: str = "profiles"
    """What the central game's payoffs are counted over, for messages ("histories")."""

    @property
    def bytes(self) -> int:
        """Estimated peak memory of the command's arrays, trees and text."""
        return (
            self.entries * BYTES_PER_ENTRY
            + self.nodes * BYTES_PER_NODE
            + self.text_entries * TEXT_BYTES_PER_ENTRY
        )


def stage_tree_nodes(shape: tuple[int, ...], ends: tuple[int, ...] = ()) -> int:
    """Nodes of the tree of a stage game: one per history prefix that is played.

    Parameters
    ----------
    shape : tuple of int
        ``(A_0, ..., A_{k-1})``, the number of actions of each stage.
    ends : tuple of int, optional
        Per stage, how many of its actions end the game (their histories are
        terminal nodes and have no continuation); default none.

    Returns
    -------
    int
        ``sum_s alive_s * (1 + ends_s) + alive_k`` where ``alive_s`` histories
        reach stage ``s``: exact for :meth:`~tradegame.model.tree.GameTree.from_stages`.
    """
    ends = tuple(ends) + (0,) * (len(shape) - len(ends))
    alive, nodes = 1, 0
    for a, e in zip(shape, ends, strict=True):
        nodes += alive * (1 + e)  # the decision node and the histories it ends
        alive *= a - e
    return nodes + alive


def check_budget(
    scenario: Scenario,
    command: str,
    cost: CommandCost,
    max_memory: int,
    *,
    memory_option: str = "--max-memory",
) -> None:
    """Refuse a command whose work is over its limits, before it allocates.

    Parameters
    ----------
    scenario : Scenario
    command : str
        As the user typed it (e.g. ``"export --format nfg"``), for the message.
    cost : CommandCost
        From :func:`tradegame.play.kinds.command_cost` (or a later, finer
        count such as a reduced normal form's size).
    max_memory : int
        Bytes the command may use.
    memory_option : str
        How the user raises ``max_memory``.

    Raises
    ------
    ScenarioError
        One issue, located where the game's size is declared (``players:``,
        ``stages:`` or the tree's root), naming the numbers and the way past.
    """
    where = scenario.locate(scenario.size_location)
    kind = cost.unit
    if cost.entries > MAX_CENTRAL_ENTRIES:
        n = len(scenario.players)
        raise ScenarioError(
            ScenarioIssue(
                where,
                f"'{command}' builds the central game: {cost.entries:,} payoffs "
                f"({n} players x {cost.entries // n:,} {kind}), over its limit of "
                f"{MAX_CENTRAL_ENTRIES:,}; use fewer levers, options or stages",
            )
        )
    if cost.nodes > MAX_DRAWN_NODES:
        raise ScenarioError(
            ScenarioIssue(
                where,
                f"'{command}' would draw or write a game tree of {cost.nodes:,} nodes, "
                f"over its limit of {MAX_DRAWN_NODES:,} (the limit on a scenario's tree); "
                "use fewer levers, options or stages",
            )
        )
    if cost.bytes > max_memory:
        raise ScenarioError(
            ScenarioIssue(
                where,
                f"'{command}' needs about {_gib(cost.bytes)} for this game, over the "
                f"memory limit of {_gib(max_memory)}; raise the limit ({memory_option}, "
                "in GiB) or use fewer levers, options or stages",
            )
        )


def check_normal_form(scenario: Scenario, plans: tuple[int, ...]) -> None:
    """Refuse a reduced normal form over :data:`MAX_CENTRAL_ENTRIES` payoffs, before it is built.

    A tree of a few hundred nodes can have a normal form of billions of
    profiles (each player's plans multiply), so its size is checked from the
    plan counts, once the plans (each player's at most the plan limit) are known.

    Parameters
    ----------
    scenario : Scenario
    plans : tuple of int
        Number of reduced strategies of each player.

    Raises
    ------
    ScenarioError
        Located at 'stages:' or the tree's root.
    """
    entries = len(plans) * math.prod(plans)
    if entries > MAX_CENTRAL_ENTRIES:
        where = scenario.locate(scenario.size_location)
        sizes = " x ".join(f"{k:,}" for k in plans)
        raise ScenarioError(
            ScenarioIssue(
                where,
                f"the reduced normal form has {sizes} plans, {entries:,} payoffs, over the "
                f"limit of {MAX_CENTRAL_ENTRIES:,}; give the players fewer information sets "
                "or options",
            )
        )


def _gib(n: int) -> str:
    return f"{n / 2**30:.3g} GiB"
