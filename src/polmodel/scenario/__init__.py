"""Scenarios: the file schema, loading and the catalog, what-ifs, and the TOML writer.

Built on :mod:`polmodel.model`; nothing here imports the analyses or the room, and a scenario
reaches the views only to show itself (``summary``, ``_repr_html_``) and to wrap text.
"""
