"""Analyses over plausible worlds: ensembles, runs, comparison, sensitivity, discovery, sweeps.

Built on :mod:`polmodel.model` and :mod:`polmodel.scenario`. Results hold numbers and call
their views (``summary``, ``plot``, ``_repr_html_``) in :mod:`polmodel.views`, and the analyses
take the caveat, the provenance line and the text writer from there; nothing in the views imports
this package, and nothing here imports the room or the command line.
"""
