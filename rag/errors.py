"""Errors with messages a user can act on. The CLI prints them on one line."""


class RagError(Exception):
    """Base class: the message says what went wrong and how to fix it."""


class ModelLoadError(RagError):
    pass


class IndexMissingError(RagError):
    pass


class IndexCorruptError(RagError):
    pass


class ModelMismatchError(RagError):
    pass


class DocumentNotFoundError(RagError):
    pass
