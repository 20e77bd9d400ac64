"""Command-line interface (placeholder until the core lands)."""


def main(argv=None) -> int:
    return 0
