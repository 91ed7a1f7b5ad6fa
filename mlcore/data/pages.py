"""ParquetPages: a stored dataset's rows by position, read a page at a time, never the whole file.

A page is a slice of one row group of at most ``page_rows`` rows. Opening reads only the footer
(row count, schema, row-group sizes); a page reads one row group (or, in a file written with one
huge row group, streams that group's batches up to the page). The preview of a 10-million-row
dataset needs its first page only.
"""

from __future__ import annotations

import bisect
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from mlcore.data.arrow import arrow_to_frame
from mlcore.errors import DataImportError

# rows per row group written at import: a page of the preview reads one group (a few MB), and
# pyarrow still writes and scans the file at full speed
ROW_GROUP_ROWS = 65_536
PAGE_ROWS = 65_536
# a sample for charts reads at most this many row groups (spread over the file)
SAMPLE_GROUPS = 16


class ParquetPages:
    """Random access to the rows of one Parquet file, in pages; not thread-safe (one reader thread)."""

    def __init__(self, path: str | os.PathLike[str], page_rows: int = PAGE_ROWS) -> None:
        self.path = Path(path)
        try:
            self._file = pq.ParquetFile(self.path)
        except (pa.ArrowException, OSError) as exc:
            raise DataImportError(f"{self.path.name}: not a readable Parquet file ({exc})") from None
        meta = self._file.metadata
        self.rows = int(meta.num_rows)
        self.columns = list(self._file.schema_arrow.names)
        self.page_rows = page_rows
        self._group_rows = [meta.row_group(g).num_rows for g in range(meta.num_row_groups)]
        # pages: (row group, first row inside it, rows); starts: each page's first row in the file
        self._pages: list[tuple[int, int, int]] = []
        self._starts: list[int] = []
        row = 0
        for group, n in enumerate(self._group_rows):
            for offset in range(0, n, page_rows):
                size = min(page_rows, n - offset)
                self._pages.append((group, offset, size))
                self._starts.append(row)
                row += size

    @property
    def page_count(self) -> int:
        return len(self._pages)

    @property
    def page_starts(self) -> list[int]:
        """Each page's first row in the file, ascending."""
        return list(self._starts)

    @property
    def row_groups(self) -> int:
        return len(self._group_rows)

    def page_of(self, row: int) -> int:
        """The page holding file row ``row``."""
        if not 0 <= row < self.rows:
            raise IndexError(f"row {row} is outside 0..{self.rows - 1} of {self.path.name}")
        return bisect.bisect_right(self._starts, row) - 1

    def page_span(self, page: int) -> tuple[int, int]:
        """(first row, end row) of a page, as file rows."""
        start = self._starts[page]
        return start, start + self._pages[page][2]

    def read_page(self, page: int) -> pd.DataFrame:
        """One page as a DataFrame (index 0..n-1), typed as ``pandas.read_parquet`` types the file."""
        group, offset, size = self._pages[page]
        if offset == 0 and size == self._group_rows[group]:
            table = self._file.read_row_group(group)
        else:
            table = self._slice_of_group(group, offset, size)
        return arrow_to_frame(table)

    def _slice_of_group(self, group: int, offset: int, size: int) -> pa.Table:
        """Rows [offset, offset+size) of a big row group, streamed batch by batch (bounded memory)."""
        parts, seen = [], 0
        for batch in self._file.iter_batches(batch_size=self.page_rows, row_groups=[group]):
            lo, hi = max(offset - seen, 0), min(offset + size - seen, batch.num_rows)
            if lo < hi:
                parts.append(batch.slice(lo, hi - lo))
            seen += batch.num_rows
            if seen >= offset + size:
                break
        return pa.Table.from_batches(parts, schema=self._file.schema_arrow)

    def sample(self, rows: int, seed: int = 0) -> pd.DataFrame:
        """At most ``rows`` rows drawn at random from up to SAMPLE_GROUPS row groups spread over the file.

        The whole file when it has no more rows than that.
        """
        if self.rows <= rows:
            return arrow_to_frame(self._file.read())
        rng = np.random.default_rng(seed)
        groups = np.unique(np.linspace(0, self.row_groups - 1, min(SAMPLE_GROUPS, self.row_groups)).round().astype(int))
        chosen = sum(self._group_rows[g] for g in groups)
        parts = []
        if len(groups) == 1:  # one huge row group: draw from its batches as they stream by
            take = rows / self.rows
            for batch in self._file.iter_batches(batch_size=self.page_rows):
                keep = np.flatnonzero(rng.random(batch.num_rows) < take)
                parts.append(pa.Table.from_batches([batch]).take(keep))
        else:
            for g in groups:
                n = self._group_rows[g]
                keep = np.sort(rng.choice(n, min(n, max(1, -(-rows * n // chosen))), replace=False)) if n else []
                parts.append(self._file.read_row_group(int(g), use_threads=False).take(keep))
        table = pa.concat_tables(parts)
        return arrow_to_frame(table.slice(0, rows))

    def close(self) -> None:
        self._file.close()
