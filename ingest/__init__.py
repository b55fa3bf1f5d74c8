"""Turning files of scans into pages: discovery, type sniffing, hashing, page loading, batches.

This package never imports the settings, SQLModel or FastAPI: options come in as
`IngestOptions` and results go out through the `BatchStore` protocol.
"""
