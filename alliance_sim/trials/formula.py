"""Model formulas of trial protocols: a small whitelist grammar and the design matrix built from it.

A protocol's regression model may be written as a formula such as
``"gpe ~ wai_patient + C(arm)"``. Formulas come from files that people share,
so they are never given to patsy or statsmodels' formula interface, which
evaluate Python (``I(__import__('os').system(...))`` runs a command). They are
read by this module's own grammar, which knows only column names::

    formula := column "~" terms
    terms   := product ("+" product)*
    product := part ("*" part)*          a*b = a + b + a:b
    part    := factor (":" factor)*      a:b = the product of a and b (interaction)
    factor  := column | "C(" column ")"  C(x) = x as a category

where ``column`` is one of :data:`~alliance_sim.trials.columns.PROTOCOL_COLUMNS`
(``C(...)`` only around ``arm`` and the yes/no columns; ``arm`` only inside
``C(...)``). Nothing else is read: no other calls, no attribute access, no
numbers, no strings, no brackets besides ``C(...)``, no keywords. Every model
has an intercept.

The design matrix is then built here with numpy, and the model is fitted with
statsmodels' array interface (``sm.OLS(y, X)``); patsy is not called at all.
The columns, their names and their coding are the ones patsy would give the
same formula (treatment coding against the first level in sorted order,
terms grouped by their numeric factors, categorical factors coded full-rank
only where a lower-order term does not already span them — patsy's rules,
re-implemented from its documented algorithm), so the built-in protocols'
results are unchanged to the last digit; a test compares the two matrices on
trusted constant formulas.
"""

from __future__ import annotations

import itertools
import keyword
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alliance_sim.core.errors import AllianceSimError
from alliance_sim.trials.columns import ARM, CATEGORICAL_COLUMNS, PROTOCOL_COLUMNS

__all__ = [
    "ALLOWED",
    "MAX_COLUMNS",
    "MAX_FORMULA_LENGTH",
    "MAX_TERMS",
    "Design",
    "Factor",
    "FormulaError",
    "Term",
    "formula_text",
    "interact",
    "parse_formula",
    "parse_outcome",
    "parse_terms",
    "terms_text",
    "unique_terms",
]

MAX_FORMULA_LENGTH = 1000
"""The longest formula (characters) a protocol may write."""
MAX_TERMS = 64
"""The most terms a formula may expand to (``a*b*c`` is 7 terms)."""
MAX_COLUMNS = 200
"""The most columns a model's design matrix may have."""

ALLOWED = (
    "'outcome ~ term + term ...' with patient columns only: a term is a column, C(arm) or "
    "C(a yes/no column), or terms joined by ':' (their interaction) or '*' (both and their "
    "interaction)"
)
"""What a formula may hold, for messages."""


class FormulaError(AllianceSimError):
    """A formula outside the grammar; the message says why (the caller names the file and key)."""


def _refuse(why: str) -> FormulaError:
    return FormulaError(f"{why}; allowed is {ALLOWED}")


@dataclass(frozen=True)
class Factor:
    """One column in a model term: a number, or a category (``C(column)``)."""

    column: str
    categorical: bool = False

    def __str__(self) -> str:
        return f"C({self.column})" if self.categorical else self.column


Term = tuple[Factor, ...]
"""A model term: the product of its factors (one factor = a main effect); () is the intercept."""


# --- reading ------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:([A-Za-z_][A-Za-z0-9_]*)|(.))", re.S)
_OPERATORS = frozenset("~+*:()")


def _tokens(text: str) -> list[str]:
    """The names and operators of ``text``; anything else is refused, saying what it is."""
    out: list[str] = []
    for match in _TOKEN.finditer(text):
        name, char = match.groups()
        if name is not None:
            if keyword.iskeyword(name) or keyword.issoftkeyword(name):
                raise _refuse(f"the Python keyword {name!r} is not part of a formula")
            out.append(name)
        elif char is not None and char in _OPERATORS:
            if char == "(" and out and out[-1] not in _OPERATORS and out[-1] != "C":
                raise _refuse(f"a call to {out[-1]}() is not part of a formula; only C(column)")
            out.append(char)
        elif char is not None and not char.isspace():
            raise _refuse(_what(char, text, match.start(2)))
    return out


