"""Every CSV polmodel writes reads as it is (README, "Data you can load").

One header line, no comment lines, the provenance in leading columns (``polmodel_version``,
``scenario``, ``seed`` ... as ``compare`` names them), one table per output even with several
questions, every row as long as the header. Checked with :mod:`csv` always, and with pandas
when it is installed, for each command's --csv (stdout) and --out (file), and for the Python
API's ``to_csv()``. The caveat, which the CSV no longer carries in a comment, is in the sidecar
``NAME.csv-metadata.json`` and the JSON of each --out set.
"""

from __future__ import annotations

import csv
import io
import json

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

import polmodel  # noqa: E402
from polmodel.cli import main  # noqa: E402
from polmodel.scenario.loading import load_scenario  # noqa: E402
from polmodel.views.text import CAVEAT  # noqa: E402

SCENARIO = "venezuela-2018"
SEED = 3  # not the default, so a seed column that ignores the option shows

try:
    import pandas as pd
except ImportError:  # pragma: no cover - depends on the environment
    pd = None

# Each command that prints CSV with --csv: its arguments, whether it takes --seed and --out,
# and the column that tells its questions apart when it answers several.
COMMANDS = {
    "compare": (["compare", "--worlds", "24", "--policy", "targeted", "--policy", "broad"],
                True, True, None),
    "run": (["run", "--policy", "targeted", "--policy", "broad", "--horizon", "6"],
            False, True, None),
    "sweep": (["sweep", "--x", "backfire", "--worlds", "20", "--points", "2"], True, True,
              "question"),
    "sensitivity": (["sensitivity", "--worlds", "16", "--method", "morris", "--trajectories", "2",
                     "--resamples", "0"], True, True, "question"),
    "discover": (["discover", "--worlds", "60", "--resamples", "2"], True, True, "question"),
    "elicit": (["elicit", "ESTIMATES", "--worlds", "16", "--policy", "broad"], True, True, None),
    "show": (["show"], False, False, None),
}
# The commands answering several questions by default, in one table.
SEVERAL = ("sensitivity", "discover")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def check_csv(text: str, *, seed: int | None, scenario: str = SCENARIO) -> list[dict[str, str]]:
    """The checks every CSV polmodel writes must pass; its rows, as dicts."""
    assert text, "no CSV"
    assert text.endswith("\n")
    lines = text.splitlines()
    assert not any(line.startswith("#") for line in lines), "a comment line"
    table = list(csv.reader(io.StringIO(text)))
    header, rows = table[0], table[1:]
    assert header[:2] == ["polmodel_version", "scenario"], header[:4]  # the header comes first
    assert len(set(header)) == len(header), "a column name twice"
    assert rows, "a header without rows"
    for i, row in enumerate(rows, start=2):
        assert len(row) == len(header), f"row {i}: {len(row)} fields, header {len(header)}"
        assert row != header, f"row {i} repeats the header (two tables in one)"
    records = [dict(zip(header, row)) for row in rows]
    assert {r["polmodel_version"] for r in records} == {polmodel.__version__}
    assert {r["scenario"] for r in records} == {scenario}
    if seed is not None:
        assert {r["seed"] for r in records} == {str(seed)}
    if pd is not None:
        frame = pd.read_csv(io.StringIO(text))
        assert list(frame.columns) == header and len(frame) == len(rows)
        assert set(frame["scenario"]) == {scenario}
        if seed is not None:
            assert set(frame["seed"]) == {seed}
    return records


@pytest.fixture(scope="module")
def estimates(tmp_path_factory):
    from polmodel.room.elicitation import template

    path = tmp_path_factory.mktemp("estimates") / "estimates.csv"
    path.write_text(template(), encoding="utf-8")
    return path


def _args(name, estimates):
    args, takes_seed, _, _ = COMMANDS[name]
    args = [estimates if a == "ESTIMATES" else a for a in args]
    return [*args, *(["--seed", SEED] if takes_seed else [])], takes_seed


@pytest.fixture(scope="module")
def outputs(tmp_path_factory, estimates):
    """Each command once, with --csv and (where it has one) --out: stdout, and the folder."""
    done = {}
    for name, (_, _, has_out, _) in COMMANDS.items():
        args, _ = _args(name, estimates)
        out = tmp_path_factory.mktemp(name) if has_out else None
        r = invoke(*args, "--csv", *(["--out", out] if out else []))
        assert r.exit_code == 0, f"{name}: {r.stderr}"
        done[name] = (r.stdout, out)
    return done


@pytest.mark.parametrize("name", list(COMMANDS))
def test_csv_on_stdout_has_one_header_and_provenance_columns(outputs, name):
    stdout, _ = outputs[name]
    takes_seed = COMMANDS[name][1]
    records = check_csv(stdout, seed=SEED if takes_seed else None)
    column = COMMANDS[name][3]
    if column is not None:
        assert all(r[column] for r in records)
    if name in SEVERAL:  # several questions: one table, the question column tells them apart
        assert len({r["question"] for r in records}) > 1


