"""learn: a self-grading exercise and quiz platform for deep-learning fundamentals."""

__version__ = "0.1.0"