def _what(char: str, text: str, at: int) -> str:
    if char.isdigit() or (char == "." and text[at + 1 : at + 2].isdigit()):
        return "numbers are not part of a formula"
    if char == "-":
        return "'-' (removing a term or the intercept) is not part of a formula"
    if char == ".":
        return "attribute access ('.') is not part of a formula"
    if char in "'\"":
        return "strings are not part of a formula"
    if char in "[]{}":
        return f"brackets ({char!r}) are not part of a formula except in C(column)"
    return f"the character {char!r} (position {at + 1}) is not part of a formula"


def _column_list() -> str:
    return "C(arm), " + ", ".join(c for c in PROTOCOL_COLUMNS if c != ARM)


class _Reader:
    """Reads terms from tokens, left to right (no nesting: brackets only in C(column))."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str | None:
        token = self.peek()
        self.at += 1
        return token

    def column(self, token: str | None, wrapped: bool) -> str:
        if token is None or token in _OPERATORS:
            shown = "the end" if token is None else repr(token)
            raise _refuse(f"a column name is expected where the formula has {shown}")
        if token not in PROTOCOL_COLUMNS:
            raise FormulaError(f"unknown column {token!r}; the columns are {_column_list()}")
        if wrapped and token not in CATEGORICAL_COLUMNS:
            raise FormulaError(
                f"C({token}): {token} is a number, and C() holds a category: "
                + ", ".join(CATEGORICAL_COLUMNS)
            )
        if not wrapped and token == ARM:
            raise FormulaError("arm is a category: write C(arm)")
        return token

    def factor(self) -> Factor:
        token = self.take()
        if token == "(" or token == ")":
            raise _refuse("brackets are not part of a formula except in C(column)")
        if token is not None and token not in _OPERATORS and self.peek() == "(":
            if token != "C":
                raise _refuse(f"a call to {token}() is not part of a formula; only C(column)")
            self.take()
            name = self.column(self.take(), wrapped=True)
            if self.take() != ")":
                raise _refuse(f"C({name} is not closed: write C({name})")
            return Factor(name, categorical=True)
        return Factor(self.column(token, wrapped=False))

    def part(self) -> list[Term]:
        terms: list[Term] = [(self.factor(),)]
        while self.peek() == ":":
            self.take()
            terms = interact(terms, [(self.factor(),)])
        return terms

    def product(self) -> list[Term]:
        terms = self.part()
        while self.peek() == "*":
            self.take()
            right = self.part()
            _check_size(len(terms) + len(right) + len(terms) * len(right))
            terms = unique_terms([*terms, *right, *interact(terms, right)])
        return terms

    def terms(self) -> list[Term]:
        terms = self.product()
        while self.peek() == "+":
            self.take()
            terms = unique_terms([*terms, *self.product()])
            _check_size(len(terms))
        token = self.peek()
        if token is not None:
            raise _refuse(f"{token!r} cannot follow a term; terms are joined by +, : or *")
        return terms


def _check_size(n_terms: int) -> None:
    if n_terms > MAX_TERMS:
        raise FormulaError(f"the formula expands to more than {MAX_TERMS} terms")


def unique_terms(terms: Sequence[Term]) -> list[Term]:
    """``terms`` without repeats (a:b and b:a are the same term), first occurrence kept."""
    seen: set[frozenset[Factor]] = set()
    out = []
    for term in terms:
        if frozenset(term) not in seen:
            seen.add(frozenset(term))
            out.append(term)
    return out


def interact(left: Sequence[Term], right: Sequence[Term]) -> list[Term]:
    """Every term of ``left`` times every term of ``right`` (``:``), repeats removed."""
    return unique_terms([tuple(dict.fromkeys((*a, *b))) for a in left for b in right])


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise FormulaError("a formula or a term is a string")
    if len(text) > MAX_FORMULA_LENGTH:
        raise FormulaError(f"a formula has at most {MAX_FORMULA_LENGTH} characters")
    return text


def parse_terms(text: str) -> tuple[Term, ...]:
    """The terms of a right-hand side such as ``"wai_patient + C(arm)"`` (no intercept term).

    Raises:
        FormulaError: saying what is not part of the grammar.
    """
    tokens = _tokens(_check_text(text))
    if not tokens:
        raise _refuse("there are no terms")
    if "~" in tokens:
        raise _refuse("'~' separates the outcome from the terms of a whole formula")
    return tuple(_Reader(tokens).terms())


def parse_outcome(text: str) -> str:
    """The outcome column ``text`` names (a patient column, not ``arm``).

    Raises:
        FormulaError: for anything but one known patient column.
    """
    if not isinstance(text, str):
        raise FormulaError("an outcome is a column name")
    if text == ARM:
        raise FormulaError("the outcome is a patient column, not arm")
    if text not in PROTOCOL_COLUMNS:
        shown = text if len(text) <= 60 else text[:59] + "…"
        raise FormulaError(
            f"unknown column {shown!r}; the columns are "
            + ", ".join(c for c in PROTOCOL_COLUMNS if c != ARM)
        )
    return text


def parse_formula(text: str) -> tuple[str, tuple[Term, ...]]:
    """The outcome and the terms of ``"outcome ~ terms"``.

    Raises:
        FormulaError: saying what is not part of the grammar.
    """
    tokens = _tokens(_check_text(text))
    if tokens.count("~") != 1:
        raise _refuse("a formula has exactly one '~'")
    split = tokens.index("~")
    if split != 1 or tokens[0] in _OPERATORS:
        raise _refuse("the left of '~' is one outcome column")
    if split + 1 == len(tokens):
        raise _refuse("there are no terms after '~'")
    return parse_outcome(tokens[0]), tuple(_Reader(tokens[split + 1 :]).terms())


def _term_text(term: Term) -> str:
    return ":".join(str(factor) for factor in term)


def terms_text(terms: Sequence[Term]) -> str:
    """The terms written back in the grammar (``a + b + a:b``), from column names only."""
    return " + ".join(_term_text(term) for term in terms)


def formula_text(outcome: str, terms: Sequence[Term]) -> str:
    """``outcome ~ terms``, written back from the parsed columns (never the user's text)."""
    return f"{outcome} ~ {terms_text(terms)}"


# --- the design matrix --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Subterm:
    """One block of columns: the term's factors, categorical ones coded full (True) or reduced."""

    factors: Term
    full: Mapping[Factor, bool]


def _subsets(factors: Sequence[Factor]) -> Iterator[tuple[Factor, ...]]:
    """Every subset of ``factors``: shorter first, then in the order of the factors."""
    for size in range(len(factors) + 1):
        yield from itertools.combinations(factors, size)


def _codings(term: Term, used: set[frozenset[tuple[Factor, bool]]]) -> list[dict[Factor, bool]]:
    """How each categorical factor of ``term`` is coded so that no column repeats another's span.

    Patsy's rule (``pick_contrasts_for_term``): the term's categorical part is
    expanded into all its sub-interactions, those already spanned by earlier
    terms of the same numeric group are dropped, and the rest are merged
    greedily (``a-`` and ``a-:b-`` make ``a-:b+``, a ``+`` factor being coded
    full-rank).
    """
    categorical = [f for f in term if f.categorical]
    subterms: list[frozenset[tuple[Factor, bool]]] = []
    for subset in _subsets(categorical):
        subterm = frozenset((f, False) for f in subset)
        if subterm not in used:
            subterms.append(subterm)
    used.update(subterms)
    merged = True
    while merged:
        merged = False
        for i, short in enumerate(subterms):
            for j in range(i + 1, len(subterms)):
                long = subterms[j]
                if len(long) - len(short) == 1 and long >= short:
                    ((factor, _),) = long - short
                    subterms[j] = short | {(factor, True)}
                    subterms.pop(i)
                    merged = True
                    break
            if merged:
                break
    return [dict(subterm) for subterm in subterms]


def _order(terms: Sequence[Term]) -> list[tuple[Term, list[dict[Factor, bool]]]]:
    """The terms in column order with their codings (patsy's ``_make_subterm_infos``).

    Terms are grouped by the set of numeric factors they hold (the group
    without numeric factors first, then in order of appearance); within a
    group, lower-order terms come first.
    """
    groups: dict[frozenset[Factor], list[Term]] = {}
    for term in terms:
        groups.setdefault(frozenset(f for f in term if not f.categorical), []).append(term)
    keys = list(groups)
    if frozenset() in groups:
        keys.remove(frozenset())
        keys.insert(0, frozenset())
    out = []
    for key in keys:
        used: set[frozenset[tuple[Factor, bool]]] = set()
        for term in sorted(groups[key], key=len):
            out.append((term, _codings(term, used)))
    return out


class Design:
    """The design matrix of a model: an intercept and the columns of its terms.

    Args:
        terms: the model's terms (without the intercept, which is always first).
        levels: the levels of each categorical column the terms use, in the
            order their dummies are made (the first is the reference).
    """

    def __init__(self, terms: Sequence[Term], levels: Mapping[str, Sequence[object]]) -> None:
        self.levels = {
            f.column: tuple(levels[f.column]) for term in terms for f in term if f.categorical
        }
        blocks: list[_Subterm] = []
        for term, codings in _order(unique_terms([(), *terms])):
            for coding in codings:
                factors = tuple(f for f in term if not f.categorical or f in coding)
                blocks.append(_Subterm(factors, coding))
        size = sum(
            math.prod(len(self._levels_of(f, full)) for f, full in block.full.items())
            for block in blocks
        )
        if size > MAX_COLUMNS:
            raise FormulaError(
                f"the model has {size} columns (categories multiply them); at most {MAX_COLUMNS}"
            )
        self._blocks = blocks
        self.columns: tuple[str, ...] = tuple(
            name for block in blocks for name, _ in self._block_columns(block)
        )
        """The column names, as patsy would name them (``Intercept``, ``C(arm)[T.B]``, ``a:b``)."""

    def _levels_of(self, factor: Factor, full: bool) -> tuple[object, ...]:
        levels = self.levels[factor.column]
        return levels if full else levels[1:]

    def _block_columns(self, block: _Subterm) -> list[tuple[str, tuple[object, ...]]]:
        """Each column of ``block``: its name and, per factor, the level it picks (None: numeric).

        The leftmost factor varies fastest, as in patsy (and R).
        """
        choices: list[list[tuple[str, object]]] = []
        for f in block.factors:
            if f.categorical:
                full = block.full[f]
                choices.append(
                    [
                        (f"{f}[{'' if full else 'T.'}{level}]", level)
                        for level in self._levels_of(f, full)
                    ]
                )
            else:
                choices.append([(str(f), None)])
        out = []
        for combo in itertools.product(*reversed(choices)):
            combo = combo[::-1]
            name = ":".join(piece for piece, _ in combo) or "Intercept"
            out.append((name, tuple(level for _, level in combo)))
        return out

    @property
    def factors(self) -> tuple[Factor, ...]:
        """Every factor the design uses, once."""
        return tuple(dict.fromkeys(f for block in self._blocks for f in block.factors))

    def matrix(self, data: pd.DataFrame) -> np.ndarray:
        """The design matrix of ``data``'s rows (which must have no missing value in the factors).

        Raises:
            AllianceSimError: for a category value that is not one of the declared levels.
        """
        values: dict[Factor, np.ndarray] = {}
        for f in self.factors:
            column = data[f.column]
            if f.categorical:
                codes = {level: i for i, level in enumerate(self.levels[f.column])}
                unknown = set(pd.unique(column)) - set(codes)
                if unknown:
                    raise AllianceSimError(
                        f"{f.column} holds {sorted(map(str, unknown))}, not among the levels "
                        + ", ".join(map(str, self.levels[f.column]))
                    )
                values[f] = np.fromiter((codes[v] for v in column), dtype=np.int64)
            else:
                values[f] = column.to_numpy(dtype=float, na_value=np.nan)
        out = np.ones((len(data), len(self.columns)))
        i = 0
        for block in self._blocks:
            for _, picks in self._block_columns(block):
                # the same order of products as patsy, so the numbers are the same to the bit
                for f, level in zip(block.factors, picks, strict=True):
                    if f.categorical:
                        index = self.levels[f.column].index(level)
                        out[:, i] *= (values[f] == index).astype(float)
                    else:
                        out[:, i] *= values[f]
                i += 1
        return out
