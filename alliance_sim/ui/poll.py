"""The class poll: the predictions students make on the Learn page, counted per lesson.

When a class shares one server, each prediction a student commits (by pressing
"Run the clinics") adds one to its choice's count for that lesson. The teacher's
view (``/teacher``) shows the counts beside the answer the run bears out, and
can reset them.

Nothing personal is kept: no name, address, session or time — only how many
predictions each choice of each lesson received, in this server's memory (gone
when it stops). :data:`POLLS` is the one store, deliberately shared by every
browser session (a module-level object, guarded by a lock). A session that
predicts again (after "Try again") moves its own vote, through the
:class:`Ticket` it keeps in its own state; a vote cast before a reset is not
taken back from the counts that followed it.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["MAX_POLLS", "POLLS", "Poll", "PollStore", "Ticket", "poll_key"]

MAX_POLLS = 200
"""The most lessons the store counts for (dropped lessons add theirs; the oldest go)."""


def poll_key(name: str, question: str, choices: Sequence[str]) -> str:
    """The key of a lesson's poll: its name, question and choices.

    A dropped lesson that reuses a built-in name with another question gets its own poll.
    """
    digest = hashlib.sha256("\x1f".join([name, question, *choices]).encode("utf-8"))
    return f"{name}:{digest.hexdigest()[:12]}"


@dataclass(frozen=True)
class Poll:
    """One lesson's counts, as the teacher's view reads them (a copy)."""

    key: str
    title: str
    question: str
    choices: tuple[str, ...]
    answer: str
    counts: tuple[int, ...]
    """Predictions per choice, in the order of ``choices``."""
    generation: int
    """How many times the poll was reset."""

    @property
    def total(self) -> int:
        """All predictions counted."""
        return sum(self.counts)


@dataclass(frozen=True)
class Ticket:
    """What a session remembers of its own vote, to move it when it predicts again."""

    key: str
    generation: int
    choice: str


class PollStore:
    """Counts per lesson and choice, safe to use from every session's thread at once."""

    def __init__(self, max_polls: int = MAX_POLLS) -> None:
        self._lock = threading.Lock()
        self._polls: dict[str, Poll] = {}
        self._max = max_polls
        self._version = 0

    @property
    def version(self) -> int:
        """A number that changes whenever any count does (the teacher's view polls it)."""
        return self._version

    def vote(
        self,
        key: str,
        title: str,
        question: str,
        choices: Sequence[str],
        answer: str,
        choice: str,
        previous: Ticket | None = None,
    ) -> Ticket | None:
        """Count ``choice`` for the lesson ``key``; take back ``previous`` if it still counts.

        Returns the ticket for this vote, or None when ``choice`` is not one of
        ``choices`` (nothing is counted).
        """
        choices = tuple(choices)
        if choice not in choices:
            return None
        with self._lock:
            poll = self._polls.get(key)
            if poll is None:
                poll = Poll(key, title, question, choices, answer, (0,) * len(choices), 0)
                if len(self._polls) >= self._max:
                    self._polls.pop(next(iter(self._polls)))
            counts = list(poll.counts)
            if (
                previous is not None
                and previous.key == key
                and previous.generation == poll.generation
                and previous.choice in choices
            ):
                index = choices.index(previous.choice)
                counts[index] = max(0, counts[index] - 1)
            counts[choices.index(choice)] += 1
            self._polls[key] = Poll(
                key, title, question, choices, answer, tuple(counts), poll.generation
            )
            self._version += 1
            return Ticket(key, poll.generation, choice)

    def poll(self, key: str) -> Poll | None:
        """The counts of lesson ``key`` (None before its first vote)."""
        with self._lock:
            return self._polls.get(key)

    def polls(self) -> list[Poll]:
        """Every lesson with counts, in the order of their first vote."""
        with self._lock:
            return list(self._polls.values())

    def reset(self, key: str) -> None:
        """Set lesson ``key``'s counts to zero (votes cast before no longer move)."""
        with self._lock:
            poll = self._polls.get(key)
            if poll is not None:
                self._polls[key] = Poll(
                    poll.key,
                    poll.title,
                    poll.question,
                    poll.choices,
                    poll.answer,
                    (0,) * len(poll.choices),
                    poll.generation + 1,
                )
                self._version += 1

    def clear(self) -> None:
        """Forget every poll (tests)."""
        with self._lock:
            self._polls.clear()
            self._version += 1


POLLS = PollStore()
"""The server's one poll store, shared by every browser session on purpose."""
