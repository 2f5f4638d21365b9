"""What every analysis figure carries: the scenario's title, the caveat and provenance footer.

The figures of ``sensitivity``, ``discover`` and ``sweep`` are read on their own, away from the
text that made them (a slide, a handout, a file in an ``--out`` folder), so each says which
scenario it is about, that it describes shares of plausible worlds and not chances, and how to
reproduce it. Long axis labels are wrapped so that none runs past the axes it labels.

matplotlib is imported inside the functions, so importing polmodel does not pay for it.
"""

from __future__ import annotations

import textwrap

from polmodel.views.text import CAVEAT

LABEL_WIDTH = 40
"""Characters per line of a wrapped axis or colour-bar label (fits a 4-inch-high axes)."""

FOOTER_WIDTH = 110
"""Characters per line of the caveat and provenance footer."""


def name(key: str, width: int | None = 56) -> str:
    """The name a person reads for a parameter id: its label, the id in parentheses.

    Wrapped at ``width`` characters (on one line when None).

    A name the model does not label (a Morris group, a structure) is returned as it is.
    """
    from polmodel.errors import PolmodelError
    from polmodel.model.labels import label

    try:
        words = label(key, with_id=True)
    except PolmodelError:
        return key
    if width is None:
        return words
    return textwrap.fill(words, width, break_long_words=False, break_on_hyphens=False)


def wrapped(text: str, width: int = LABEL_WIDTH) -> str:
    """``text`` wrapped onto lines of at most ``width`` characters (never mid-word)."""
    return "\n".join(textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False))


def new_axes(ax, figsize: tuple[float, float]):
    """``ax``, or the axes of a new figure whose layout keeps every label inside it."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize, layout="constrained")[1]


def frame(ax, result, what: str) -> None:
    """The scenario's title and ``what`` as the axes' title; the caveat and provenance under it.

    ``result`` is any result with ``title`` (the scenario's) and ``provenance()``; the footer
    sits under the x-axis label, whatever its height.
    """
    title = getattr(result, "title", "") or getattr(result, "scenario", "")
    ax.set_title(f"{title}\n{wrapped(what, 90)}", fontsize=10)
    footer(ax, result.provenance())


def footer(ax, provenance: str, note: str = "") -> None:
    """The caveat and ``provenance`` (and a ``note`` first) in small grey type under the axes."""
    text = "\n".join(wrapped(part, FOOTER_WIDTH) for part in (note, CAVEAT, provenance) if part)
    ax.annotate(text, xy=(0, 0), xycoords=("axes fraction", ax.xaxis.label), xytext=(0, -6),
                textcoords="offset points", fontsize=6.5, color="0.35", va="top", ha="left")
