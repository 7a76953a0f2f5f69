"""MIME structure of stored messages, shared by IMAP and the webmail.

``scan``/``scan_file`` stream over a message file once and give a tree of
``Part`` with byte offsets (never the message itself); ``body`` reads a
part's range back, as IMAP sends it or decoded; ``params`` splits and
decodes header parameters.
"""

from mailcore.mime.body import body_bytes, decode_part, header_bytes, message_bytes, read_text
from mailcore.mime.params import decode_words, parse_params, unfold
from mailcore.mime.parse import parse_bytes, read_header_block, scan, scan_file
from mailcore.mime.part import Part

__all__ = [
    "Part",
    "body_bytes",
    "decode_part",
    "decode_words",
    "header_bytes",
    "message_bytes",
    "parse_bytes",
    "parse_params",
    "read_header_block",
    "read_text",
    "scan",
    "scan_file",
    "unfold",
]
