"""The playing layer: how a scenario's game is solved and played, one interface for every kind.

:class:`~tradegame.play.base.GamePlay` plays a batch of draws;
:func:`~tradegame.play.kinds.play_for` gives the implementation for a
scenario's kind of game (simultaneous, stages, tree);
:func:`~tradegame.play.solve.solve` solves the central game as data.
"""
