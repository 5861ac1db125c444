"""Exception types shared by the whole package.

Every error a user can cause (a bad file, an unknown column, too few rows) is an
:class:`InputError`.  The CLI turns it into exit status 2 and one line on stderr; the
dashboard shows its message.  Anything else is a bug.
"""


class InputError(ValueError):
    """A problem with what the user gave us; the message says what and where."""


class DataUnavailableError(RuntimeError):
    """A bundled data source cannot be read (package missing, file absent)."""


class LibraryError(RuntimeError):
    """A model library is missing, corrupt, or written by a newer format."""


class CancelledError(RuntimeError):
    """Long work was cancelled through its cancel token."""
