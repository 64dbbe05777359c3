"""Reading questions against a library: councils from the documents' own facts (typos,
possessives, aliases), councils the library does not hold, fact asks, follow-ups, visits."""


from rag.question import Library, read_question
from rag.records import ReportFacts
from rag.store import DocRecord


def doc(doc_id, authority, date, kind="report", aliases=(), facts=(), visit=None, inspectors=()):
    rf = ReportFacts(authority=authority, authority_aliases=tuple(aliases), facts=tuple(facts), visit_number=visit, inspectors=tuple(inspectors))
    return DocRecord(doc_id, f"Inspection of {authority}", kind, date, f"/{doc_id}.pdf", "h", 1, 1, "", authority=authority, facts=rf.to_json())


LIB = Library.of([
    doc("kent-2015", "Kent", "2015-03-01"), doc("kent-2022", "Kent", "2022-06-18"),
    doc("hull-2015", "Kingston upon Hull", "2015-02-03", aliases=("hull",)), doc("hull-2023", "Hull", "2023-01-13"),
    doc("bd-2019", "Barking and Dagenham", "2019-04-01"),
    doc("letter-2024", "Barset", "2024-12-04", kind="letter", visit=5, inspectors=("Ann Example", "Bob Sample")),
])
FREQ = {"view": 40, "care": 900, "leeds": 1, "worcestershire": 0, "august": 2, "norfolk": 2, "ilacs": 30, "leavers": 500, "caseloads": 300, "mace": 12, "suitable": 40, "accommodation": 60, "cornwall": 12, "kingston": 12, "sample": 12}.get


def frame(q, **kw):
    return read_question(q, LIB, frequency=lambda w: FREQ(w.lower(), 0), **kw)


def test_councils_are_found_with_possessives_typos_and_their_own_short_names():
    assert frame("How has Kent's help and protection changed since 2015?").authorities == ("kent",)
    assert frame("barking & dagenham grade 2019").authorities == ("barking and dagenham",)
    assert frame("what did ofsted say about hul in 2023").authorities == ()  # too short for a typo
    assert frame("kingstn upon hull 2015").authorities == ("kingston upon hull",)
    assert frame("Hull latest report").authorities == ("kingston upon hull",)  # 'Hull' merged into its longer name
    assert set(LIB.members("kingston upon hull")) == {"kingston upon hull", "hull"}


def test_two_councils_named_are_a_comparison_with_or_without_a_comparison_word():
    f = frame("which was judged better for children in care in 2019, Kent or Barking and Dagenham?")
    assert f.comparison and set(f.authorities) == {"kent", "barking and dagenham"}
    assert frame("impact of leaders kent barking and dagenham 2019").comparison
    assert not frame("impact of leaders kent 2019").comparison


def test_a_council_the_library_does_not_hold_is_named_as_such():
    assert frame("What was Worcestershire's latest Ofsted grade?").unknown_authorities == ("Worcestershire",)
    assert frame("what did inspectors say about caseloads in Leeds?").unknown_authorities == ("Leeds",)
    assert frame("How did the 2014 report view the council's adoption service?").unknown_authorities == ()
    assert frame("What did the third monitoring visit letter of August 2023 conclude?").unknown_authorities == ()
    assert frame("children in care in Kent").unknown_authorities == ()
    # an acronym where a place might stand is a service as often as a council
    assert frame("Could children get mental health treatment from CAMHS in 2014?").unknown_authorities == ()
    assert frame("What did Ofsted say about BCP council in 2019?").unknown_authorities == ("BCP",)


def test_a_keyword_question_leading_with_a_council_the_library_does_not_hold_names_it():
    assert frame("Norfolk care leavers judgement 2023").unknown_authorities == ("Norfolk",)
    assert frame("norfolk ilacs 2022 overall effectiveness").unknown_authorities == ("Norfolk",)  # the rare words only
    assert frame("norfolk's lead inspector 2022").unknown_authorities == ("Norfolk",)
    # words the library uses, a held council, or no fact asked: no unknown council
    assert frame("mace meetings 2024 grade").unknown_authorities == ()
    assert frame("kent care leavers judgement 2022").unknown_authorities == ()
    assert frame("norfolk caseloads 2023").unknown_authorities == ()
    assert frame("What was the care leavers judgement in 2023?").unknown_authorities == ()
    # the head of a noun phrase ('percentage of ...') is a word of the question, not a place:
    # in Title Case or lower case alike
    assert frame("Percentage Of Care Leavers In Suitable Accommodation 2014").unknown_authorities == ()
    assert frame("proportion of care leavers in suitable accommodation 2014").unknown_authorities == ()
    # a place the library only mentions (a neighbour's name, always capitalised in its text)
    # leads as a council it does not hold; a word of a held council's or a person's name does not
    names = {"cornwall", "kingston", "sample"}.__contains__
    assert frame("cornwall ilacs 2024 children in care grade", is_name=names).unknown_authorities == ("Cornwall",)
    assert frame("kingston care leavers judgement 2023", is_name=names).unknown_authorities == ()
    assert frame("sample 2024 judgement", is_name=names).unknown_authorities == ()
    assert frame("cornwall ilacs 2024 children in care grade").unknown_authorities == ()  # no such knowledge: used often, so a word


