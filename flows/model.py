"""The flow schema: sequences of steps as data (flows/*.yaml), loaded and validated at start.

A flow says who is enrolled (`enrol`), when each step is due (a delay after the enrolment starts, or a
date from the calendar file), to whom (the youth or their guardians), through which channels (the
first the person has a usable address for), with which template, and when the flow stops. A step may
raise an alert for the adviser instead of sending (the phone call when nothing has worked).

An error names the file, the line and what is wrong: `flows/first-contact.yaml line 12: steps.2.delay: ...`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from storage.enums import AlertKind, Audience, Channel, Question, StopReason

FLOWS_DIR = Path(__file__).resolve().parent
_DELAY = re.compile(r"^\s*(\d+)\s*(d|h|m)\s*$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


@lru_cache(maxsize=256)
def _parse_delay(delay: str) -> timedelta:
    match = _DELAY.match(delay)
    assert match is not None  # validated when the flow was loaded
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


class FlowError(ValueError):
    """A flow file that cannot be used: the message names the file, the line and what is wrong."""


class Enrol(StrEnum):
    """Who a flow enrols."""

    UNKNOWN_ACTIVITY = "unknown_activity"  # youth with status OTUK
    MINORS_WITH_GUARDIANS = "minors_with_guardians"  # youth under 18 on the day, with a guardian's address
    TARGET_GROUP = "target_group"  # everyone in the target group (deadline campaigns)


class CalendarDate(StrEnum):
    """Dates a dated step can take from the calendar file (flows/calendar.yaml), per county and year."""

    REMIND_SPECIAL = "remind_special"
    REMIND_ORDINARY = "remind_ordinary"
    STILL_APPLY = "still_apply"


# The calendar date that names the deadline a dated step's text speaks of.
DEADLINE_OF: dict[CalendarDate, str] = {
    CalendarDate.REMIND_SPECIAL: "special_deadline",
    CalendarDate.REMIND_ORDINARY: "ordinary_deadline",
    CalendarDate.STILL_APPLY: "ordinary_deadline",
}


class Stop(StrEnum):
    """Conditions that end a youth's enrolment; checked by the planner and again by the dispatcher."""

    CONTACT_ESTABLISHED = "contact_established"
    OPTED_OUT = "opted_out"
    WRONG_NUMBER = "wrong_number"
    ADVISER_HOLDS = "adviser_holds"
    CODE_NOT_OTUK = "code_not_otuk"
    YOUTH_ADULT = "youth_adult"


STOP_REASON: dict[Stop, StopReason] = {
    Stop.CONTACT_ESTABLISHED: StopReason.CONTACT_ESTABLISHED,
    Stop.OPTED_OUT: StopReason.OPTED_OUT,
    Stop.WRONG_NUMBER: StopReason.WRONG_NUMBER,
    Stop.ADVISER_HOLDS: StopReason.ADVISER_HOLD,
    Stop.CODE_NOT_OTUK: StopReason.CODE_CHANGED,
    Stop.YOUTH_ADULT: StopReason.YOUTH_ADULT,
}


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=40)
    # "3d", "12h", "0d": after the enrolment started. Or `date`: a date from the calendar file.
    delay: str | None = None
    date: CalendarDate | None = None
    # A delay counted in working days moves to the first allowed minute of a working day.
    working_day: bool = False
    # A county setting (e.g. no_reply_after_days) that replaces the delay's number of days when set.
    delay_setting: str | None = None
    audience: Audience = Audience.YOUTH
    channels: tuple[Channel, ...] = (Channel.SMS,)
    template: str | None = None
    asks: Question | None = None
    alert: AlertKind | None = None

    @field_validator("delay")
    @classmethod
    def _delay(cls, value: str | None) -> str | None:
        if value is not None and not _DELAY.match(value):
            raise ValueError(f"{value!r} is not a delay: write e.g. 0d, 3d, 12h or 30m")
        return value

    @model_validator(mode="after")
    def _one_timing_one_action(self) -> Step:
        if (self.delay is None) == (self.date is None):
            raise ValueError("a step needs exactly one of `delay` (after the start) or `date` (a calendar date)")
        if (self.template is None) == (self.alert is None):
            raise ValueError("a step needs exactly one of `template` (a message) or `alert` (for the adviser)")
        if self.alert is not None and self.asks is not None:
            raise ValueError("an alert step asks nothing")
        if not self.channels:
            raise ValueError("channels: at least one")
        return self

    @property
    def delta(self) -> timedelta:
        return _parse_delay(self.delay or "0d")

    def delta_for(self, settings: Mapping[str, Any]) -> timedelta:
        """The delay, with `delay_setting` (days) from the county's settings when set there."""
        if self.delay_setting and isinstance(settings.get(self.delay_setting), int):
            return timedelta(days=settings[self.delay_setting])
        return self.delta


