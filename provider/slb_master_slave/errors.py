"""The one error users read when an operation fails."""


class ProviderError(Exception):
    """What the user reads when an operation fails: the field, the rule and the fix."""
