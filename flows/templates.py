"""Message texts as Jinja2 templates, one file per text and language.

Naming scheme: ``flows/templates/<language>/<name>.txt.j2``

- ``<language>`` is one of LANGUAGES (``nb`` Bokmål, ``nn`` Nynorsk, ``en`` English); every text exists in
  every language, so a youth's målform never lacks a text.
- ``<name>`` is lower_snake_case and starts with what the text is for: ``reply_*`` are the answers the policy
  gives to an inbound reply (``reply_urgent``, ``reply_ack``, …); outbound sequence messages get their own
  prefix (e.g. ``first_contact_sms``).
- A template is plain text: the rendered result is stripped of leading and trailing whitespace, so a file
  may end with a newline and start with a ``{#- comment -#}`` that lists its variables.

``render(name, language, **variables)`` renders one text. Templates are read from the installed package
(importlib.resources), so they work from a source checkout and from a wheel alike, and the environment is
built once per process. Undefined variables are errors (StrictUndefined): a missing variable raises
TemplateError naming the template and the variable, never a text with a hole in it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from jinja2 import Environment, FunctionLoader, StrictUndefined, TemplateNotFound, TemplateSyntaxError, meta
from jinja2.exceptions import UndefinedError

LANGUAGES = ("nb", "nn", "en")
SUFFIX = ".txt.j2"
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


class TemplateError(LookupError):
    """A text that cannot be rendered: unknown template or language, a missing variable, a broken template."""


def _path(name: str, language: str) -> str:
    return f"{language}/{name}{SUFFIX}"


def _load(path: str) -> tuple[str, str, object] | None:
    resource = resources.files("flows").joinpath("templates", *path.split("/"))
    if not resource.is_file():
        return None
    return resource.read_text(encoding="utf-8"), f"flows/templates/{path}", lambda: True


@lru_cache(maxsize=1)
def _environment() -> Environment:
    # Plain text, not HTML: no autoescaping. trim_blocks/lstrip_blocks let a template put {% if %} on its own
    # line without leaving blank lines in the message.
    return Environment(
        loader=FunctionLoader(_load),  # type: ignore[arg-type]
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def _check(name: str, language: str) -> None:
    if language not in LANGUAGES:
        raise TemplateError(f"template {name!r}: language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    if not isinstance(name, str) or not _NAME.match(name):
        raise TemplateError(f"template name {name!r} is not lower_snake_case")


def variables(name: str, language: str) -> frozenset[str]:
    """The variables a template uses (from its source), e.g. to check a caller passes all of them."""
    _check(name, language)
    env = _environment()
    try:
        source, _, _ = env.loader.get_source(env, _path(name, language))  # type: ignore[union-attr]
    except TemplateNotFound:
        raise TemplateError(f"no template {name!r} for language {language!r} "
                            f"(flows/templates/{_path(name, language)})") from None
    return frozenset(meta.find_undeclared_variables(env.parse(source)))


def render(name: str, language: str, **values: object) -> str:
    """Render template `name` in `language` with `values`; raises TemplateError naming what is wrong."""
    _check(name, language)
    path = _path(name, language)
    try:
        template = _environment().get_template(path)
    except TemplateNotFound:
        raise TemplateError(f"no template {name!r} for language {language!r} (flows/templates/{path})") from None
    except TemplateSyntaxError as exc:
        raise TemplateError(f"template flows/templates/{path} line {exc.lineno}: {exc.message}") from None
    try:
        return template.render(**values).strip()
    except UndefinedError as exc:
        missing = sorted(variables(name, language) - values.keys())
        what = f"missing variable {', '.join(missing)}" if missing else (exc.message or "undefined value")
        raise TemplateError(f"template flows/templates/{path}: {what}") from None


def names(language: str) -> frozenset[str]:
    """Every template name that exists in `language`."""
    if language not in LANGUAGES:
        raise TemplateError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    folder = resources.files("flows").joinpath("templates", language)
    if not folder.is_dir():
        return frozenset()
    return frozenset(item.name[: -len(SUFFIX)] for item in folder.iterdir() if item.name.endswith(SUFFIX))


def preload() -> int:
    """Compile every template now (a server at start-up: the first answer with a template otherwise pays for
    compiling it, ~5-20 ms); how many were compiled."""
    env = _environment()
    count = 0
    for language in LANGUAGES:
        for name in sorted(names(language)):
            env.get_template(_path(name, language))
            count += 1
    return count
