"""Presenting: the figures, the HTML report, the history of builds and the comparison of two
results. The only layer that may import matplotlib or Jinja2."""
