"""Runs: a run's identity and folder (``key``), the plan from config to runs, executing one run,
its files, and gathering every run into tables; plus what a job needs around it (logs, threads)."""
