import pytest

from rag.timeframe import TimeFrame, read_timeframe, strip_time


@pytest.mark.parametrize(
    "question, expected",
    [
        ("How has management oversight changed since 2014?", TimeFrame(2014, None, True)),
        ("What did inspectors say about caseloads in 2014?", TimeFrame(2014, 2014, False)),
        ("What happened between 2014 and 2023 to supervision?", TimeFrame(2014, 2023, True)),
        ("What was said before 2020 about fostering?", TimeFrame(None, 2019, False)),
        ("What does the latest letter say about supervision?", TimeFrame(latest=True)),
        ("What did the most recent visit find?", TimeFrame(latest=True)),
        ("How has staff turnover developed over time?", TimeFrame(None, None, True)),
        ("have they always been good or was there a bad patch?", TimeFrame(None, None, True)),
        ("has kent ever been judged outstanding?", TimeFrame(None, None, True)),
        ("Compared with 2010, how are assessments now?", TimeFrame(2010, None, True)),
        ("Which areas need improvement?", TimeFrame()),
        ("What happened after 2014?", TimeFrame(2015, None, False)),
    ],
)
def test_time_phrases(question, expected):
    assert read_timeframe(question) == expected


def test_years_are_dropped_from_the_ranking_text():
    assert strip_time("What did inspectors say about caseloads in 2014?") == "What did inspectors say about caseloads?"
    assert strip_time("Compared with 2010, how are assessments now?") == "how are assessments now?"


def test_contains():
    tf = TimeFrame(2014, 2023)
    assert tf.contains(2014) and tf.contains(2023) and not tf.contains(2024) and not tf.contains(2010)


def test_since_an_event_in_a_year_is_a_span_from_that_year():
    for q in ("Has it improved since it was judged inadequate in 2018?", "improved since its inadequate judgement in 2018?",
              "how has it changed since the 2018 inspection"):
        assert read_timeframe(q) == TimeFrame(since=2018, until=None, change=True, latest=False), q
    # a document named by its year, with 'since' about something else, is still that document
    assert read_timeframe("why did the 2014 report say caseloads rose since 2012?") == TimeFrame(since=2014, until=2014, change=False)


def test_between_a_named_report_and_a_year_is_a_span():
    assert read_timeframe("what changed between the 2014 report and 2018") == TimeFrame(since=2014, until=2018, change=True)


def test_current_and_still_ask_about_the_latest_report():
    for q in ("what are Barset's current grades", "is Barset still inadequate", "Is It Still Rated Inadequate?"):
        assert read_timeframe(q).latest, q
    assert not read_timeframe("why did the first visit find the front door was still failing?").latest  # past tense
    assert read_timeframe("why was it still rated inadequate in 2023?") == TimeFrame(since=2023, until=2023)


def test_a_state_that_stayed_as_in_a_year_runs_from_that_year_on():
    assert read_timeframe("and it stayed outstanding like in 2019?") == TimeFrame(since=2019, until=None, change=True)
    assert read_timeframe("has help and protection remained good, as it was in 2018?") == TimeFrame(since=2018, until=None, change=True)
    assert read_timeframe("what did the 2019 report say about staying put?") == TimeFrame(since=2019, until=2019)


def test_after_a_years_judgement_starts_in_that_year():
    assert read_timeframe("what did the third visit find after the 2022 inadequate judgement").since == 2022
    assert read_timeframe("what did the first visit after 2022 find").since == 2023


def test_a_year_to_now_is_open_ended():
    assert read_timeframe("barset ratings 2016 to now") == TimeFrame(since=2016, until=None, change=True)


def test_afterwards_makes_a_year_the_start_of_a_span():
    assert read_timeframe("it was in a bad way in 2017 - did things get better afterwards?") == TimeFrame(since=2017, until=None, change=True)
    assert read_timeframe("what happened in 2017?") == TimeFrame(since=2017, until=2017)


def test_two_years_set_against_each_other_span_from_one_to_the_other():
    assert read_timeframe("care leavers judgement 2014 vs 2025") == TimeFrame(since=2014, until=2025, change=True)
    assert read_timeframe("caseloads 2022 compared with 2018") == TimeFrame(since=2018, until=2022, change=True)
    # a report named by its year is set against the other, not the only one asked about
    assert read_timeframe("supervision in 2014 versus the 2022 report") == TimeFrame(since=2014, until=2022, change=True)
    assert read_timeframe("how are assessments now compared with 2014") == TimeFrame(since=2014, change=True)
    # a chain of years: from the first to the last
    assert read_timeframe("care leavers 2019 vs 2022 vs 2026 progress") == TimeFrame(since=2019, until=2026, change=True)


def test_since_a_report_named_with_whose_it_was_starts_a_span():
    # ('since the 2019 inspection' and 'since Ofsted's 2019 inspection' alike)
    assert read_timeframe("has help and protection got any better since Ofsted's 2019 inspection?") == TimeFrame(since=2019, change=True)
    assert read_timeframe("has it improved since the council's 2018 inspection") == TimeFrame(since=2018, change=True)
    # 'after' the report: what followed it, from that report on ('after 2022' is from 2023)
    assert read_timeframe("how many months after the 2022 inspection was the first monitoring visit?") == TimeFrame(since=2022)
    assert read_timeframe("monitoring visits after 2022") == TimeFrame(since=2023)


def test_still_as_in_a_year_runs_from_that_year_to_now():
    assert read_timeframe("are they still leaning on agency staff as much as they were in 2022?") == TimeFrame(since=2022, change=True)
    assert read_timeframe("were caseloads still high in 2022?") == TimeFrame(since=2022, until=2022)  # then, not now
    assert read_timeframe("is it still inadequate?") == TimeFrame(latest=True)


def test_the_most_recent_before_a_year_is_the_newest_within_that_bound():
    assert read_timeframe("what did the most recent inspection before 2026 find") == TimeFrame(until=2025, latest=True)
    assert read_timeframe("the latest report") == TimeFrame(latest=True)


def test_a_count_since_a_year_names_what_is_counted_from_not_the_time_asked():
    # 'the third one after the 2022 failure' counts visits from 2022; the visit asked about is 2024's
    assert read_timeframe("the autumn 2024 check-in, the third one after the 2022 failure, what did it cover?") == TimeFrame(2024, 2024, False)
    assert read_timeframe("what did the second monitoring visit since the 2022 judgement find?").since == 2022  # the only year
    # without a count, 'since' still opens a span
    assert read_timeframe("what has the council done since the 2022 judgement?") == TimeFrame(2022, None, True)
