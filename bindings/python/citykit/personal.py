"""Personal data (a name, an ID number, a licence's claims) as the CityKit core hands it over.

``repr()`` and ``str()`` print a redaction, so a record printed to a log or a test report never
shows the value; read it with ``expose()`` where it is shown to its owner.
"""

REDACTED = "\u2039redacted\u203a"


class Personal:
    """A value that must not reach a log: see the module docs."""

    __slots__ = ("_value",)

    def __init__(self, value):
        self._value = value

    def expose(self):
        """The value itself: call this only where it is shown to its owner or sent on purpose."""
        return self._value

    def __repr__(self):
        return REDACTED

    __str__ = __repr__

    def __eq__(self, other):
        return isinstance(other, Personal) and self._value == other._value

    def __hash__(self):
        return hash(self._value)

    def __copy__(self):
        return Personal(self._value)

    def __deepcopy__(self, memo):
        import copy

        return Personal(copy.deepcopy(self._value, memo))

    def __reduce__(self):
        # Pickling would write the value out unredacted (to a file, a cache, another process):
        # refuse rather than leak. Copies in memory are fine (__copy__, __deepcopy__).
        raise TypeError("personal data is not pickled")
