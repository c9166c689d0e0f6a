"""The command line on sequential scenarios: tree pictures and Gambit files of shipped games."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_tiktok_tree_picture(cli, tmp_path: Path) -> None:
    """The TikTok scenario's central game as a picture: every node drawn, path marked."""
    from PIL import Image

    out = tmp_path / "tree.png"
    result = cli("tree", "tiktok_deadline", "--plot", out)
    assert result.code == 0, result.stderr
    # Decision nodes 1 (US) + 1 (China, after 'extend') + 3 (the President, after each
    # of China's answers); terminal: 'enforce' ends the game, and 3 x 3 after China.
    said = " ".join(result.stdout.split())
    assert f"wrote {out} (15 nodes, equilibrium path" in said
    with Image.open(out) as im:
        width, height = im.size
    # Large enough to read every label at its natural size (checked by eye: the labels
    # of all 16 leaves, the chance probabilities and the red path are legible).
    assert width >= 2000 and height >= 1000


def test_tree_of_a_simultaneous_scenario_is_refused(cli, tmp_path: Path) -> None:
    result = cli("tree", "classroom/chicken", "--plot", tmp_path / "t.png")
    assert result.code == 2 and "Traceback" not in result.stderr
    assert not (tmp_path / "t.png").exists()


@pytest.mark.parametrize(
    ("scenario", "fmt", "header"),
    [
        ("classroom/prisoners_dilemma", "nfg", "NFG 1 R"),
        ("madrid_2025", "efg", "EFG 2 R"),
        ("tiktok_deadline", "efg", "EFG 2 R"),
        ("classroom/ultimatum", "efg", "EFG 2 R"),
    ],
)
def test_export_writes_gambit_files(cli, tmp_path: Path, scenario, fmt, header) -> None:
    out = tmp_path / f"game.{fmt}"
    result = cli("export", scenario, "--format", fmt, "-o", out)
    assert result.code == 0, result.stderr
    assert out.read_text().startswith(header)


def test_a_normal_form_too_large_to_write_is_one_line(cli, tmp_path: Path) -> None:
    """Madrid's reduced normal form (6 * 4**72 US plans) cannot be written: one line, exit 2."""
    out = tmp_path / "game.nfg"
    result = cli("export", "madrid_2025", "--format", "nfg", "-o", out)
    assert result.code == 2 and result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "reduced strategies" in result.stderr and not out.exists()


def test_json_gives_the_full_subgame_perfect_strategy(cli) -> None:
    """Every decision history gets an action; on the path they are the path's actions."""
    import json

    result = cli("run", "tiktok_deadline", "-n", "2048", "-q", "--json", "-")
    assert result.code == 0, result.stderr
    central = json.loads(result.stdout)["central_game"]
    rows = central["subgame_perfect_strategy"]
    # Stages: us (1 history), china (after 'extend' only: 'enforce' ends the game),
    # the President (after each of China's 3 answers).
    assert [r["stage"] for r in rows].count("decision") == 3 and len(rows) == 5
    for path in central["pure_equilibria"]:
        taken = path["strategies"]  # stage -> action along this path
        for r in rows:
            reached = all(taken[stage] == action for stage, action in r["after"].items())
            if reached:
                assert r["on_path"] and r["action"] == taken[r["stage"]]
