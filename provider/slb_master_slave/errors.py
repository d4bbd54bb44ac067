"""The errors users read: an operation that failed, an audit that could not be made."""


class ProviderError(Exception):
    """What the user reads when an operation fails: the field, the rule and the fix."""


class AuditUnavailable(Exception):
    """The audit could not read the stack or the cloud, or refused what it was asked: the
    message says what failed and what to do (the command exits 2)."""
