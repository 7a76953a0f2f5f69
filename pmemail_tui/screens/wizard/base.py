"""The frame every wizard step shares: title, progress, body, Back/Next."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Label, Static

from pmemail.app import check_actions
from pmemail.app.wizard_state import STEPS
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from pmemail_tui.i18n import localize_bindings, t
from pmemail_tui.screens.wizard.messages import RowResult, StepAnswers
from pmemail_tui.widgets.app_header import app_header
from pmemail_tui.widgets.check_list import CheckList
from pmemail_tui.widgets.step_progress import StepProgress

if TYPE_CHECKING:
    from pmemail_tui.app import PmemailApp


class WizardStep(Screen[None]):
    """Base class of a wizard step: subclasses give ``STEP`` and ``compose_body``.

    Slow work (network, argon2, starting the server) follows the one idiom
    of the TUI, the dashboard's too:

    * the UI thread reads the form and the config, then starts a thread
      worker with :meth:`run_in_app`, handing it plain values;
    * the worker calls a UI-free function of ``pmemail.app`` (or the cores)
      and reports only by posting messages (:mod:`.messages`): results to
      this step with ``self.post_message(...)``, answers to keep to the app
      with :meth:`keep_answers`. It never queries nor touches a widget;
    * the step's ``on_<message>`` handler updates the widgets. A step that
      was left takes no more messages: late results are dropped.

    (The dashboard, never left, owns its workers: ``@work(thread=True)``.)

    Rows of a :class:`CheckList` are filled by :class:`RowResult`, handled here.
    """

    STEP: ClassVar[str] = "welcome"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pagedown", "next", "Next", show=True, priority=True),
        Binding("pageup", "back", "Back", show=True, priority=True),
    ]
    KEY_TEXTS: ClassVar[dict[str, str]] = {"next": "key.next", "back": "key.back"}

    def __init__(self) -> None:
        super().__init__()
        localize_bindings(self, self.KEY_TEXTS)
        self._pm: PmemailApp | None = None

    @property
    def pm(self) -> PmemailApp:
        """The app, typed (kept: a step that was left has no ``self.app`` any more,
        and its worker still needs the app to keep its answers)."""
        if self._pm is None:
            self._pm = cast("PmemailApp", self.app)
        return self._pm

    @property
    def answers(self) -> dict[str, Any]:
        """What the admin answered in earlier visits of this step."""
        saved: dict[str, Any] = self.pm.wizard.answers.setdefault(self.STEP, {})
        return saved

    def compose(self) -> ComposeResult:
        """Header, step title and progress, the step's body, navigation."""
        position = STEPS.index(self.STEP)
        yield app_header()
        with Vertical(id="wizard"):
            yield Static(
                t(
                    "wizard.step_of",
                    n=position + 1,
                    total=len(STEPS),
                    title=t(f"step.{self.STEP}.title"),
                ),
                id="step-title",
            )
            yield StepProgress(position + 1, len(STEPS), id="step-progress")
            with VerticalScroll(id="step-body"):
                yield from self.compose_body()
            yield Static("", id="step-error")
            with Horizontal(id="nav"):
                yield Button(t("nav.back"), id="back", disabled=position == 0, compact=True)
                yield Button(
                    t("nav.finish") if position == len(STEPS) - 1 else t("nav.next"),
                    id="next",
                    variant="primary",
                    compact=True,
                )
        yield Footer()

    def on_mount(self) -> None:
        """Focus the first field (typing starts at once); steady cursors if asked."""
        _ = self.pm  # kept now, while the step is on screen
        fields = self.query(Input)
        if fields:
            fields.first().focus()
        if not self.pm.CURSOR_BLINK:
            for field in fields:
                field.cursor_blink = False

    def run_in_app(self, job: Callable[..., None], *args: object, group: str) -> None:
        """Run ``job(*args)`` in a thread worker owned by the app, not by this step.

        Textual cancels a screen's workers when the screen goes: a run not
        started yet would then never run, and the admin who leaves a step
        early would lose what it was doing (a half-applied port plan, a
        server start, a user being added). The app's worker runs to its end.
        ``job`` gets what it needs as arguments (read now, on the UI thread)
        and reports only with :meth:`post_message` / :meth:`keep_answers`.
        """
        self.pm.run_worker(functools.partial(job, *args), thread=True, exclusive=True, group=group)

    def keep_answers(self, answers: dict[str, Any], step: str = "") -> None:
        """From a worker thread: have the app store and save answers of this step (or of
        ``step``), shown or not."""
        self.pm.post_message(StepAnswers(step or self.STEP, answers))

    def recheck(self, config: Config, paths: DataPaths) -> None:
        """From a worker thread, after this step changed the truth (ports forwarded, server
        started): run the checks again and keep them as the checks step's latest answers."""
        answers = check_actions.recheck(config, paths, self.STEP)
        if answers is not None:
            self.keep_answers(answers, step="checks")

    def on_row_result(self, message: RowResult) -> None:
        """A worker finished one task of this step's check list."""
        self.query_one(CheckList).set_result(
            message.key,
            message.status,
            message.finding,
            message.details,
            message.advice,
            message.title,
        )

    @staticmethod
    def form_row(label: str, field: Widget) -> Horizontal:
        """A label and its one-line field side by side."""
        return Horizontal(Label(label), field, classes="form-row")

    def compose_body(self) -> Iterable[Widget]:
        """The step's own widgets."""
        return []

    def collect(self) -> dict[str, Any] | None:
        """Validate and return this step's answers; None keeps the admin here."""
        return {}

    def show_error(self, message: str) -> None:
        """A one-line problem under the body (cleared on the next try)."""
        self.query_one("#step-error", Static).update(message)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Back and Next buttons."""
        if event.button.id == "next":
            self.action_next()
        elif event.button.id == "back":
            self.action_back()

    def action_next(self) -> None:
        """Save this step's answers and move on."""
        self.show_error("")
        answers = self.collect()
        if answers is None:
            return
        self.answers.update(answers)
        self.pm.step_done(self.STEP)

    def action_back(self) -> None:
        """Return to the previous step (answers so far are kept)."""
        if STEPS.index(self.STEP) > 0:
            self.pm.step_back()
