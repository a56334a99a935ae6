"""Quantities written with units in an inventory: sizes, bandwidths and time windows.

A quantity is a number and a unit, ``10 Gbit/s``, ``1.25 GB/s``, ``300 MB``,
``5 min``.  The number is read as the inventory reads numbers; the unit by pint
(https://pint.readthedocs.io), which knows SI and binary prefixes (``GB`` is 10^9
bytes, ``GiB`` 2^30), bits and bytes, and every unit of time.  The unit must
measure the right thing: a bandwidth is bits (or bytes) per time.

pint takes about a second to import and set up, so it is imported only when an
inventory writes a quantity, and the values are kept as plain numbers (bytes,
bits per second, seconds): a cached estate never imports it again.

>>> size("300 MB"), size("1.5 GiB"), bandwidth("10 Gbit/s"), bandwidth("1.25 GB/s"), duration("5 min")
(300000000, 1610612736, 10000000000.0, 10000000000.0, 300.0)
>>> bandwidth("10 Gb/s")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: '10 Gb/s' is not a bandwidth: 'Gb' is gilbert (bits are 'bit', bytes 'B'); write e.g. 10 Gbit/s, ...

The renderers show them back with :func:`size_text`, :func:`bandwidth_text` and
:func:`duration_text`, which read back to the same value (to three figures):

>>> size_text(300_000_000), bandwidth_text(1e9), duration_text(2400), duration_text(3.19)
('300 MB', '1 Gbit/s', '40 min', '3.19 s')
"""

from __future__ import annotations

import math
import re
from functools import cache
from typing import Any

_QUANTITY = re.compile(r"\s*([-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)\s*(\S.*?)?\s*")

#: What each kind of quantity measures, as pint's root units, and an example for messages.
_MEASURES = {
    "size": ("bit", "300 MB, 1.5 GB, 2 GiB"),
    "bandwidth": ("bit / second", "10 Gbit/s, 400 Mbit/s, 1.25 GB/s"),
    "duration": ("second", "90 s, 5 min, 1 h"),
}


@cache
def _registry() -> Any:
    import pint  # only when an inventory writes a quantity: importing pint takes about a second

    return pint.UnitRegistry()


def _parse(text: object, what: str) -> float:
    """The quantity in ``text`` in its root unit (bits, bits per second, seconds); ValueError if it is not one."""
    if not isinstance(text, str):
        raise ValueError(f"{what} is a number and a unit ({_MEASURES[what][1]}), not {_shown(text)}")
    return _parse_text(text, what)


@cache
def _parse_text(text: str, what: str) -> float:
    """:func:`_parse` for text, memoized: an estate writes the same few bandwidths on many components."""
    root, examples = _MEASURES[what]
    match = _QUANTITY.fullmatch(text)
    if match is None or match.group(2) is None:
        raise ValueError(f"{what} is a number and a unit ({examples}), not {_shown(text)}")
    number, unit = float(match.group(1)), match.group(2)
    registry = _registry()
    try:
        factor, units = registry.get_root_units(registry.parse_units(unit))
    except Exception as error:  # pint's parser raises several kinds; all mean "not a unit"
        reason = str(error).splitlines()[0] if str(error) else "not a unit"
        raise ValueError(f"{what} has an unknown unit '{unit}' ({reason}); write e.g. {examples}") from None
    if str(units) != root:
        reason = (
            _misread(unit, registry)
            or f"'{unit}' comes to {units if str(units) != 'dimensionless' else 'a plain number'}"
        )
        raise ValueError(f"'{text}' is not a {what}: {reason}; write e.g. {examples}")
    value = number * float(factor)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{what} must be more than zero and finite, not '{text}'")
    return value


def _misread(unit: str, registry: Any) -> str | None:
    """A hint for the usual slip: ``Gb`` (pint's gilbert) or ``Mb`` (megabarn) meant as bits."""
    for name in re.findall(r"[A-Za-z]+", unit):
        if name.endswith("b") and len(name) == 2:
            return f"'{name}' is {registry.parse_units(name)} (bits are 'bit', bytes 'B')"
    return None


def _shown(value: object) -> str:
    return f"'{value}'" if isinstance(value, str) else "a mapping" if isinstance(value, dict) else "a list"


def size(text: object) -> int:
    """A size in bytes (rounded up to a whole byte): ``300 MB``, ``1.5 GiB``, ``800 Mbit``."""
    return math.ceil(_parse(text, "size") / 8 - 1e-9)


def bandwidth(text: object) -> float:
    """A bandwidth in bits per second: ``10 Gbit/s``, ``1.25 GB/s``, ``100 MB/s``."""
    return _parse(text, "bandwidth")


def duration(text: object) -> float:
    """A duration in seconds: ``90 s``, ``5 min``, ``1.5 h``."""
    return _parse(text, "duration")


def _prefixed(value: float, unit: str) -> str:
    for prefix, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= scale * 0.9995:
            return f"{_figures(value / scale)} {prefix}{unit}"
    return f"{_figures(value)} {unit}"


def _figures(value: float) -> str:
    """Three significant figures, without a trailing ``.0``."""
    text = f"{value:.3g}"
    return text if "e" not in text else f"{value:.0f}"


def size_text(octets: float) -> str:
    """Bytes as people write a release's size: ``300 MB``, ``1.5 GB``."""
    return _prefixed(octets, "B")


def bandwidth_text(bits_per_second: float) -> str:
    """Bits per second as network people write them: ``1 Gbit/s``, ``400 Mbit/s``."""
    return _prefixed(bits_per_second, "bit/s")


def duration_text(seconds: float) -> str:
    """Seconds as a person says them: ``3.2 s``, ``16 min``, ``1.5 h``, ``2.1 d``."""
    for size_, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size_ * 0.9995:
            return f"{_figures(seconds / size_)} {unit}"
    if seconds >= 0.9995 or seconds == 0:
        return f"{_figures(seconds)} s"
    return f"{_figures(seconds * 1000)} ms"
