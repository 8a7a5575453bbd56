"""Errors the knowledge layer raises for people to read (never a bare traceback)."""

from __future__ import annotations


class KnowledgeError(Exception):
    """Base class: the message is meant for a person."""


class SourceError(KnowledgeError):
    """A source file is malformed or references something that does not exist."""

    def __init__(self, path: str, line: int, message: str) -> None:
        self.path, self.line, self.message = path, line, message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


class QueryError(KnowledgeError):
    """A search query that cannot be searched (empty, too long...)."""


class IndexMissingError(KnowledgeError):
    """The index has not been built yet."""
