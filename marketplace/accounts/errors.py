"""Domain errors of the accounts package, each with a message for the person who caused it."""


class AccountError(Exception):
    """A refused account operation; ``message`` is shown to the user (already translated)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message
