"""A small name -> object registry, shared by featurizers, strategies and datasets.

The registries feed both the code (look up by name) and the user interfaces (list the
choices), so a new entry appears in the CLI and the dashboard at once.
"""

from __future__ import annotations

from typing import Callable, Generic, Iterator, TypeVar

from core.errors import InputError

T = TypeVar("T")


class Registry(Generic[T]):
    """Map names to registered objects.

    Parameters
    ----------
    kind : str
        What the registry holds, used in error messages ("featurizer", "dataset").

    Examples
    --------
    >>> FRUITS = Registry("fruit")
    >>> @FRUITS.register("apple")
    ... class Apple: ...
    >>> FRUITS["apple"] is Apple
    True
    """

    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Return a decorator that registers its argument under ``name``."""

        def decorator(obj: T) -> T:
            self.add(name, obj)
            return obj

        return decorator

    def add(self, name: str, obj: T) -> None:
        """Register ``obj`` under ``name``; a name can be used once."""
        if name in self._items:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._items[name] = obj

    def __getitem__(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            choices = ", ".join(sorted(self._items)) or "none"
            raise InputError(f"unknown {self.kind} {name!r}; choose one of: {choices}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def names(self) -> list[str]:
        """Registered names in registration order."""
        return list(self._items)

    def items(self) -> list[tuple[str, T]]:
        """(name, object) pairs in registration order."""
        return list(self._items.items())
