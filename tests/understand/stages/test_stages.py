"""Each stage of the reader on its own: a pure function over the reply and what earlier stages found.

Tables per stage: the reply, and what this stage (alone, or after the stages it reads) must find.
"""

from __future__ import annotations

import pytest

from bot.understand.findings import Findings
from bot.understand.stages import PIPELINE, normalise_reply
from bot.understand.stages.activities import activities
from bot.understand.stages.identity import identity
from bot.understand.stages.opt_out import opt_out
from bot.understand.stages.places import places
from bot.understand.stages.requests import requests
from bot.understand.stages.speaker import speaker
from bot.understand.stages.tense import status
from bot.understand.stages.urgency import urgency


def run(text: str, *stages, sender: str = "youth", county: str | None = "Vestland") -> Findings:  # type: ignore[no-untyped-def]
    ctx = normalise_reply(text, sender=sender, age=19, county=county)
    found = Findings()
    for stage in stages:
        found = stage(ctx, found)
    return found


def test_the_pipeline_names_its_stages_in_order() -> None:
    assert [name for name, _ in PIPELINE] == [
        "speaker", "urgency", "opt_out", "identity", "requests", "activities", "places"]


@pytest.mark.parametrize(
    ("text", "language", "words"),
    [
        ("æ jobbe itj no", "nb", ["jeg", "ikke"]),
        ("eg går på skulen", "nn", ["jeg", "skole"]),
        ("im working at a cafe", "en", ["working"]),
        ("jobber'kke lenger", "nb", ["ikke"]),
    ],
)
def test_normalise_reads_language_and_spelling(text: str, language: str, words: list[str]) -> None:
    ctx = normalise_reply(text)
    assert ctx.language == language
    stds = {t.std for t in ctx.norm.tokens}
    assert all(any(s.startswith(w) for s in stds) for w in words), stds


@pytest.mark.parametrize(
    ("text", "who", "intent"),
    [
        ("ja det er meg", "self", "confirm_identity"),
        ("dette er mora hennes", "guardian", "guardian_speaking"),
        ("dette er broren hans, han er ikke her", "other", "someone_else"),
        ("jobber på rema", "self", None),
        ("Automatisk svar: jeg er på ferie", "self", "auto_reply"),
    ],
)
def test_speaker(text: str, who: str, intent: str | None) -> None:
    found = run(text, speaker)
    assert found.speaker == who
    if intent is None:
        assert found.intents == ()
    else:
        assert intent in found.intents
        assert found.decided_by[intent].startswith("speaker/")


@pytest.mark.parametrize(
    ("text", "urgent", "kind"),
    [
        ("jeg vil ikke leve mer", True, "urgent.phrase"),
        ("har samlet piller. tenker på å ta alle i kveld", True, None),
        ("stefaren min slår meg", True, None),
        ("står på brua nå. veit ikke om jeg går ned igjen", True, None),
        ("ojczym mnie bije", True, None),
        ("skolen dreper meg lol", False, None),
        ("døde av latter 😂", False, None),
        ("står på brua og venter på bussen", False, None),
        ("ikke suicidal altså, bare lei av skolen", False, None),
        ("orker ikke mer skole", False, None),
        ("bestefar tok sitt eget liv da pappa var liten", False, None),
    ],
)
def test_urgency(text: str, urgent: bool, kind: str | None) -> None:
    found = run(text, urgency)
    assert ("urgent" in found.intents) is urgent, (found.urgent, found.cancelled)
    if kind is not None:
        assert found.decided_by["urgent"] == f"urgency/{kind}"
    if not urgent and found.cancelled:
        assert all(c.why for c in found.cancelled)  # every cancellation names the table's reason


def test_urgency_keeps_what_the_table_cancelled_and_why() -> None:
    found = run("orker ikke mer lol", urgency)
    assert "urgent" not in found.intents
    assert found.cancelled and all(c.why for c in found.cancelled)


@pytest.mark.parametrize(
    ("text", "opted_out"),
    [
        ("stopp", True),
        ("STOP pls", True),
        ("ikke send flere meldinger", True),
        ("please stop texting me", True),
        ("ikke send flere brev, svar meg heller her", False),
        ("har sluttet å sende søknader", False),
        ("slutt å ringe, send heller melding", False),
        ("I just want it all to stop", False),
    ],
)
def test_opt_out(text: str, opted_out: bool) -> None:
    assert ("opt_out" in run(text, opt_out).intents) is opted_out


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("feil nummer", True),
        ("du har feil person", True),
        ("dette er broren hans", True),  # someone else on the youth's phone
        ("ja det er meg, ikke feil nummer", False),
        ("Hæ? Jeg er 52 år og har aldri gått på skole her", True),  # a grown-up with the youth's old number
        ("i am 45 years old, who is this", True),
        ("jeg er 19 år og jobber", False),
        ("jobber på rema", False),
    ],
)
def test_identity_reads_the_speaker_stage(text: str, wrong: bool) -> None:
    assert ("wrong_number" in run(text, speaker, identity).intents) is wrong


@pytest.mark.parametrize(
    ("text", "intent", "present"),
    [
        ("kan noen ringe meg?", "help_request", True),
        ("har fått hjelp av NAV", "help_request", False),
        ("hvem er dette?", "question", True),
        ("vil ikke ha oppfølging", "decline_service", True),
    ],
)
def test_requests(text: str, intent: str, present: bool) -> None:
    assert (intent in run(text, requests).intents) is present


@pytest.mark.parametrize(
    ("text", "concept", "state"),
    [
        ("jobber på Rema", "work", "present"),
        ("jobber ikke", "work", "negated"),
        ("skal begynne i militæret i januar", "military", "plan"),
        ("sluttet som lærling i høst", "apprentice", "ended"),
        ("er hjemme med babyen", "childcare", "present"),
        ("jobber som streamer, har tjent 0 kr", "work", "unpaid"),
        ("mens samboer jobber er jeg hjemme med ungen", "childcare", "present"),
    ],
)
def test_activities_with_time_and_negation(text: str, concept: str, state: str) -> None:
    found = run(text, requests, activities)
    assert (concept, state) in {(c.concept, c.status) for c in found.claims}, found.claims


def test_a_cancelled_activity_is_no_claim_and_says_why() -> None:
    found = run("mens samboer jobber er jeg hjemme", requests, activities)
    assert not any(c.concept == "work" for c in found.claims)
    assert any(c.finding.kind == "activity.work" and "another person's work" in c.why for c in found.cancelled)


@pytest.mark.parametrize(
    ("text", "county", "concept"),
    [
        ("har flyttet til Bergen", "Oslo", "moved_other_county"),
        ("har flyttet til Bergen", "Vestland", "moved_own_county"),
        ("bor i Spania nå", "Oslo", "abroad"),
        ("er på ferie i Spania", "Oslo", None),
    ],
)
def test_places(text: str, county: str, concept: str | None) -> None:
    found = run(text, requests, activities, places, county=county)
    moves = {c.concept for c in found.claims if c.concept in ("moved_other_county", "moved_own_county", "abroad")}
    assert moves == ({concept} if concept else set())


def test_tense_status_reads_the_markers_of_the_clause() -> None:
    ctx = normalise_reply("jobbet på Rema før. skal begynne på videregående")
    work = ctx.hits["work"][0]
    school = ctx.hits["school"][0]
    assert status(work, ctx) == "ended"
    assert status(school, ctx) == "plan"
