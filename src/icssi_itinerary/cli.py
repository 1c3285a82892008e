"""The ``icssi-itinerary`` command: parses arguments, calls the library, prints."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import click

from .errors import InputError, InputWarning, PluginError
from .exporters import RenderOptions, render_itinerary, render_programme
from .parallel import default_jobs
from .session import Session

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

    from .timing import Timezone

# Heavier modules (time zones, iCalendar, the exporters) are imported inside the
# commands that use them, so that --help and argument errors answer at once.

BAD_INPUT = 2


class _BadInput(click.ClickException):
    exit_code = BAD_INPUT


class _PluginFailed(click.ClickException):
    exit_code = 1


class _Interrupted(click.ClickException):
    exit_code = 130  # as a shell reports a command ended by Ctrl-C


class _Group(click.Group):
    """Adds plugins' commands when first asked for a command; turns the library's errors
    into one line and an exit status, never a traceback."""

    _plugins_added = False

    def _add_plugin_commands(self) -> None:
        if not self._plugins_added:
            _Group._plugins_added = True
            try:
                from .plugins import add_commands

                add_commands(self)
            except PluginError as error:  # also under --help, outside invoke()
                raise _PluginFailed(str(error)) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._add_plugin_commands()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._add_plugin_commands()
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("always", InputWarning)
            warnings.showwarning = _show_warning
            try:
                return super().invoke(ctx)
            except InputError as error:
                raise _BadInput(str(error)) from None
            except PluginError as error:
                raise _PluginFailed(str(error)) from None
            except OSError as error:  # an output folder that is read-only, full, a file…
                raise _BadInput(_os_error(error)) from None
            except RecursionError:
                raise _BadInput(
                    "input nested too deeply to read; flatten it (see the format's limits)"
                ) from None
            except MemoryError:
                raise _BadInput("out of memory reading the input; give smaller files") from None
            except KeyboardInterrupt:
                _ignore_stops()  # a second stop while this one is reported changes nothing
                raise _Interrupted(
                    "interrupted: nothing was written; every file is as it was before this run"
                ) from None


def _show_warning(message: Warning | str, category: type[Warning], *_: Any, **__: Any) -> None:
    """Warnings about input as one line each, like errors (no source line of ours)."""
    label = "Warning" if issubclass(category, InputWarning) else category.__name__
    click.echo(f"{label}: {message}", err=True)


def _os_error(error: OSError) -> str:
    """One line for a file the command could not read or write."""
    from pathlib import Path

    where = os.fsdecode(error.filename) if isinstance(error.filename, str | bytes) else "a file"
    name = Path(where).name
    if name.startswith(".") and name.endswith(".tmp"):  # the temporary file of a write
        where = str(Path(where).parent)
    problem = (error.strerror or str(error)).lower()
    return str(
        InputError(
            problem,
            source=where,
            hint=_OS_HINTS.get(type(error), "check the path, its permissions and the free space"),
        )
    )


_OS_HINTS: dict[type[OSError], str] = {
    PermissionError: "check the permissions of the file or folder",
    FileNotFoundError: "check the path (a link may point nowhere)",
    NotADirectoryError: "a file stands where a folder is needed; move it away",
    IsADirectoryError: "a folder stands where a file is needed; give a file",
    FileExistsError: "a file is in the way of a folder (or link) to be made; move it",
}


class _PathType(click.Path):
    """A file or folder argument, as a :class:`pathlib.Path` (imported when first used:
    pathlib costs start-up time that --help need not pay)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from pathlib import Path

        try:
            return Path(os.fsdecode(super().convert(value, param, ctx)))
        except click.BadParameter as error:
            # One line, like all bad input: "Error: --roster: '/tmp' is a directory; ..."
            option = _option(param, "PATH")
            if param is not None and param.param_type_name == "argument":
                option = (param.name or "PATH").upper()
            what = error.message.rstrip(".")
            raise _BadInput(str(InputError(what, field=option, hint="check the path"))) from None


