"""Judging: the study as data, the statistics of a verdict, each claim judged on the runs, and what
the study's unstated choices do to its numbers. Reads run tables; draws and renders nothing."""