def test_the_fact_a_question_asks_for():
    assert frame("who led the Kent inspection in 2022?").asks == "lead_inspector"
    assert frame("what grade did care leavers get in 2022").asks == "judgement"
    assert frame("what grade did care leavers get in 2022").area == "care_leavers"
    assert frame("What did Ofsted judge Kent's children's services to be in its 2022 report?").asks == "judgement"
    assert frame("Who was the letter addressed to?").asks == "addressee"
    assert frame("when was Kent inspected?").asks == "inspection_dates"
    # keywords: 'visit dates' asks for dates even when a grade word rides along
    assert frame("monitoring visits dates after 2022 inadequate").asks == "inspection_dates"
    assert frame("kent inspection date 2022").asks == "inspection_dates"
    assert frame("how many inspectors were on the team?").asks == ""  # a figure, not a fact line
    assert frame("who did the 2022 inspection of kent").asks == "lead_inspector"
    assert frame("which HMI was on both the june 2023 and october 2024 visits?").asks == "lead_inspector"
    assert frame("WHO DID OFSTED SAY WAS RESPONSIBLE FOR THE DECLINE IN KENT IN 2022").asks == ""  # who, not the inspector
    assert frame("When did Ofsted publish its report on the autumn 2014 inspection of Kent?").asks == "published"
    assert frame("when was the kent report published").asks == "published"
    # the report's own list of what must improve, unless the question has a topic of its own
    for q in ("areas for improvement nov 2025 inspection", "What did Ofsted Say Kent Still Needed To Improve In 2022?",
              "WHAT WEAKNESSES DID THE 2026 KENT REPORT FLAG FOR ACTION?", "kent 2017 recommendations"):
        assert frame(q).asks == "to_improve", q
    assert frame("what needs to improve in the mash in 2022").asks == ""  # found in the text, about the MASH
    # a clause saying when ('after the 2022 inadequate judgement') asks for no judgement
    f = frame("what did ofsted find on its third monitoring visit to kent after the 2022 inadequate judgement")
    assert f.asks == "" and f.visit == 3
    assert frame("what did inspectors say on their fourth check-in visit").visit == 4  # the words between are the visit's kind
    assert frame("the 2nd ofsted visit letter").visit == 2
    assert frame("why was kent judged inadequate in 2022").asks == "judgement"
    assert frame("who signed the 2023 letter?").asks == "lead_inspector"
    assert frame("kent 2022 report signed by").asks == "lead_inspector"


def test_months_and_seasons_place_a_question_in_time_and_are_no_topic():
    f = frame("kent and barking and dagenham both inspected july 2019 - how did they compare")
    assert f.comparison and f.topic == ()
    assert frame("kent autumn 2015 inspection caseloads").topic == ("caseloads",)
    f = frame("Why was Kent's leadership judged inadequate in 2022?")
    assert (f.asks, f.area, f.grade) == ("judgement", "impact_of_leaders", "inadequate")


def test_follow_ups_carry_the_previous_topic_and_scope():
    f = frame("and in 2024?", previous="what did inspectors say about caseloads in 2014?")
    assert f.follow_up and "caseloads" in f.text and "2024" in f.text and "2014" not in f.text
    f = frame("what about care leavers?", previous="what did inspectors say about caseloads in Kent in 2015?")
    assert "care leavers" in f.text and "2015" in f.text and f.authorities == ("kent",)
    f = frame("and the 2024 one?", previous="who was the 2023 monitoring visit letter addressed to")
    assert f.asks == "addressee" and "2024" in f.text
    assert not frame("How has supervision changed since 2014?", previous="caseloads in 2010").follow_up
    # a question of its own that points back ('to deal with it') takes the topic it points to
    f = frame("how much extra money was put in to deal with it?", previous="why were caseloads a worry in kent's 2022 inspection")
    assert "caseloads" in f.text and "2022" in f.text and f.authorities == ("kent",)
    f = frame("how many inspectors were on the team?", previous="why were caseloads a worry in kent's 2022 inspection")
    assert "caseloads" not in f.text and f.authorities == ("kent",)  # no pointing back: scope only
    # a follow-up that asks for report facts keeps its asks; the topic asked before is not one
    f = frame("ok and who led that kent inspection, and what was the overall grade?", previous="what did the latest kent report say about care leavers?")
    assert (f.asks, f.also_asks, f.area) == ("lead_inspector", ("judgement",), "overall_effectiveness") and f.timeframe.latest
    f = frame("and who led it?", previous="what did inspectors say about caseloads in Kent in 2015?")
    assert f.asks == "lead_inspector" and f.authorities == ("kent",) and "2015" in f.text
    f = frame("and who signed it?", previous="who was kent's july 2010 letter addressed to?")
    assert f.asks == "lead_inspector" and f.authorities == ("kent",) and "2010" in f.text