def _option(param: click.Parameter | None, fallback: str) -> str:
    """The option a bad value was given to (``--zone``), for its one-line message."""
    return param.opts[0] if param is not None and param.opts else fallback


class ZoneType(click.ParamType):  # type: ignore[type-arg]
    """An IANA zone name given on the command line."""

    name = "ZONE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from .timing import Timezone, TimingError, zone

        if isinstance(value, Timezone):
            return value
        try:
            return zone(str(value))
        except TimingError as error:
            # Bad input is one line (no usage text): "Error: --zone: ...; use ...".
            raise _BadInput(f"{_option(param, self.name)}: {error}") from None


class LanguageType(click.ParamType):  # type: ignore[type-arg]
    """A language tag (``ar``, ``ar-IQ``, ``en``) that some catalogue translates."""

    name = "LANGUAGE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from .translation import available_languages, catalogue_language

        if catalogue_language(str(value)) is None:
            known = ", ".join(sorted(available_languages()))
            option = _option(param, self.name)
            raise _BadInput(f"{option}: no translation for '{value}'; use one of: {known}")
        return str(value)


_language_option = click.option(
    "--language",
    type=LanguageType(),
    help="Language to read in (e.g. ar, ar-IQ, en); default: the delegate's, or English.",
)


def _emit(data: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        from .files import write_atomic

        write_atomic(output, data)
        click.echo(f"Wrote {output}", err=True)


_zone_option = click.option(
    "--zone", "--tz", "zone", type=ZoneType(), help="Also show times in this IANA zone."
)
_output_option = click.option(
    "-o",
    "--output",
    type=_PathType(dir_okay=False),
    help="Write to this file (default: standard output).",
)
_jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=default_jobs,
    show_default="all cores",
    help="Processes to build with.",
)
_format_settings_option = click.option(
    "--option",
    "-O",
    "settings",
    multiple=True,
    metavar="FORMAT.NAME=VALUE",
    help="A setting of one format, e.g. html.template_dir=my-templates (repeat).",
)