@pytest.mark.parametrize("name", [n for n, c in COMMANDS.items() if c[2]])
def test_csv_files_under_out_follow_the_same_convention(outputs, name):
    stdout, out = outputs[name]
    takes_seed = COMMANDS[name][1]
    files = sorted(out.glob("*.csv"))
    assert files, f"{name} wrote no CSV"
    for path in files:
        text = path.read_text(encoding="utf-8")
        check_csv(text, seed=SEED if takes_seed else None)
        if name != "elicit":  # elicit's stdout is the verdicts; its folder has the estimates form too
            assert text == stdout, f"{path.name} differs from what --csv prints"
        # The caveat the CSV does not carry is beside it, with the columns.
        meta = json.loads(path.with_name(path.name + "-metadata.json").read_text(encoding="utf-8"))
        assert meta["caveat"] == CAVEAT
        assert meta["columns"] == next(csv.reader(io.StringIO(text)))
        provenance = meta["provenance"]
        assert all(f"polmodel {polmodel.__version__}" in p
                   for p in (provenance if isinstance(provenance, list) else [provenance]))


@pytest.mark.parametrize("name", [n for n, c in COMMANDS.items() if c[2]])
def test_the_caveat_is_still_in_the_json_of_an_out_set(outputs, name):
    _, out = outputs[name]
    data_files = [p for p in out.glob("*.json") if not p.name.endswith("-metadata.json")]
    assert data_files
    for path in data_files:
        data = json.loads(path.read_text(encoding="utf-8"))
        for item in data if isinstance(data, list) else [data]:
            assert item["caveat"] == CAVEAT, path.name


def test_what_ifs_are_a_column_not_a_comment():
    r = invoke("sweep", "--x", "backfire", "--worlds", "10", "--points", "2", "--set",
               "rally=0.02", "--csv")
    assert r.exit_code == 0, r.stderr
    records = check_csv(r.stdout, seed=0, scenario=f"{SCENARIO} (what-ifs: rally=0.02)")
    assert {row["what_ifs"] for row in records} == {"rally=0.02"}


# ---- the Python API: to_csv() on each result, the same convention as the CLI ------------------


@pytest.fixture(scope="module")
def sc():
    return load_scenario(SCENARIO)


def test_api_to_csv_follows_the_convention(sc, estimates, tmp_path):
    from polmodel.analysis.comparison import compare
    from polmodel.analysis.discovery import discover
    from polmodel.analysis.runs import run
    from polmodel.analysis.sensitivity_analysis import sensitivity
    from polmodel.analysis.sweeps import sweep
    from polmodel.room.elicitation import elicit

    results = {
        "compare": compare(sc, ["targeted", "broad"], worlds=16, seed=SEED),
        "sweep": sweep(sc, "backfire", policy="targeted", versus="broad", points=2, worlds=16,
                       seed=SEED),
        "sensitivity": sensitivity(sc, "targeted", "broad", methods=("morris",), trajectories=2,
                                   n_resamples=0, seed=SEED),
        "discover": discover(sc, "targeted", "broad", worlds=60, seed=SEED, resamples=0),
        "elicit": elicit(estimates, sc, worlds=16, seed=SEED, policies=["broad"]),
    }
    for name, result in results.items():
        text = result.to_csv()
        check_csv(text, seed=SEED)
        path = tmp_path / f"{name}.csv"
        result.to_csv(path)
        assert path.read_text(encoding="utf-8") == text, name
    check_csv(run(sc, "targeted").to_csv(), seed=None)


def test_api_sweep_csv_is_what_the_cli_prints(sc):
    from polmodel.analysis.sweeps import sweep

    cli = invoke("sweep", "--x", "backfire", "--worlds", "20", "--points", "2", "--seed", SEED,
                 "--csv").stdout
    a, b = sc.contrast
    api = sweep(sc, "backfire", policy=a, versus=b, points=2, worlds=20, seed=SEED).to_csv()
    assert api == cli


def test_free_text_that_a_spreadsheet_would_run_is_written_as_text(write_scenario):
    """A source may start with '=' or '-' (it is free text): the CSV cell gets a leading "'",
    while numbers, negative ones included, are written as they are."""
    formula = '=HYPERLINK("http://x","click")'
    path = write_scenario({"initial.crisis.source": formula,
                           "initial.fracture.source": "-3% of GDP in 2017 (assumption)"})
    r = CliRunner().invoke(main, ["show", str(path), "--csv"])
    assert r.exit_code == 0, r.output
    cells = [c for row in csv.reader(io.StringIO(r.stdout)) for c in row]
    assert "'" + formula in cells and formula not in cells
    assert "'-3% of GDP in 2017 (assumption)" in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    run = CliRunner().invoke(main, ["run", str(path), "--csv", "--set", "initial.crisis=0.8"])
    numbers = [c for row in list(csv.reader(io.StringIO(run.stdout)))[1:] for c in row[8:12]]
    assert numbers and not any(c.startswith("'") for c in numbers)
