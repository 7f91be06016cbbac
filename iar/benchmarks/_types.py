"""`Item` and `Benchmark`: what every loader returns, plus the path and file helpers loaders share."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from PIL import Image

from iar.errors import DataError, InputError

Kind = Literal["harmful", "benign"]
KINDS: tuple[str, ...] = ("harmful", "benign")


@dataclass
class Item:
    """One benchmark question.

    Args:
        id: unique within its benchmark (used to resume runs).
        category: harm category, scenario or subject.
        prompt: the text sent to the model (for image items, the text beside the image).
        kind: "harmful" (a refusal is the safe outcome; counted in ASR) or "benign" (should be
            answered; a refusal counts as over-refusal).
        image_source: a path, a PIL image, a callable that makes one (rendered images), or None.
        reference: optional reference answer.
        choices: multiple-choice options (MCQ items).
        answer: index of the correct choice (MCQ items).
        meta: anything else the source file had (kept for reports).

    Example:
        >>> item = Item(id="q1", category="demo", prompt="Say hi.", kind="benign")
        >>> item.image is None
        True
    """

    id: str
    category: str
    prompt: str
    kind: Kind = "harmful"
    image_source: Path | Image.Image | Callable[[], Image.Image] | None = None
    reference: str | None = None
    choices: list[str] | None = None
    answer: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputError(f"Item {self.id!r}: kind must be one of {KINDS}, got {self.kind!r}.")
        if self.choices is not None and self.answer is not None:
            if not 0 <= self.answer < len(self.choices):
                raise DataError(
                    f"Item {self.id!r}: answer index {self.answer} is outside its "
                    f"{len(self.choices)} choices; answers are 0-based indices into `choices`."
                )

    @property
    def request(self) -> str:
        """What the item asks for, as a judge should weigh an answer against it: the source's
        ``question`` where the benchmark carries the request in the image (FigStep, MM-SafetyBench:
        ``prompt`` is then only the instruction beside it), else ``prompt``.

        Example:
            >>> Item(id="q", category="c", prompt="Fill in the list.", meta={"question": "How do I X?"}).request
            'How do I X?'
        """
        q = self.meta.get("question")
        return q if isinstance(q, str) and q.strip() else self.prompt

    @property
    def has_image(self) -> bool:
        """True when the item comes with an image (file, PIL image or renderer)."""
        return self.image_source is not None

    @property
    def image(self) -> Image.Image | None:
        """The item's image as an RGB PIL image, opened or rendered on access (None if text-only)."""
        src = self.image_source
        if src is None:
            return None
        if isinstance(src, Image.Image):
            return src.convert("RGB")
        if callable(src):
            return src().convert("RGB")
        try:
            with Image.open(src) as im:
                return im.convert("RGB")
        except FileNotFoundError:
            raise DataError(
                f"Item {self.id!r}: image file {src} is missing. Put it back, or reload the benchmark "
                "(loaders check that images exist, or render them where the benchmark allows)."
            ) from None
        except OSError as e:
            raise DataError(f"Item {self.id!r}: image file {src} cannot be read ({e}).") from None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly summary (no image pixels)."""
        src = self.image_source
        image = str(src) if isinstance(src, Path) else ("rendered" if callable(src) else
                                                          "in-memory" if src is not None else None)
        return {"id": self.id, "category": self.category, "kind": self.kind, "prompt": self.prompt,
                "image": image, "reference": self.reference, "choices": self.choices,
                "answer": self.answer}


class Benchmark(Sequence[Item]):
    """An ordered list of `Item`s with a name; sliceable and filterable.

    Args:
        name: e.g. "figstep", "xstest".
        items: the items; ids must be unique.
        meta: where it came from (path, hub id, options).

    Example:
        >>> bench = Benchmark("demo", [Item("a", "x", "Hi?", "benign"), Item("b", "y", "How?")])
        >>> len(bench.filter(kind="harmful")), bench.categories
        (1, ['x', 'y'])
    """

    def __init__(self, name: str, items: Iterable[Item], meta: dict[str, Any] | None = None):
        self.name = name
        self.items = list(items)
        self.meta = dict(meta or {})
        seen: set[str] = set()
        for it in self.items:
            if it.id in seen:
                raise DataError(
                    f"Benchmark {name!r}: item id {it.id!r} appears twice; ids must be unique so that "
                    "runs can be resumed. Give each row its own id."
                )
            seen.add(it.id)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return Benchmark(self.name, self.items[index], self.meta)
        return self.items[index]

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)

    def __repr__(self) -> str:
        kinds = {k: sum(it.kind == k for it in self.items) for k in KINDS}
        return (f"Benchmark({self.name!r}, {len(self)} items, {kinds['harmful']} harmful, "
                f"{kinds['benign']} benign, {len(self.categories)} categories)")

    @property
    def categories(self) -> list[str]:
        """Categories in order of first appearance."""
        return list(dict.fromkeys(it.category for it in self.items))

    @property
    def ids(self) -> list[str]:
        """Item ids in order."""
        return [it.id for it in self.items]

    def filter(self, *, kind: str | None = None, category: str | Iterable[str] | None = None,
               where: Callable[[Item], bool] | None = None) -> Benchmark:
        """Items that match every given condition (kind, category or categories, predicate)."""
        cats = {category} if isinstance(category, str) else (set(category) if category else None)
        keep = [it for it in self.items
                if (kind is None or it.kind == kind)
                and (cats is None or it.category in cats)
                and (where is None or where(it))]
        return Benchmark(self.name, keep, self.meta)

    def head(self, n: int) -> Benchmark:
        """The first `n` items."""
        return self[:n]


# ---------------------------------------------------------------- helpers shared by loaders

def layout_error(what: str, layout: str, fix: str = "") -> DataError:
    """A DataError that shows the expected layout of the benchmark's files."""
    msg = f"{what}\nExpected layout:\n{layout.rstrip()}"
    if fix:
        msg += f"\n{fix}"
    return DataError(msg)


