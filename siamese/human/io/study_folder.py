"""Study folders: ``make-pairs``, ``make-triplets`` and ``make-observer`` never destroy a pair set, trial set,
ratings or choices.

A folder holding any of ``common.STUDY_FILES`` is refused unless ``force`` is given. Ratings and choices stay
safe even then: each records the fingerprint of the set it was answered on (``PairSet.fingerprint``), and every
reader refuses to read it with a set drawn again."""

from __future__ import annotations

from pathlib import Path

from siamese.human.io.common import STUDY_FILES


class StudyFolderInUse(FileExistsError):
    """``directory`` already holds the study files ``present``."""

    def __init__(self, directory: Path, present: list[str]):
        self.directory, self.present = directory, present
        super().__init__(f"{directory} already holds {', '.join(present)}; drawing new pairs or trials there would "
                         "replace a study. Choose a new folder, or pass force=True to replace it")

    def for_command(self, command: str) -> str:
        """The message in a command's words (``--force``)."""
        return (f"{self.directory} already holds {', '.join(self.present)}; {command} would replace the study "
                "there. Use a new folder, or --force to replace it")


def check_study_folder(out_dir: str | Path, force: bool = False) -> list[str]:
    """The study files already in ``out_dir`` (none: a new folder); raises :class:`StudyFolderInUse` when there
    are some and ``force`` is False."""
    directory = Path(out_dir)
    present = [name for name in STUDY_FILES if (directory / name).exists()]
    if present and not force:
        raise StudyFolderInUse(directory, present)
    return present
