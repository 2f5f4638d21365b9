"""Scenarios: the file schema, loading and the catalog, what-ifs, and the TOML writer.

Built on :mod:`polmodel.model`; nothing here imports the analyses, views or the room.
"""
