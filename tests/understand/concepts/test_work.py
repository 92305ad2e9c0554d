"""Work (OTAR): a job in any wording, at sea, on one's own account or delivering food; and what is no work:
a job that is over, a hobby, a joke job, unpaid work, someone else's job, driving oneself."""

from __future__ import annotations

from typing import Any

import pytest

from tests.understand.helpers import assert_contact, case, code_of, decide_for, reading_of


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("eg går i turnus på ein sjukeheim", "OTAR"),
        case("tar helgevakter på omsorgssenteret", "OTAR"),
        case("tar nattevakter på et omsorgssenter", "OTAR"),
        case("jobber fulltid på Rema", "OTAR"),
        case("har jobb på lager, begynte for to uker siden", "OTAR"),
        case("jobberpå Kiwi i helgene", "OTAR", county="Telemark"),
        case("jobber på Kiwi, får ikke lønn før den 20.", "OTAR", county="Vestland"),
        case("pappa og jeg jobber på verkstedet hans", "OTAR", county="Vestland"),
        case("crushing it at work, im a cashier at Kiwi", "OTAR", county="Trøndelag"),
        case("hadde sommerjobb på Kiwi, nå jobber jeg fast på Rema", "OTAR", county="Trøndelag"),
        # on one's own account
        case("har mitt eget firma, maler hus for folk", "OTAR", county="Trøndelag"),
        case("driver for meg selv som frisør", "OTAR", county="Trøndelag"),
        case("jobber som frilanser, mest foto", "OTAR", county="Trøndelag"),
        case("plenklipping for naboer og snømåking om vinteren", "OTAR", county="Trøndelag"),
        # at sea, offshore, on rotation
        case("er matros på hurtigruta", "OTAR", county="Trøndelag"),
        case("jobbar på ein tråler, to veker på og to av", "OTAR", county="Trøndelag"),
        case("renholder på riggen, to uker på fire uker fri", "OTAR", county="Trøndelag"),
        case("im a deckhand, 3 weeks on and 3 off", "OTAR", county="Trøndelag"),
    ],
)
def test_a_job_in_any_wording_is_work(text: str, code: str, ctx: dict[str, Any]) -> None:
    assert code_of(text, **ctx) == code, text


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("hadde sommarjobb på hotellet men det er over no", "OTOV", county="Trøndelag"),
        case("jobbet på Coop i juli, men det var bare en sommerjobb", "OTOV", county="Trøndelag"),
        case("had a summer job at a cafe but its finished", "OTOV", county="Trøndelag"),
        case("fisker mye på fritida", None, county="Trøndelag"),  # a hobby, not a trade
    ],
)
def test_a_summer_job_that_is_over_or_a_hobby_is_not_work(text: str, code: str | None, ctx: dict[str, Any]) -> None:
    assert code_of(text, **ctx) == code, text


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("jobber som CEO på gutterommet haha", "OTOV"),
        case("influencer på tiktok men tjener ingenting", "OTOV"),
        case("jobber frivillig i Røde Kors", "OTOV"),
    ],
)
def test_a_joke_job_or_unpaid_work_is_contact_but_not_work(text: str, code: str, ctx: dict[str, Any]) -> None:
    _, decision = decide_for(text, **ctx)
    assert_contact(decision, code)


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("leverer mat for foodora på kveldene", "OTAR", county="Trøndelag"),
        case("køyrer budbil no", "OTAR", county="Trøndelag"),
        case("I deliver food for Uber, doing fine", "OTAR", county="Trøndelag"),
    ],
)
def test_courier_and_delivery_work_is_work(text: str, code: str, ctx: dict[str, Any]) -> None:
    _, decision = decide_for(text, **ctx)
    assert decision.status_code == code, decision.explanation


@pytest.mark.parametrize(("text", "ctx"), [case("mamma jobber på Kiwi")])
def test_someone_elses_work_alone_states_nothing_about_the_youth(text: str, ctx: dict[str, Any]) -> None:
    assert reading_of(text, **ctx).activity_code is None


@pytest.mark.parametrize(("text", "ctx"), [case("kjører bil til skolen hver dag")])
def test_driving_oneself_is_no_work(text: str, ctx: dict[str, Any]) -> None:
    assert reading_of(text, **ctx).activity_code not in ("OTAR", "OTBA"), text
