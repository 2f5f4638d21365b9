"""Views: words and tables, figures, the causal diagram, output folders and manifests.

Views receive results as plain numbers or duck-typed objects: nothing here imports
:mod:`polmodel.analysis`, the room or the command line.
"""