def _extra(settings: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """``FORMAT.NAME=VALUE`` settings by format: each format's plugin reads its own
    (``RenderOptions.extra``); the command line knows none of them."""
    from .plugins import get_exporter

    extra: dict[str, dict[str, str]] = {}
    for setting in settings:
        key, equals, value = setting.partition("=")
        format_name, dot, name = key.strip().partition(".")
        if not (equals and dot and format_name and name.strip()):
            raise InputError(
                f"'{setting}' is not FORMAT.NAME=VALUE",
                field="--option",
                hint="e.g. --option html.template_dir=my-templates",
            )
        get_exporter(format_name, "--option")  # unknown: one line naming the formats
        extra.setdefault(format_name, {})[name.strip()] = value
    return extra


_roster_option = click.option(
    "--roster",
    type=_PathType(dir_okay=False),
    required=True,
    help="roster.csv (legs.csv, stays.csv beside it) or roster.toml.",
)


@click.group(cls=_Group)
@click.version_option(package_name="icssi-itinerary")
@click.option(
    "--programme",
    metavar="FILE",
    envvar="ICSSI_ITINERARY_PROGRAMME",
    help="Programme file (TOML) or bundled name; default: the bundled icssi-2014.",
)
@click.pass_context
def cli(ctx: click.Context, programme: str | None) -> None:
    """Build time-zone-correct personal itineraries from a programme of linked events."""
    ctx.obj = Session(programme)


@cli.command()
@_zone_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_obj
def events(session: Session, zone: Timezone | None, as_json: bool) -> None:
    """List the programme's events in venue time (and --zone)."""
    from .summary import programme_summary

    rows = programme_summary(session.programme, zone)
    if as_json:
        import json

        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        when = f"{row['start']} → {row['end']}"
        elsewhere = f"  ({row['start_in_zone']} → {row['end_in_zone']})" if "zone" in row else ""
        click.echo(f"{row['id']:<28} {when} {row['timezone']}{elsewhere}  {row['title']}")


@cli.command()
@click.option(
    "--roster",
    type=_PathType(dir_okay=False),
    help="Also check every delegate of this roster.",
)
@click.pass_obj
def validate(session: Session, roster: Path | None) -> None:
    """Check the programme (and roster): exit 0 clean, 1 problems, 2 unreadable."""
    from .itinerary import validate as problems_of
    from .plugins import get_checks

    programme = session.programme
    found = 0
    if roster is not None:
        checks = get_checks().values()
        for delegate, problems in problems_of(programme, session.roster(roster), checks).items():
            for problem in problems:
                found += 1
                click.echo(f"{delegate}: {problem.severity}: {problem.code}: {problem.message}")
    click.echo(f"{len(programme.events)} events checked; {found} problem(s) found", err=True)
    sys.exit(1 if found else 0)


@cli.command()
@click.argument("delegate")
@_roster_option
@click.option("--format", "format_name", default="text", show_default=True, help="Output format.")
@_zone_option
@_language_option
@click.option("--problems", is_flag=True, help="Include what the checks found.")
@_output_option
@_format_settings_option
@click.pass_obj
def itinerary(
    session: Session,
    delegate: str,
    roster: Path,
    format_name: str,
    zone: Timezone | None,
    language: str | None,
    problems: bool,
    output: Path | None,
    settings: tuple[str, ...],
) -> None:
    """One delegate's itinerary."""
    from .itinerary import build_itinerary
    from .plugins import get_checks, get_exporter

    exporter = get_exporter(format_name)
    people = session.roster(roster)
    try:
        person = people.delegate(delegate)
    except KeyError:
        raise InputError(
            f"unknown delegate '{delegate}'",
            source=str(roster),
            field="id",
            hint="use an id from the roster's id column",
        ) from None
    plan = build_itinerary(session.programme, person, get_checks().values())
    options = RenderOptions(
        zone=zone, language=language, show_problems=problems, extra=_extra(settings)
    )
    _emit(render_itinerary(exporter, plan, options), output)


@cli.command()
@click.argument("format_name", metavar="FORMAT")
@_zone_option
@_language_option
@_output_option
@_format_settings_option
@click.pass_obj
def export(
    session: Session,
    format_name: str,
    zone: Timezone | None,
    language: str | None,
    output: Path | None,
    settings: tuple[str, ...],
) -> None:
    """The whole programme in one format."""
    from .plugins import get_exporter

    exporter = get_exporter(format_name)
    options = RenderOptions(zone=zone, language=language, extra=_extra(settings))
    _emit(render_programme(exporter, session.programme, options), output)


@cli.command()
@_roster_option
@click.option(
    "--out",
    type=_PathType(file_okay=False),
    required=True,
    help="Folder to write into (one sub-folder per delegate).",
)
@click.option("--format", "formats", multiple=True, help="Format to build (repeat); default all.")
@_zone_option
@_jobs_option
@click.option(
    "--shard",
    metavar="K/N",
    help="Build only the K-th of N shares of the delegates (one per machine).",
)
@_format_settings_option
@click.pass_obj
def build(
    session: Session,
    roster: Path,
    out: Path,
    formats: tuple[str, ...],
    zone: Timezone | None,
    jobs: int,
    shard: str | None,
    settings: tuple[str, ...],
) -> None:
    """Every delegate's itinerary in every chosen format."""
    from .build import build_all
    from .plugins import get_checks, get_exporter, get_exporters
    from .shards import Shard

    share = Shard.parse(shard) if shard is not None else None
    chosen = [get_exporter(name) for name in formats] or list(get_exporters().values())
    people = session.roster(roster)
    count = sum(1 for d in people.delegates if share is None or share.holds(d.id))
    options = RenderOptions(zone=zone, extra=_extra(settings))
    problems = 0
    with click.progressbar(length=count, label="Building itineraries", file=sys.stderr) as bar:

        def advance(found: tuple[Any, ...]) -> None:
            nonlocal problems
            problems += len(found)
            bar.update(1)

        checks = list(get_checks().values())
        written = build_all(
            session.programme, people, chosen, out, options, advance, jobs, checks, share
        )
    click.echo(f"Wrote {len(written)} files for {count} delegates to {out}", err=True)
    if problems:
        click.echo(f"{problems} problem(s) found: run 'validate --roster {roster}'", err=True)


@cli.command()
@_roster_option
@click.option(
    "--out",
    type=_PathType(file_okay=False),
    required=True,
    help="The site to publish (a link to the current version).",
)
@click.option("--base-url", required=True, help="https:// address the site is served at.")
@click.option(
    "--secret-file",
    type=_PathType(dir_okay=False),
    help="Secret for the feed tokens (default: OUT.private/secret.key).",
)
@click.option("--format", "formats", multiple=True, help="Format to publish (repeat); default all.")
@click.option(
    "--keep-cancelled",
    type=click.IntRange(min=0),
    default=30,
    show_default=True,
    help="Days a removed event stays in feeds as cancelled.",
)
@click.option(
    "--to",
    "to",
    metavar="s3://BUCKET[/PREFIX]",
    help="Also upload the site to this bucket: only what changed, deleting what is gone.",
)
@click.option(
    "--endpoint-url",
    metavar="URL",
    help="The S3 service for --to, if not AWS (R2, MinIO, Ceph…).",
)
@click.option(
    "--shard",
    metavar="K/N",
    help="Only render shard K of N of the delegates, into --into (see --merge).",
)
@click.option(
    "--into",
    type=_PathType(file_okay=False),
    help="With --shard: the new folder the shard's files go to.",
)
@click.option(
    "--at",
    metavar="TIME",
    help="The moment of the publish (default: now); with --shard, the same for every "
    "shard (e.g. 2014-10-26T12:00:00Z).",
)
@click.option(
    "--merge",
    "merge",
    multiple=True,
    type=_PathType(exists=True, file_okay=False),
    help="Publish from the folders of every shard (repeat): the final step.",
)
@_jobs_option
@_format_settings_option
@click.pass_obj
def publish(
    session: Session,
    roster: Path,
    out: Path,
    base_url: str,
    secret_file: Path | None,
    formats: tuple[str, ...],
    keep_cancelled: int,
    to: str | None,
    endpoint_url: str | None,
    shard: str | None,
    into: Path | None,
    at: str | None,
    merge: tuple[Path, ...],
    jobs: int,
    settings: tuple[str, ...],
) -> None:
    """A deployable site: public programme, one secret folder per delegate."""
    from contextlib import ExitStack
    from datetime import timedelta

    from .plugins import get_exporter, get_exporters
    from .publishing import publish as publish_site

    if endpoint_url is not None and to is None:
        raise InputError("is only for --to", field="--endpoint-url", hint="add --to s3://BUCKET")
    if to is not None:
        from .objectstore import Target

        target = Target.parse(to)
    chosen = [get_exporter(name) for name in formats] or list(get_exporters().values())
    moment = _instant(at) if at is not None else None
    if shard is not None or into is not None:
        _publish_shard(session, roster, out, base_url, secret_file, chosen, keep_cancelled,
                       shard, into, moment, merge, to, jobs, settings)  # fmt: skip
        return
    if moment is not None and merge:
        raise InputError("is given by the shards", field="--at", hint="leave it out with --merge")
    people = session.roster(roster)
    with ExitStack() as stack:
        bars: list[Any] = []

        def advance(_: object) -> None:
            # The bar starts with the first itinerary, so that bad input (--base-url,
            # --out, the secret) stays one line on stderr.
            if not bars:
                bar = click.progressbar(
                    length=len(people.delegates), label="Publishing", file=sys.stderr
                )
                bars.append(stack.enter_context(bar))
            bars[0].update(1)

        result = publish_site(
            session.programme,
            people,
            chosen,
            out,
            base_url,
            secret_file=secret_file,
            progress=advance,
            keep_cancelled=timedelta(days=keep_cancelled),
            options=RenderOptions(extra=_extra(settings)),
            jobs=jobs,
            shards=merge,
            now=moment,
        )
    click.echo(
        f"Published {out} -> {result.site.name}: {result.written} files written, "
        f"{result.unchanged} unchanged",
        err=True,
    )
    if result.recovered:
        click.echo("An earlier publish took effect but stopped before it said what changed:")
        for change in result.recovered:
            click.echo(change["summary"])
        click.echo("This publish:")
    if not result.first:
        for change in result.changes:
            click.echo(change["summary"])
    click.echo(f"Links for the delegates: {result.private / 'links.csv'}", err=True)
    if to is not None:
        from .objectstore import sync

        synced = sync(out, result.private, target, endpoint_url=endpoint_url)
        click.echo(
            f"Uploaded to {target}: {len(synced.uploaded)} objects uploaded, "
            f"{len(synced.deleted)} deleted, {synced.unchanged} unchanged; "
            f"keys to purge from a CDN: {synced.changed_keys}",
            err=True,
        )


def _instant(text: str) -> datetime:
    """``--at``: a date and time with its offset from UTC."""
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InputError(
            f"'{text}' is not an instant",
            field="--at",
            hint="a date and time with its offset, e.g. 2014-10-26T12:00:00Z",
        )
    return moment


def _publish_shard(
    session: Session,
    roster: Path,
    out: Path,
    base_url: str,
    secret_file: Path | None,
    chosen: list[Any],
    keep_cancelled: int,
    shard: str | None,
    into: Path | None,
    at: datetime | None,
    merge: tuple[Path, ...],
    to: str | None,
    jobs: int,
    settings: tuple[str, ...],
) -> None:
    """``publish --shard K/N --into DIR --at TIME``: one machine's part of a publish."""
    from datetime import timedelta

    from .shard_publish import publish_shard
    from .shards import Shard

    if shard is None:
        raise InputError("is only for --shard", field="--into", hint="add --shard K/N")
    share = Shard.parse(shard)
    for given, name in ((merge, "--merge"), (to, "--to")):
        if given:
            raise InputError(
                "is for the final publish, not a shard",
                field=name,
                hint="run the shards, then publish --merge DIR ... once",
            )
    if into is None or at is None:
        raise InputError(
            "needs --into DIR and --at TIME",
            field="--shard",
            hint="the same --at for every shard, e.g. --at 2014-10-26T12:00:00Z",
        )
    people = session.roster(roster)
    count = publish_shard(
        session.programme,
        people,
        chosen,
        out,
        base_url,
        share,
        into,
        at,
        secret_file=secret_file,
        keep_cancelled=timedelta(days=keep_cancelled),
        options=RenderOptions(extra=_extra(settings)),
        jobs=jobs,
    )
    click.echo(
        f"Rendered shard {share.index}/{share.count}: {count} delegates into {into}; "
        f"when every shard is done, run publish --merge with all {share.count} folders",
        err=True,
    )


_private_option = click.option(
    "--private",
    type=_PathType(exists=True, file_okay=False),
    help="The private folder publish wrote (default: SITE.private beside the site).",
)


class DurationType(click.ParamType):  # type: ignore[type-arg]
    """A length of time: ``90m``, ``6h``, ``2d``."""

    name = "DURATION"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from datetime import timedelta

        units = {"m": "minutes", "h": "hours", "d": "days"}
        text = str(value).strip()
        if len(text) >= 2 and text[:-1].isdigit() and text[-1] in units:
            return timedelta(**{units[text[-1]]: int(text[:-1])})
        option = _option(param, self.name)
        raise _BadInput(f"{option}: '{value}' is not a length of time; write e.g. 90m, 6h or 2d")


@cli.command()
@click.argument("site", type=_PathType(file_okay=False))
@click.option(
    "--outbox",
    type=_PathType(file_okay=False),
    help="Write each message as a .eml file in this folder; send nothing.",
)
@click.option("--smtp", "smtp_url", help="Send through smtp://[user@]host[:port] or smtps://…")
@click.option("--starttls", is_flag=True, help="Upgrade an smtp:// connection to TLS.")
@click.option(
    "--password-file",
    type=_PathType(exists=True, dir_okay=False),
    help="File holding the SMTP password (else ICSSI_ITINERARY_SMTP_PASSWORD).",
)
@click.option("--from", "sender", required=True, help="The coordinator's address.")
@click.option("--only", multiple=True, metavar="DELEGATE", help="Only these delegate ids (repeat).")
@click.option("--rate", type=click.FloatRange(min=0, min_open=True), help="Messages per minute.")
@click.option(
    "--stale",
    type=DurationType(),
    help="Only delegates whose calendar has not fetched their feed this long after it changed.",
)
@click.option(
    "--secret-file",
    type=_PathType(dir_okay=False),
    help="The secret publish used (its folder holds the ledger).",
)
def notify(
    site: Path,
    outbox: Path | None,
    smtp_url: str | None,
    starttls: bool,
    password_file: Path | None,
    sender: str,
    only: tuple[str, ...],
    rate: float | None,
    stale: Any,
    secret_file: Path | None,
) -> None:
    """E-mail each delegate what the last publishes changed for them, exactly once."""
    import smtplib

    from .notify import Outcome
    from .notify import notify as notify_site
    from .smtp import smtp_settings

    if (outbox is None) == (smtp_url is None):
        raise InputError("give --outbox DIR or --smtp URL", field="--outbox/--smtp")
    smtp = None
    if smtp_url is not None:
        smtp = smtp_settings(smtp_url, starttls=starttls, password_file=password_file)
    done: list[Outcome] = []

    def show(outcome: Outcome) -> None:
        done.append(outcome)
        if outcome.problem is not None:
            click.echo(f"{outcome.delegate}: not sent: {outcome.problem}", err=True)
        elif outcome.path is not None:
            click.echo(f"{outcome.delegate}: written to {outcome.path}")
        else:
            click.echo(f"{outcome.delegate}: sent {outcome.message_id}")

    ids = [part.strip() for entry in only for part in entry.split(",") if part.strip()]
    if stale is not None:
        from .feedhealth import stale_delegates
        from .publishing import private_folder

        ids = stale_delegates(site, private_folder(site, secret_file), stale, ids)
        if not ids:
            click.echo("Nothing to tell: every calendar has fetched its latest feed.", err=True)
            return
    try:
        result = notify_site(
            site, sender, outbox=outbox, smtp=smtp, only=ids, rate=rate,
            secret_file=secret_file, progress=show,
        )  # fmt: skip
    except (smtplib.SMTPException, KeyboardInterrupt) as error:
        sent = sum(1 for outcome in done if outcome.problem is None)
        stopped = "interrupted" if isinstance(error, KeyboardInterrupt) else str(error)
        raise _PluginFailed(
            f"{stopped}: {sent} messages sent and recorded; run notify again for the rest"
        ) from None
    if not result.outcomes:
        click.echo("Nothing to tell: every change was told already.", err=True)
    if result.failed:
        raise _PluginFailed(f"{len(result.failed)} of {len(result.outcomes)} messages not sent")


@cli.command()
@click.argument("site", type=_PathType(exists=True, file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@_private_option
def serve(site: Path, host: str, port: int, private: Path | None) -> None:
    """Serve a published site (waitress + whitenoise), counting feed fetches."""
    from .serve import serve as serve_site

    def listening(url: str) -> None:
        click.echo(f"Serving {site} on {url}", err=True)

    serve_site(site, host, port, listening, private)


@cli.command()
@click.argument("site", type=_PathType(exists=True, file_okay=False))
@click.option(
    "--log",
    "logs",
    type=_PathType(exists=True, dir_okay=False),
    multiple=True,
    required=True,
    help="A web server's access log in the combined format (repeat for several).",
)
@_private_option
def fetches(site: Path, logs: tuple[Path, ...], private: Path | None) -> None:
    """Count the feed fetches in a web server's access log (sites behind nginx or a CDN)."""
    from .feedhealth import count_access_logs
    from .publishing import private_folder

    counted = count_access_logs(logs, private or private_folder(site, None))
    click.echo(f"Counted {counted} feed fetches", err=True)


@cli.command()
@click.argument("site", type=_PathType(exists=True, file_okay=False))
@click.option(
    "--stale",
    type=DurationType(),
    help="Flag feeds no calendar fetched this long after they changed, e.g. 6h.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@_private_option
def status(site: Path, stale: Any, as_json: bool, private: Path | None) -> None:
    """Each delegate's last feed change, their calendar's last fetch, and who has not seen it."""
    import json
    from datetime import UTC, datetime

    from .feedhealth import feed_status
    from .publishing import private_folder

    now = datetime.now(UTC).replace(microsecond=0)
    rows = feed_status(site, private or private_folder(site, None))
    if as_json:
        click.echo(json.dumps([_status_json(row, stale, now) for row in rows], indent=2))
        return
    for row in rows:
        changed = _utc(row.changed) or "never published"
        fetched = f"{_utc(row.fetched)} ({row.family})" if row.fetched else "never fetched"
        mark = "seen" if row.seen else "NOT SEEN"
        if stale is not None and row.stale(stale, now):
            mark = "STALE"
        click.echo(f"{row.delegate:<24} {mark:<8} changed {changed}  fetched {fetched}")


def _utc(moment: Any) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


def _status_json(row: Any, stale: Any, now: Any) -> dict[str, Any]:
    return {
        "delegate": row.delegate,
        "changed": row.changed.isoformat().replace("+00:00", "Z") if row.changed else None,
        "fetched": row.fetched.isoformat().replace("+00:00", "Z") if row.fetched else None,
        "client": row.family,
        "seen": row.seen,
        "stale": bool(stale is not None and row.stale(stale, now)),
    }


@cli.command()
@click.option("--all", "show_all", is_flag=True, help="Include the built-in plugins.")
def plugins(show_all: bool) -> None:
    """The installed plugins and their hooks, as JSON."""
    import json

    from .plugins import describe_plugins

    click.echo(json.dumps(describe_plugins(show_all), indent=2))


@cli.command()
def formats() -> None:
    """The output formats that plugins provide."""
    from .plugins import get_exporters

    rows = [
        (e.name, e.suffix, e.media_type, e.description)
        for e in sorted(get_exporters().values(), key=lambda e: e.name)
    ]
    widths = [max((len(row[column]) for row in rows), default=0) for column in range(3)]
    for *columns, description in rows:
        cells = [cell.ljust(width) for cell, width in zip(columns, widths, strict=True)]
        click.echo(" ".join([*cells, description]).rstrip())


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # a stop asked by the system is handled as Ctrl-C


_AS_COMMAND = False
"""Whether this process is the ``icssi-itinerary`` command (:func:`main`), which may
change how signals are handled, or a program that calls :data:`cli` itself."""


def _ignore_stops() -> None:
    """In the command, from here on Ctrl-C and SIGTERM are ignored: the run is ending."""
    import signal

    if _AS_COMMAND:
        for stop in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stop, signal.SIG_IGN)


def main() -> None:
    """Entry point of the console script."""
    import signal

    global _AS_COMMAND
    _AS_COMMAND = True
    signal.signal(signal.SIGTERM, _terminated)
    try:
        cli()
    except KeyboardInterrupt:  # a stop outside a command (before it, or while it ends)
        _ignore_stops()
        click.echo("Error: interrupted: nothing was written", err=True)
        sys.exit(_Interrupted.exit_code)
