"""google.colab.errors: Colab's error types, raised where Colab raises them."""


class Error(Exception):
    """Base class for all Colab errors."""


class AuthorizationError(Error):
    """Authorization-related failures."""


class RuntimeManagementError(Error):
    """Runtime-management-related failures."""


class WidgetException(Exception):
    """colab.widgets failures."""
