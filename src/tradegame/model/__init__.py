r"""Game objects and the payoff-array convention used everywhere in tradegame.

Payoff arrays
-------------
A normal-form game with players :math:`i = 0, \dots, n-1`, where player *i*
has :math:`A_i` actions, is stored as one array ``U`` of shape
``(..., n, A_0, ..., A_{n-1})``:

.. math::

    U[\dots, i, a_0, \dots, a_{n-1}] = u_i(a_0, \dots, a_{n-1}),

player *i*'s payoff when each player *j* plays action :math:`a_j`. Leading
axes (``...``) are Monte Carlo draws (or any batch); a single game has none.
This is the layout of pygambit's ``Game.from_arrays`` with batch axes in front.

A player's action is a *strategy*: one option of each of the player's levers,
enumerated in C order over the levers as written in the scenario. Profiles
are enumerated in C order over players, so the flat profile index of
``(a_0, ..., a_{n-1})`` is ``np.ravel_multi_index((a_0, ..., a_{n-1}), (A_0, ..., A_{n-1}))``.
"""
