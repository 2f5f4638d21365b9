"""Plain-word labels: every name a person reads has one, and no label hides an id."""

from __future__ import annotations

import re

import pytest

from polmodel.errors import PolmodelError
from polmodel.model.labels import LABELS, MAX_LABEL, label, labels
from polmodel.model.levers import LEVERS
from polmodel.model.parameters import PARAMETERS
from polmodel.model.states import STATES

KEYS = [*PARAMETERS, *(f"initial.{s}" for s in STATES), *STATES]
IDS = [*PARAMETERS, *(f"initial.{s}" for s in STATES)]  # what users type (--set, sweep)


@pytest.mark.parametrize("key", KEYS)
def test_every_parameter_initial_state_and_state_has_a_label(key):
    # A parameter added to the table (or a state to the model) without a label fails here.
    assert key in LABELS, f"{key!r} has no label in polmodel/model/labels.py"
    assert label(key).strip() == label(key) and label(key)


def test_no_label_for_a_name_the_model_does_not_have():
    stale = sorted(set(LABELS) - set(KEYS))
    assert not stale, f"labels of names the model no longer has: {stale}"


def test_labels_are_unique():
    seen: dict[str, str] = {}
    for key, words in LABELS.items():
        assert words.lower() not in seen, f"{key!r} and {seen[words.lower()]!r} share {words!r}"
        seen[words.lower()] = key


@pytest.mark.parametrize("key", KEYS)
def test_labels_are_short_lowercase_words(key):
    words = label(key)
    assert len(words) <= MAX_LABEL, f"{key}: {len(words)} characters"
    assert words[0].islower() and not words.endswith(".")  # they go inside sentences
    assert "_" not in words


@pytest.mark.parametrize("key", KEYS)
def test_no_id_appears_in_a_label(key):
    # Ids as whole tokens: "rally" may not appear in a label, "rallying" could (none does).
    words = label(key)
    for other in IDS:
        assert not re.search(rf"(?<![\w.]){re.escape(other)}(?![\w])", words), (key, other)


def test_with_id_puts_the_id_in_parentheses_after_the_label():
    assert label("rally", with_id=True) == f"{LABELS['rally']} (rally)"
    assert labels(["initial.fracture", "crisis"], with_id=True) == [
        f"{LABELS['initial.fracture']} (initial.fracture)", f"{LABELS['crisis']} (crisis)"]


def test_context_and_lever_axes_are_labelled_too():
    assert label("context.linkage") == label("linkage")
    for lever in LEVERS:
        assert lever.label in label(f"lever.{lever.name}")
        assert lever.label in label(f"start.{lever.name}")
        assert label(f"lever.{lever.name}") != label(f"start.{lever.name}")


@pytest.mark.parametrize("key", ["ralley", "initial.nothing", "lever.nothing", "", 3, None])
def test_an_unknown_key_is_one_clear_line(key):
    with pytest.raises(PolmodelError, match="no label for") as err:
        label(key)
    assert "\n" not in str(err.value)


def test_an_unknown_key_names_the_nearest_known_ones():
    with pytest.raises(PolmodelError, match="did you mean rally"):
        label("ralley")
