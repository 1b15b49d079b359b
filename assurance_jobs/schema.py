"""The tables' columns and dtypes, declared once, and how an absent cell is spelled.

Every layer reads this module (it imports nothing else of the package): the inventory builds its frames from it,
the fact joins and the evaluation check against it, and the synthetic builders in tests take their columns
from it, so a column added here reaches all of them.
"""

from __future__ import annotations

import pandas as pd


def is_missing(value: object) -> bool:
    """None, NaN or pd.NA (object, float and Arrow string columns spell 'absent' differently)."""
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)