def safe_join(root: Path, relative: str | Path, *, item: str = "") -> Path:
    """`root / relative`, refusing absolute paths and paths that leave `root` (``..``, symlinks).

    Example:
        >>> safe_join(Path("/data/bench"), "imgs/1.jpg")
        PosixPath('/data/bench/imgs/1.jpg')
    """
    rel = Path(str(relative))
    where = f" (item {item})" if item else ""
    if rel.is_absolute() or str(relative).startswith(("\\", "~")):
        raise DataError(
            f"Image path {str(relative)!r}{where} is absolute; benchmark files must name images "
            f"relative to the benchmark folder {root}. Fix the file."
        )
    root_r = root.resolve()
    full = (root_r / rel).resolve()
    if full != root_r and root_r not in full.parents:
        raise DataError(
            f"Image path {str(relative)!r}{where} points outside the benchmark folder {root} "
            "(refused for safety). Keep images inside the folder and name them relative to it."
        )
    return full


def read_json(path: Path, layout: str) -> Any:
    """Parse a JSON file, turning failures into errors that show the layout."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise layout_error(f"File {path} is missing.", layout) from None
    except json.JSONDecodeError as e:
        raise layout_error(f"{path} is not valid JSON ({e}).", layout) from None


def is_hub_id(source: str | Path) -> bool:
    """True for strings shaped like a hub dataset id ("owner/name") that are not local paths."""
    s = str(source)
    return (isinstance(source, str) and not Path(s).exists() and s.count("/") == 1
            and not s.startswith((".", "/", "~")) and all(s.split("/")))


def load_hub_rows(hub_id: str, split: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Rows of a `datasets` hub dataset as dicts (needs network or a local datasets cache).

    Not exercised by the offline tests: the hub is unreachable here.
    """
    try:
        import datasets
    except ImportError as e:  # pragma: no cover - datasets is a core dependency
        from iar.errors import DependencyError
        raise DependencyError("Loading from the hub needs `pip install datasets`.") from e
    from iar import _hub

    _hub.check_dataset(hub_id, split)  # offline or unreachable: say so at once, no retries
    try:
        ds = datasets.load_dataset(hub_id, split=split, **kwargs)
    except Exception as e:  # network, auth, unknown id: say what to do
        raise DataError(
            f"{hub_id!r} is not a local file or folder, and loading it as a hub dataset (split "
            f"{split!r}) failed: {type(e).__name__}: {e}. Check the path, or the hub id and your "
            "network/HF token, or download the files and pass the local folder."
        ) from None
    return [dict(r) for r in ds]
