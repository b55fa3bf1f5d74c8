"""Page analysis and recognition: pure functions over numpy images.

Nothing here imports FastAPI, SQLModel or the settings object; callers pass
options down explicitly (see docs/ARCHITECTURE.md).
"""
