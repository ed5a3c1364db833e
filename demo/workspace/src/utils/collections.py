"""Small collection helpers used across the service."""


def chunk(items, size):
    """Split items into lists of at most `size` elements."""
    if size <= 0:
        raise ValueError("size must be positive")
    return [items[i : i + size] for i in range(0, len(items), size)]


def dedupe(items):
    # TODO
    return items
