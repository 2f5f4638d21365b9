"""The model: states and conditions, the parameter table, levers, the equations, the integrator.

The bottom layer: it imports nothing from the rest of polmodel but :mod:`polmodel.errors`,
:mod:`polmodel.limits` and :mod:`polmodel.mappings`.
"""
