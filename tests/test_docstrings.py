"""The examples in the docstrings run and show what they say."""

import doctest
import importlib
import pkgutil

import pytest

import polmodel

# Every module, subpackages included (iter_modules would list only the top level, and the
# examples in model/, analysis/, scenario/, ... would never run).
MODULES = sorted(m.name for m in pkgutil.walk_packages(polmodel.__path__, "polmodel.")
                 if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
                             extraglobs={"np": __import__("numpy")})
    assert result.failed == 0


def test_examples_exist_for_the_public_functions():
    import polmodel.analysis.comparison
    import polmodel.analysis.runs
    import polmodel.model.integrator
    import polmodel.scenario.loading

    for func in (polmodel.model.integrator.simulate, polmodel.analysis.runs.run, polmodel.analysis.comparison.compare,
                 polmodel.scenario.loading.load_scenario):
        assert ">>>" in (func.__doc__ or ""), func.__name__
