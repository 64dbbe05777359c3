"""rag.brief only points to where each part of a brief now lives: its old names still import."""

import sys

from rag import brief, briefing, classify, judgements, pipeline, quiz, records, topics


def test_old_names_are_the_new_homes_objects():
    assert brief.Brief is records.Brief and brief.Quote is records.Quote and brief.TimelineRow is records.TimelineRow
    assert brief.BLANK == records.BLANK and (brief.STRENGTH, brief.IMPROVEMENT) == (records.STRENGTH, records.IMPROVEMENT)
    assert brief.classify is classify.classify and brief.judgement_spans is judgements.judgement_spans
    assert brief.make_question is quiz.make_question and brief.topic_candidates is topics.topic_candidates
    assert brief.build_brief is pipeline.build_brief and brief.suggest_topics is pipeline.suggest_topics
    assert brief.clean_topic is briefing.clean_topic and brief.MIN_COVERAGE == briefing.MIN_COVERAGE


def test_export_depends_on_records_not_on_brief():
    import subprocess

    code = "import sys, rag.export; print(sorted(m for m in sys.modules if m in ('rag.brief', 'rag.briefing', 'rag.pipeline')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_old_entry_point_runs_the_brief_command(capsys):
    assert brief.main([]) == 2
    assert capsys.readouterr().err.startswith("rag brief: error: a topic is required")
