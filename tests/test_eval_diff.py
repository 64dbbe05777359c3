"""eval.diff: two reports agree only when every question's answer and scores do."""

from __future__ import annotations

import copy
import json

from eval.diff import differences, main

REPORT = {
    "configs": [
        {"name": "default", "questions": [
            {"id": "q1", "answer": "Caseloads are high [1].", "abstained": False, "error": "", "metrics": {"hit@1": 1.0, "key_fact_recall": 0.5}, "search_s": 0.01},
            {"id": "q2", "answer": "The documents don't say.", "abstained": True, "error": "", "metrics": {"abstention_accuracy": 1.0}},
        ]},
    ],
}


def test_reports_that_differ_only_in_timings_agree(tmp_path):
    later = copy.deepcopy(REPORT)
    later["configs"][0]["questions"][0]["search_s"] = 0.5
    later["date"] = "another day"
    assert differences(REPORT, later) == []
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(REPORT))
    b.write_text(json.dumps(later))
    assert main([str(a), str(b)]) == 0


def test_a_changed_answer_score_or_missing_question_is_listed(tmp_path, capsys):
    later = copy.deepcopy(REPORT)
    later["configs"][0]["questions"][0]["answer"] = "Caseloads are manageable [2]."
    later["configs"][0]["questions"][0]["metrics"]["key_fact_recall"] = 0.0
    del later["configs"][0]["questions"][1]
    lines = differences(REPORT, later)
    assert any("default q1: answer differs" in line for line in lines)
    assert "default q1: key_fact_recall 0.5 -> 0.0" in lines
    assert "default q2: only in the first report" in lines
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(REPORT))
    b.write_text(json.dumps(later))
    assert main([str(a), str(b)]) == 1
    assert "3 differences" in capsys.readouterr().out
