"""Synthetic sample generator: filled, scanned and photographed forms R and S with ground truth.

`samples.batch.generate_batch` writes a December batch (scans, truth.jsonl, roster.csv,
manifest.json); the other modules are pure pieces of it (content, layout, handwriting,
scanner realism, file export).
"""
