"""The workshop room: the handout, the Jupyter explorer, elicitation and the opinion pool."""
