"""Analyses over plausible worlds: ensembles, runs, comparison, sensitivity, discovery, sweeps.

Built on :mod:`polmodel.model` and :mod:`polmodel.scenario`. A result object may call its own
view (``summary``, ``plot``, ``_repr_html_``) in :mod:`polmodel.views`; nothing else here imports
the layers above.
"""
