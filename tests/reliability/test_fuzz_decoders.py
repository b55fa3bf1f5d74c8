"""Random and damaged files through the decoders' entry point: pages or a named error, never
a crash and never a hang (hypothesis deadline; subprocess timeouts in ingest/pages.py)."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability.decoder_harness import decode, mutate, seed_files

SEEDS = seed_files()
FUZZ = settings(max_examples=100, deadline=10_000, suppress_health_check=[HealthCheck.too_slow])
MAGIC = (b"%PDF-1.4\n", b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"II*\x00", b"MM\x00*", b"")


def test_the_seed_files_are_read() -> None:
    assert {kind: decode(data) for kind, data in SEEDS.items()} == {
        "png": "pages:1",
        "jpeg": "pages:1",
        "tiff": "pages:2",
        "pdf": "pages:1",
    }


@FUZZ
@given(st.sampled_from(MAGIC), st.binary(max_size=3000))
def test_random_bytes_behind_any_magic_give_a_named_error(magic: bytes, tail: bytes) -> None:
    result = decode(magic + tail)
    assert result.startswith("pages:") or result.isidentifier()


@FUZZ
@given(st.sampled_from(sorted(SEEDS)), st.integers(0, 2**32 - 1), st.integers(1, 12))
def test_damaged_scans_give_pages_or_a_named_error(kind: str, seed: int, edits: int) -> None:
    result = decode(mutate(SEEDS[kind], random.Random(seed), edits))
    assert result.startswith("pages:") or result in {
        "empty_file",
        "unsupported_type",
        "corrupt_pdf",
        "encrypted_pdf",
        "no_pages",
        "image_decode_error",
        "too_many_pixels",
        "render_error",
        "too_many_pages",
    }, result
