"""The ESEARCH answer of SEARCH ... RETURN (...) (RFC 4731), with the CONDSTORE
MODSEQ result (RFC 4731 3.2, RFC 7162 3.1.5). Pure: numbers in, one response line out."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mailcore.imap.response import sequence_set

RETURN_OPTIONS = ("MIN", "MAX", "ALL", "COUNT")
"""The result options of RFC 4731 3.1, in the order Dovecot answers them."""


def esearch_line(
    tag: str,
    uid: bool,
    options: Sequence[str],
    found: Sequence[int],
    modseq_of: Callable[[int], int] | None = None,
) -> bytes:
    """``* ESEARCH (TAG "t") [UID] [MIN n] [MAX n] [ALL set] [COUNT n] [MODSEQ n]``.

    ``options`` empty means ALL (RFC 4731 3.1). With no match MIN, MAX and ALL
    are left out but COUNT 0 is still sent, and so is the line (RFC 4731 3.1).
    ``modseq_of`` (given when the search used a MODSEQ key) adds the highest
    mod-sequence of the messages reported: of the MIN/MAX messages when only those
    were asked for, else of every match (RFC 4731 3.2).
    """
    wanted = set(options) or {"ALL"}
    parts = [f'* ESEARCH (TAG "{tag}")']
    if uid:
        parts.append("UID")
    if found:
        if "MIN" in wanted:
            parts.append(f"MIN {found[0]}")
        if "MAX" in wanted:
            parts.append(f"MAX {found[-1]}")
        if "ALL" in wanted:
            parts.append(f"ALL {sequence_set(found)}")
    if "COUNT" in wanted:
        parts.append(f"COUNT {len(found)}")
    if modseq_of is not None and found:
        if wanted & {"ALL", "COUNT"}:
            reported: Sequence[int] = found
        else:
            reported = [found[0]] * ("MIN" in wanted) + [found[-1]] * ("MAX" in wanted)
        parts.append(f"MODSEQ {max(modseq_of(n) for n in reported)}")
    return (" ".join(parts) + "\r\n").encode()
