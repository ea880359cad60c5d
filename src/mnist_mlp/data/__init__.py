"""The data: each dataset's description and its four IDX files, where to fetch them and how they are
verified, and the arrays training reads. Depends on nothing else in the package but ``errors``."""
