"""google.colab._message: the errors Colab raises when the page cannot answer."""


class MessageError(RuntimeError):
    """The page's JavaScript failed (its error text), or no page can answer."""


class TimeoutException(RuntimeError):
    """The page did not answer within the time asked for."""
