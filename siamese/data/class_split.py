"""Which classes each split holds: one subset for all (``data.classes``) or a class-disjoint split
(``data.train_classes`` for train and validation, ``data.test_classes`` for test), so that the test classes are
ones that training never saw."""

from __future__ import annotations

from collections.abc import Sequence


def resolve_classes(classes: Sequence | None, names: list[str], key: str = "data.classes") -> tuple[int, ...] | None:
    """Class ids of ``classes`` (ids, or names as in ``names``, case-insensitive); None = every class."""
    if classes is None:
        return None
    if isinstance(classes, (str, int)):
        classes = [classes]
    classes = list(classes)
    if not classes:
        raise ValueError(f"{key} must name at least one class, got []")
    lookup = {name.lower(): i for i, name in enumerate(names)}
    ids = []
    for value in classes:
        if isinstance(value, bool):
            raise TypeError(f"{key}: {value!r} is not a class")
        if isinstance(value, int):
            if not 0 <= value < len(names):
                raise ValueError(f"{key}: class id {value} is outside 0-{len(names) - 1}")
            ids.append(value)
        elif str(value).lower() in lookup:
            ids.append(lookup[str(value).lower()])
        else:
            raise ValueError(f"{key}: unknown class {value!r}; classes are {names}")
    if len(set(ids)) != len(ids):
        raise ValueError(f"{key} lists a class twice: {classes}")
    return tuple(ids)


def resolve_class_split(names: list[str], classes: Sequence | None = None, train_classes: Sequence | None = None,
                        test_classes: Sequence | None = None, classes_key: str = "data.classes"
                        ) -> dict[str, tuple[int, ...] | None]:
    """``{"train": ids, "test": ids}`` (None = every class): ``classes`` for both, or ``train_classes`` /
    ``test_classes`` each for its side (the side not given keeps every class). A class in both lists raises
    ``ValueError`` naming it; so does giving ``classes`` with either list."""
    if classes is not None and (train_classes is not None or test_classes is not None):
        raise ValueError(f"give {classes_key} or data.train_classes/data.test_classes, not both")
    if train_classes is None and test_classes is None:
        ids = resolve_classes(classes, names, classes_key)
        return {"train": ids, "test": ids}
    train = resolve_classes(train_classes, names, "data.train_classes")
    test = resolve_classes(test_classes, names, "data.test_classes")
    if train is not None and test is not None:
        shared = [i for i in train if i in test]
        if shared:
            raise ValueError(f"class {names[shared[0]]!r} (id {shared[0]}) is in both data.train_classes and "
                             f"data.test_classes: a class-disjoint split needs each class on one side")
    return {"train": train, "test": test}
