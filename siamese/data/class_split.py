"""Which classes each split holds: one subset for all (``classes``) or a class-disjoint split
(``train_classes`` for train and validation, ``test_classes`` for test), so that the test classes are
ones that training never saw."""

from __future__ import annotations

from collections.abc import Sequence

from siamese.utils.parameters import ParameterError, ParameterTypeError


def resolve_classes(classes: Sequence | None, names: list[str], key: str = "classes") -> tuple[int, ...] | None:
    """Class ids of ``classes`` (ids, or names as in ``names``, case-insensitive); None = every class."""
    if classes is None:
        return None
    if isinstance(classes, (str, int)):
        classes = [classes]
    classes = list(classes)
    if not classes:
        raise ParameterError(key, classes, "must name at least one class")
    lookup = {name.lower(): i for i, name in enumerate(names)}
    ids = []
    for value in classes:
        if isinstance(value, bool):
            raise ParameterTypeError(key, classes, f"{value!r} is not a class")
        if isinstance(value, int):
            if not 0 <= value < len(names):
                raise ParameterError(key, classes, f"class id {value} is outside 0-{len(names) - 1}")
            ids.append(value)
        elif str(value).lower() in lookup:
            ids.append(lookup[str(value).lower()])
        else:
            raise ParameterError(key, classes, f"unknown class {value!r}; classes are {names}")
    if len(set(ids)) != len(ids):
        raise ParameterError(key, classes, "lists a class twice")
    return tuple(ids)


def resolve_class_split(names: list[str], classes: Sequence | None = None, train_classes: Sequence | None = None,
                        test_classes: Sequence | None = None, classes_key: str = "classes"
                        ) -> dict[str, tuple[int, ...] | None]:
    """``{"train": ids, "test": ids}`` (None = every class): ``classes`` for both, or ``train_classes`` /
    ``test_classes`` each for its side (the side not given keeps every class). A class in both lists raises
    ``ParameterError`` (a ``ValueError``) naming it; so does giving ``classes`` with either list."""
    if classes is not None and (train_classes is not None or test_classes is not None):
        raise ParameterError(classes_key, classes, f"give {classes_key} or train_classes/test_classes, not both")
    if train_classes is None and test_classes is None:
        ids = resolve_classes(classes, names, classes_key)
        return {"train": ids, "test": ids}
    train = resolve_classes(train_classes, names, "train_classes")
    test = resolve_classes(test_classes, names, "test_classes")
    if train is not None and test is not None:
        shared = [i for i in train if i in test]
        if shared:
            raise ParameterError("test_classes", test_classes, f"class {names[shared[0]]!r} (id {shared[0]}) is "
                                 "in both train_classes and test_classes: a class-disjoint split needs each class "
                                 "on one side")
    return {"train": train, "test": test}
