"""Why a file or page could not be read: a code for machines, a message with the fix for people."""

from __future__ import annotations


class IngestError(Exception):
    """A file or page that cannot be ingested; `code` is stable, `message` names file and fix."""

    code = "ingest_error"
    hint = ""

    def __init__(self, file_name: str, reason: str) -> None:
        self.file_name = file_name
        self.reason = reason
        message = f"{file_name}: {reason}"
        if self.hint:
            message = f"{message} — {self.hint}"
        self.message = message
        super().__init__(message)


class FileNotFound(IngestError):
    code = "not_found"
    hint = "check the path"


class EmptyFile(IngestError):
    code = "empty_file"
    hint = "the file has no content; scan or copy it again"


class FileTooLarge(IngestError):
    code = "file_too_large"
    hint = "split it into smaller files or raise CARDSCAN_MAX_FILE_MB"


class UnsupportedType(IngestError):
    code = "unsupported_type"
    hint = "save the scan as PDF, JPEG, PNG or TIFF"


class CorruptPdf(IngestError):
    code = "corrupt_pdf"
    hint = "the PDF is damaged; export or scan it again"


class EncryptedPdf(IngestError):
    code = "encrypted_pdf"
    hint = "remove the password (print to a new PDF) and ingest that copy"


class TooManyPages(IngestError):
    code = "too_many_pages"
    hint = "split the PDF into smaller files or raise CARDSCAN_MAX_PDF_PAGES"


class NoPages(IngestError):
    code = "no_pages"
    hint = "the file holds no page to read"


class ImageDecodeError(IngestError):
    code = "image_decode_error"
    hint = "the image is damaged or truncated; scan or copy it again"


class TooManyPixels(IngestError):
    code = "too_many_pixels"
    hint = "scan at 300 DPI or less, or raise CARDSCAN_MAX_IMAGE_PIXELS if the file is trusted"


class RenderError(IngestError):
    code = "render_error"
    hint = "the page could not be rendered; export or scan the PDF again"


class AnalysisError(IngestError):
    code = "analysis_error"
    hint = "the page was kept as failed; look at it in the review screen"