class Flow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)
    description: str = ""
    enrol: Enrol
    # A campaign runs once a year (its cycle is the year); others once per youth.
    yearly: bool = False
    stop_when: tuple[Stop, ...] = ()
    steps: tuple[Step, ...]

    @model_validator(mode="after")
    def _steps(self) -> Flow:
        ids = [step.id for step in self.steps]
        if len(set(ids)) != len(ids):
            raise ValueError(f"step ids must be unique: {', '.join(sorted({i for i in ids if ids.count(i) > 1}))}")
        if not self.steps:
            raise ValueError("a flow needs at least one step")
        if any(step.date for step in self.steps) and not self.yearly:
            raise ValueError("steps on calendar dates belong to a yearly flow (yearly: true)")
        return self


@dataclass(frozen=True, slots=True)
class Flows:
    """Every flow, by name."""

    by_name: dict[str, Flow]

    def __iter__(self) -> Any:
        return iter(self.by_name.values())

    def __getitem__(self, name: str) -> Flow:
        return self.by_name[name]


def _line_of(node: yaml.Node, loc: Iterable[Any]) -> int:
    """The 1-based line of the YAML node at the pydantic error location (the deepest node that exists)."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            found = node.value[part]
        else:
            found = None
        if found is None:
            break
        node = found
    return node.start_mark.line + 1


def parse_flow(text: str, where: str) -> Flow:
    """One flow from YAML text; FlowError naming `where`, the line and what is wrong."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise FlowError(f"{where}{line}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    if node is None or not isinstance(data, dict):
        raise FlowError(f"{where} line 1: a flow is a mapping with name, enrol and steps")
    try:
        return Flow.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = [part for part in error["loc"] if not (isinstance(part, str) and part.startswith("function-"))]
        path = ".".join(str(part) for part in loc) or "flow"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        elif error["type"] == "enum":
            message = f"{message} (got {error.get('input')!r})"
        raise FlowError(f"{where} line {_line_of(node, loc)}: {path}: {message}") from None


def load_flows(folder: Path = FLOWS_DIR, templates: Literal["check", "skip"] = "check") -> Flows:
    """Every flows/*.yaml (except the calendar file), validated; each template a step names must exist."""
    flows: dict[str, Flow] = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name == "calendar.yaml":
            continue
        where = f"flows/{path.name}"
        flow = parse_flow(path.read_text(encoding="utf-8"), where)
        if flow.name != path.stem:
            raise FlowError(f"{where} line 1: name: {flow.name!r} must match the file name ({path.stem!r})")
        if templates == "check":
            _check_templates(flow, where, path.read_text(encoding="utf-8"))
        flows[flow.name] = flow
    if not flows:
        raise FlowError(f"{folder}: no flow files (*.yaml)")
    return Flows(flows)


def _check_templates(flow: Flow, where: str, text: str) -> None:
    from flows.templates import LANGUAGES, names

    node = yaml.compose(text, Loader=yaml.SafeLoader)
    for index, step in enumerate(flow.steps):
        if step.template is None:
            continue
        for language in LANGUAGES:
            if step.template not in names(language):
                line = _line_of(node, ["steps", index, "template"])
                raise FlowError(f"{where} line {line}: steps.{index}.template: no template {step.template!r} "
                                f"in flows/templates/{language}/")


@lru_cache(maxsize=1)
def default_flows() -> Flows:
    """The product's flows, loaded once per process."""
    return load_flows()
