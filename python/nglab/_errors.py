"""nglab's exceptions. Each carries the one-line message the ``nglab`` command prints."""


class NglabError(Exception):
    """Base class of the errors nglab raises."""


class InvalidInput(NglabError, ValueError):
    """Bad input or settings: a malformed corpus, model or config, a value out of range."""


class FileError(NglabError, OSError):
    """A file that cannot be opened, read or written (``errno`` is set when the system gave one)."""


class DiscountFallback(UserWarning):
    """An order's closed-form discounts failed and the fallback discounts were used."""
