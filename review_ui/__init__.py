"""Server-rendered review screens (Chinese), on top of the records data functions."""