def test_visits_people_and_capitals():
    assert frame("what did the fifth monitoring visit say about the team").visit == 5
    assert frame("which visits was ann example on").people == ("Ann Example",)
    assert frame("WHAT DID THE 2026 REPORT SAY ABOUT PRIVATE FOSTERING?").shouting
    assert frame("Why were caseloads unmanageable?").expansions == ()  # 'manageable' unknown to this library


def test_ranking_text_drops_the_council_names():
    f = frame("How has Kent's help and protection changed since 2015?")
    assert "Kent" not in f.ranking_text and "help and protection" in f.ranking_text


def test_a_question_s_own_topic_leaves_out_councils_time_change_and_outcome_words():
    assert frame("Has Kent improved since 2015?").topic == ()
    assert frame("What did Kent's most recent inspection find?").topic == ()
    assert frame("how has supervision in kent changed since 2015").topic == ("supervision",)
    assert frame("what did the latest kent report say about private fostering").topic == ("private", "fostering")
    # verdict words, grades and vague nouns are no topic: the inspection's outcome is asked for
    assert frame("kent children's services trend 2015 to 2026").topic == ()
    assert frame("kent was in a bad way in 2015 - did things get better afterwards?").topic == ()
    assert frame("is kent still inadequate").topic == ()
    assert frame("were kent's children's homes still poor in 2018?").topic == ("homes",)


def test_a_follow_up_asking_for_change_keeps_the_previous_topic_from_its_year():
    f = frame("has it got better since?", previous="what did ofsted say about supervision in Kent in 2015")
    assert f.follow_up and f.text.startswith("supervision:") and "since 2015" in f.text and "Kent" in f.text
    assert f.timeframe.since == 2015 and f.timeframe.change


def test_how_good_asks_rather_than_asserts_a_grade():
    assert frame("Compared with 2015, how good are assessments in Kent now?").grade == ""
    assert frame("Why was Kent judged good in 2022?").grade == "good"


def test_what_went_wrong_is_a_premise_whose_correction_words_are_ranked():
    freq = {"effective": 30, "ineffective": 2}.get
    f = read_question("What had gone wrong with the team for inspectors to call it ineffective in 2022?", LIB, frequency=lambda w: freq(w.lower(), 0))
    assert f.expansions == ("effective",)
    assert read_question("What did inspectors call ineffective in 2022?", LIB, frequency=lambda w: freq(w.lower(), 0)).expansions == ()


def test_an_ordinary_word_one_typo_from_a_name_is_not_that_council():
    lib = Library.of([doc("k", "Kent", "2015-03-01"), doc("s", "Stoke on Trent", "2019-03-18", aliases=("trent",))])
    freq = {"trend": 60, "trent": 12, "tren": 0}.get
    f = read_question("kent children's services trend 2015 to 2026", lib, frequency=lambda w: freq(w.lower(), 0))
    assert f.authorities == ("kent",) and not f.comparison
    assert read_question("stoke on trnet 2019", lib, frequency=lambda w: freq(w.lower(), 0)).authorities == ("stoke on trent",)  # a typo still names it


def test_two_fact_words_joined_by_and_ask_for_both_facts():
    assert frame("kent 2022 leadership grade and lead inspector").also_asks == ("judgement",)
    assert frame("lead inspector and grade kent 2022").also_asks == ("judgement",)
    assert frame("who led the Kent inspection in 2022?").also_asks == ()
    assert frame("lead inspector kent 2022 care leavers grade").also_asks == ()  # not joined: one fact leads


def test_a_hyphenated_council_name_is_found_as_written():
    library = Library.of([doc("sot-2019", "Stoke-on-Trent", "2019-03-18"), doc("kent-2019", "Kent", "2019-05-01")])
    assert read_question("How has Stoke-on-Trent progressed since 2019?", library).authorities == ("stoke on trent",)
    assert read_question("stoke on trent latest grade", library).authorities == ("stoke on trent",)
    assert read_question("multi-agency working in kent", library).authorities == ("kent",)
