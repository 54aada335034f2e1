"""The study database's answers as jsPsych data rows (``export-study``): the same row format the study page keeps
in jsPsych (``siamese.human.io.jspsych`` reads both), one object per answer, in (participant, seq) order."""

from __future__ import annotations

from siamese.human.collect.study_database import StudyDatabase
from siamese.human.io.study import Study


def export_rows(database: StudyDatabase, study: Study) -> list[dict]:
    """Rows with ``PROLIFIC_PID, STUDY_ID, SESSION_ID, participant_session, participant`` (the database's id),
    ``study_task, kind, trial_id, image_a, image_b, image_c``, ``rating`` (task rating) or ``chosen``, ``rt``,
    ``seq``; a comment row holds ``response`` instead (text, as the participant typed it)."""
    rows = []
    for answer in database.rows():
        row = {"PROLIFIC_PID": answer["prolific_pid"], "STUDY_ID": answer["study_id"],
               "SESSION_ID": answer["session_id"], "participant_session": answer["participant_session"],
               "participant": answer["participant_id"], "study_task": study.task, "kind": answer["kind"],
               "trial_id": answer["trial_id"], "seq": answer["seq"], "rt": answer["rt"]}
        trial = study.trial(answer["trial_id"])
        if answer["kind"] == "comment" or trial is None:
            row["response"] = answer["response"]
        else:
            shown = trial["images"] + [None] * (3 - len(trial["images"]))
            row.update(image_a=shown[0], image_b=shown[1], image_c=shown[2])
            row["rating" if study.task == "rating" else "chosen"] = (int(answer["response"]) if study.task == "rating"
                                                                     else answer["response"])
        rows.append(row)
    return rows
