"""The run keywords the analyses share: checked once, where the analysis takes them (RunOptions)."""

import pytest

import polmodel
from polmodel.analysis.options import RUN_KEYWORDS, RunOptions
from polmodel.errors import PolmodelError

SC = "venezuela-2018"
ANALYSES = {
    "compare": lambda **k: polmodel.compare(SC, **k),
    "discover": lambda **k: polmodel.discover(SC, **k),
    "sweep": lambda **k: polmodel.sweep(SC, "rally", points=2, **k),
}


@pytest.mark.parametrize("kwargs, fragment", [
    ({"worlds": 0}, "worlds 0 is not allowed"),
    ({"worlds": "10"}, "worlds '10' is a str"),
    ({"worlds": 1000, "sampler": "sobol"}, "power of 2 (got 1000; try 512 or 1024)"),
    ({"seed": -1}, "seed -1"),
    ({"sampler": "grid"}, "sampler: unknown 'grid'"),
    ({"horizon": 0}, "horizon 0"),
    ({"aggregator": "max"}, "aggregator: unknown 'max'"),
    ({"chunk_size": 0}, "chunk_size 0"),
    ({"progress": "yes"}, "progress 'yes' is not callable"),
    ({"executor": 3}, "executor: a int has no submit()"),
])
def test_each_keyword_is_refused_in_one_line_before_the_scenario_is_read(kwargs, fragment, monkeypatch):
    def no_loading(*args, **kwargs):
        raise AssertionError("the scenario was read before the run keywords were checked")

    monkeypatch.setattr("polmodel.analysis.options.load_scenario", no_loading)
    with pytest.raises(PolmodelError) as info:
        RunOptions(**kwargs).scenario(SC)
    message = str(info.value)
    assert fragment in message and "\n" not in message


@pytest.mark.parametrize("name", sorted(ANALYSES))
def test_every_analysis_refuses_worlds_of_another_scenario_and_what_ifs_on_given_worlds(name):
    other = polmodel.sample_worlds("venezuela-2017", 8, seed=0)
    with pytest.raises(PolmodelError, match="worlds were sampled for 'venezuela-2017'"):
        ANALYSES[name](worlds=other)
    mine = polmodel.sample_worlds(SC, 8, seed=0)
    with pytest.raises(PolmodelError, match="parameters/initial apply when worlds are sampled"):
        ANALYSES[name](worlds=mine, parameters={"rally": 0.01})


@pytest.mark.parametrize("name", sorted(ANALYSES))
def test_worlds_are_checked_once_and_their_memory_estimated_once(name, monkeypatch):
    """The issue: compare checked worlds, then sample_worlds checked them (and the memory) again."""
    import polmodel.limits

    calls = {"check_whole worlds": 0, "available_memory": 0}
    check_whole, available_memory = polmodel.limits.check_whole, polmodel.limits.available_memory

    def counting_check_whole(value, name, *args, **kwargs):
        calls["check_whole worlds"] += name == "worlds"
        return check_whole(value, name, *args, **kwargs)

    def counting_memory():
        calls["available_memory"] += 1
        return available_memory()

    monkeypatch.setattr("polmodel.limits.check_whole", counting_check_whole)
    monkeypatch.setattr("polmodel.limits.available_memory", counting_memory)
    ANALYSES[name](worlds=16, horizon=12)
    assert calls == {"check_whole worlds": 1, "available_memory": 1}


def test_sample_worlds_called_directly_still_checks_everything():
    with pytest.raises(PolmodelError, match="worlds 0"):
        polmodel.sample_worlds(SC, 0)
    with pytest.raises(PolmodelError, match="power of 2"):
        polmodel.sample_worlds(SC, 10, sampler="sobol")


def test_the_shared_keywords_are_written_once_and_reach_every_docstring():
    from polmodel.analysis.options import _MARK

    for func in (polmodel.compare, polmodel.discover, polmodel.sweep, polmodel.sensitivity,
                 RunOptions):
        assert _MARK not in func.__doc__, func.__name__
        assert RUN_KEYWORDS["horizon"].splitlines()[1].strip() in func.__doc__, func.__name__
