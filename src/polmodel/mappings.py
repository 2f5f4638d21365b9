"""A read-only mapping that pickles, for the frozen results and scenarios.

``types.MappingProxyType`` keeps a frozen dataclass's tables from being changed, but it cannot
be pickled, so scenarios holding one could not go to a process pool or a Dask worker.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


class ReadOnlyMapping(Mapping):
    """A mapping that cannot be changed after it is made, and that pickles.

    Examples
    --------
    >>> import pickle
    >>> m = ReadOnlyMapping({"a": 1})
    >>> pickle.loads(pickle.dumps(m)) == {"a": 1}
    True
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping | Any = (), /) -> None:
        self._data = dict(data)

    def __getitem__(self, key: Any) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __repr__(self) -> str:
        return f"ReadOnlyMapping({self._data!r})"

    def __reduce__(self):
        return (ReadOnlyMapping, (self._data,))
