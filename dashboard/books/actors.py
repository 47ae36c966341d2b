"""The actor book: canonical names, aliases, the parent chain and coalitions (dashboard/data/actors.csv).

Users filter by one actor, an actor with its sub-units (Quds Force is part of the IRGC), or a whole
side; imported datasets map their own actor names onto ours through the aliases, and through the
datasets' standard names in dashboard/data/actor_names.csv ("Islamic State (Syria)" is ACLED's ISIS,
"Syrian insurgents" UCDP's rebels), each with the source of its spelling.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, field_validator

from dashboard import DATA_DIR
from dashboard.model.problems import Problem, read_model_rows
from dashboard.model.schema import first_actor, split_actors
from dashboard.model.text import fold

DEFAULT_ACTORS = DATA_DIR / "actors.csv"
DEFAULT_NAMES = DATA_DIR / "actor_names.csv"
NAMES_FILE = "actor_names.csv"
# A whole side in an actor selection (the filter, a link's actors, ``snapshot --actor``) is
# ``coalition:NAME``; these helpers are the only code that knows how that is spelled.
COALITION_PREFIX = "coalition:"
NO_COALITION = "unaffiliated"


def coalition_key(side: str) -> str:
    """The selection entry that stands for every actor of ``side``."""
    return f"{COALITION_PREFIX}{side}"


def side_of(item: str) -> str | None:
    """The side a selection entry names, or None when it names an actor."""
    return item[len(COALITION_PREFIX):] if item.startswith(COALITION_PREFIX) else None


def selection_label(item: str, *, side: str = "Side: ") -> str:
    """A selection entry for people: an actor as it is, a side behind ``side`` ("Side: Kurdish forces")."""
    found = side_of(item)
    return item if found is None else f"{side}{found}"


class ActorRow(BaseModel):
    """One row of actors.csv, as validated on load."""

    name: str
    aliases: str = ""
    parent: str = ""
    coalition: str = ""
    kind: str = ""

    @field_validator("name")
    @classmethod
    def _name_present(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("an actor needs a name")
        return value.strip()


class ActorNameRow(BaseModel):
    """One row of actor_names.csv: a dataset's name for an actor of the book, and its source."""

    name: str
    actor: str
    dataset: str
    source: str

    @field_validator("name", "actor", "dataset", "source")
    @classmethod
    def _present(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("required")
        return value.strip()


@dataclass
class ActorBook:
    """Actors by canonical name, with lookups by any alias."""

    rows: dict[str, ActorRow] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    names: dict[str, list[ActorNameRow]] = field(default_factory=dict)  # by folded name
    _by_key: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path = DEFAULT_ACTORS, *,
             names: str | Path | None = None) -> ActorBook:
        """Read actors.csv and the datasets' names for its actors (``names``; by default the
        actor_names.csv beside it, else the bundled one); bad rows are reported with their line
        and left out."""
        book = cls()
        path = Path(path)
        rows, book.problems = read_model_rows(path, ActorRow)
        for actor in rows:
            book.add(actor)
        for actor in book.rows.values():
            if actor.parent and actor.parent not in book.rows:
                book.problems.append(
                    Problem(path.name, None, "parent", f"{actor.name}: unknown parent", actor.parent)
                )
        if names is None:
            names = path.parent / NAMES_FILE if (path.parent / NAMES_FILE).exists() else DEFAULT_NAMES
        book.add_dataset_names(Path(names))
        return book

    def add_dataset_names(self, path: Path) -> None:
        """The datasets' names of actors (actor_names.csv). A name for an actor the book lacks,
        or one that an alias already gives to another actor, is reported and not used."""
        rows, problems = read_model_rows(path, ActorNameRow)
        self.problems += problems
        for row in rows:
            key = fold(row.name)
            known = self._by_key.get(key)
            if row.actor not in self.rows:
                self.problems.append(Problem(path.name, None, "actor", f"{row.name}: not an "
                                             "actor in the actor book", row.actor))
            elif known is not None and known != row.actor:
                self.problems.append(Problem(path.name, None, "name", f"{row.name}: already an "
                                             f"alias of {known}, not of {row.actor}", row.name))
            else:
                self._by_key[key] = row.actor
                self.names.setdefault(key, []).append(row)

    def source_of(self, name: str) -> str:
        """Where a dataset's spelling of a name comes from ("" for the book's own names)."""
        return "; ".join(f"{row.dataset}: {row.source}" for row in self.names.get(fold(name), []))

    def add(self, actor: ActorRow) -> None:
        """Register an actor and its aliases."""
        self.rows[actor.name] = actor
        self._by_key[fold(actor.name)] = actor.name
        for alias in split_actors(actor.aliases):
            self._by_key.setdefault(fold(alias), actor.name)

    def canonical(self, name: str) -> str | None:
        """The canonical name for a name or alias, or None when the book does not know it."""
        return self._by_key.get(fold(name))

    def alias_map(self) -> dict[str, str]:
        """Folded alias -> canonical name, for the importers."""
        return dict(self._by_key)

    def coalition_of(self, name: str) -> str:
        """The actor's coalition, inherited from its parents when it has none of its own."""
        seen: set[str] = set()
        current = self.rows.get(name)
        while current is not None and current.name not in seen:
            if current.coalition:
                return current.coalition
            seen.add(current.name)
            current = self.rows.get(current.parent)
        return NO_COALITION

    def lead_coalition(self, actors: str) -> str:
        """The coalition of an event's first actor (``actors`` as in the "actors" column): the side
        its marker and the legend are coloured by."""
        return self.coalition_of(first_actor(actors))

    def coalitions(self) -> list[str]:
        """Every coalition named in the book, sorted."""
        return sorted({self.coalition_of(name) for name in self.rows} - {NO_COALITION})

    def coalition_keys(self) -> list[str]:
        """A selection entry for every coalition in the book (``coalition_key``), sorted by side."""
        return [coalition_key(side) for side in self.coalitions()]

    def children(self, name: str) -> list[str]:
        """Direct sub-units of an actor."""
        return sorted(a.name for a in self.rows.values() if a.parent == name)

    def with_subunits(self, name: str) -> set[str]:
        """The actor and everything under it (IRGC -> Quds Force, Basij, ...)."""
        found = {name}
        frontier = [name]
        while frontier:
            for child in self.children(frontier.pop()):
                if child not in found:
                    found.add(child)
                    frontier.append(child)
        return found

    def expand(self, selection: Iterable[str], *, known: Iterable[str] = ()) -> set[str]:
        """Actor names matched by a selection of actors and ``coalition:NAME`` entries.

        ``known`` are the actor names present in the data: for a coalition, those of them the book
        places in it are included as well as the book's own members.
        """
        names: set[str] = set()
        known = list(known)
        for item in selection:
            side = side_of(item)
            if side is not None:
                pool = set(self.rows) | set(known)
                names |= {n for n in pool if self.coalition_of(self.canonical(n) or n) == side}
            else:
                names |= self.with_subunits(self.canonical(item) or item)
        return names
