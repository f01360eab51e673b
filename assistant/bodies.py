"""Body (机关) names: one name per body, whatever its reports call it, and one report however many files hold it.

Reports name their body differently from year to year ("洪泽区人民政府" one year, "淮安市洪泽区人民政府" the
next). A name is merged into a longer one that is the same name with its parent region in front, when only one
such longer name (or one chain of them) is known; two different parents ("南京市鼓楼区…", "福州市鼓楼区…") leave
the short name alone. Users correct and extend this in an alias table in the data folder, one line per name,
"别名 = 规范名称" (a line with the same name on both sides keeps that name from being merged). Stored reports
keep the name they print; the corpus shows and filters by the merged name, so an edit of the table takes effect
at once, without re-indexing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .cells import Number
from .errors import InputError
from .tables import Tables

ALIAS_FILE = "aliases.txt"
ALIAS_HEADER = (
    "# 机关名称对照表：每行一个“别名 = 规范名称”；两边相同表示该名称不与其他名称自动合并。以 # 开头的行是说明。\n"
)
MAX_ALIAS_LINES = 5000
# a parent region put in front of a body's name: 淮安市, 江苏省淮安市, 黔东南苗族侗族自治州, 锡林郭勒盟
_REGION = re.compile(r"[\u4e00-\u9fff]{1,20}?(?:省|市|自治区|自治州|地区|州|盟|县|区|旗)")
_REGION_ENDS = frozenset("省市区州盟县旗")
_SEPARATORS = re.compile(r"\s*(?:=|＝|→|->|=>)\s*")


def parse_aliases(text: str) -> dict[str, str]:
    """The alias table's lines as {别名: 规范名称}; a line that is not "别名 = 规范名称" is refused by number."""
    aliases: dict[str, str] = {}
    lines = text.splitlines()
    if len(lines) > MAX_ALIAS_LINES:
        raise InputError(f"机关名称对照表最多 {MAX_ALIAS_LINES} 行，现有 {len(lines)} 行。")
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = _SEPARATORS.split(line)
        if len(parts) != 2 or not all(p.strip() for p in parts):
            raise InputError(f"机关名称对照表第 {number} 行应写成“别名 = 规范名称”：{line[:60]}")
        alias, name = (" ".join(p.split()) for p in parts)
        if aliases.get(alias, name) != name:
            raise InputError(f"机关名称对照表第 {number} 行：“{alias}”已对应“{aliases[alias]}”，不能再对应“{name}”。")
        aliases[alias] = name
    for alias in aliases:
        seen = [alias]
        while (nxt := aliases.get(seen[-1], seen[-1])) != seen[-1]:
            if nxt in seen:
                raise InputError(f"机关名称对照表中的名称互相对应，形成循环：{' → '.join([*seen, nxt])}。")
            seen.append(nxt)
    return aliases


def alias_path(folder: Path) -> Path:
    return folder / ALIAS_FILE


def alias_text(folder: Path) -> str:
    """The alias table as its file holds it (the header alone when there is none yet)."""
    path = alias_path(folder)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ALIAS_HEADER
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"无法读取机关名称对照表 {path.name}：{exc}") from exc


def save_aliases(folder: Path, text: str) -> dict[str, str]:
    """Check and save the alias table (written to a temporary file and renamed: a failed save keeps the old)."""
    aliases = parse_aliases(text)
    text = text if text.strip() else ALIAS_HEADER  # an emptied table keeps its instructions
    path = alias_path(folder)
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        raise InputError(f"无法保存机关名称对照表：{exc.strerror or exc}") from exc
    return aliases


def load_aliases(folder: Path) -> dict[str, str]:
    """The saved alias table; an unreadable or invalid one counts as empty (its error shows when it is edited)."""
    try:
        return parse_aliases(alias_text(folder))
    except InputError:
        return {}


@dataclass
class Names:
    """The merged name of every known name: `canonical` maps, `variants` goes back."""

    known: Iterable[str]
    aliases: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._of = {name: self._alias(name) for name in self.known}
        # every name by the shorter names it is with parent regions in front: one pass over the names' region
        # prefixes, not a comparison of every pair (a province's thousands of bodies)
        parents: dict[str, list[str]] = {}
        for other in set(self._of.values()):
            for i, ch in enumerate(other[:-1], 1):
                if ch in _REGION_ENDS and _REGION.fullmatch(other[:i]):
                    parents.setdefault(other[i:], []).append(other)
        for name, alias in list(self._of.items()):
            if self.aliases.get(alias) != alias:  # a name the table pins stays as it is
                self._of[name] = self._parent(alias, parents.get(alias, []))
        self._variants: dict[str, list[str]] = {}
        for name, merged in sorted(self._of.items()):
            self._variants.setdefault(merged, []).append(name)

    def _alias(self, name: str) -> str:
        """The table's name for `name`, following a chain (a → b, b → c) and stopping at a loop."""
        seen = {name}
        while (nxt := self.aliases.get(name, name)) not in seen:
            seen.add(nxt)
            name = nxt
        return name

    @staticmethod
    def _parent(name: str, longer: list[str]) -> str:
        """The longest of the known names that are `name` with parent regions in front, when they form one
        chain. Only a name that starts with a place is merged ("洪泽区人民政府"; "人民政府" names no body)."""
        if not longer or not _REGION.match(name):
            return name
        longest = max(longer, key=len)
        return longest if all(longest.endswith(other) for other in longer) else name

    def canonical(self, name: str) -> str:
        """The merged name (a name not printed in any report goes through the alias table to one that is)."""
        alias = self._alias(name)
        return self._of.get(name) or self._of.get(alias) or alias

    def variants(self, name: str) -> list[str]:
        """Every known name merged into `name` (at least `name` itself)."""
        return self._variants.get(self.canonical(name)) or [name]

    def names(self) -> list[str]:
        return sorted(self._variants)

    def spellings(self) -> dict[str, str]:
        """Every name a user may write for a known body (printed, merged, or an alias) → its merged name."""
        out = {name: name for name in self._variants} | self._of
        return out | {alias: merged for alias in self.aliases if (merged := self.canonical(alias)) in self._variants}

    def merged(self) -> list[tuple[str, str]]:
        """(name, merged name) for every known name shown under another name."""
        return sorted((name, merged) for name, merged in self._of.items() if name != merged)


def figures(tables: Tables) -> dict[tuple[str, str, int], Number]:
    """Every filled cell of the three tables, by (table, row, position)."""
    out: dict[tuple[str, str, int], Number] = {
        ("table4", "", i): v for i, v in enumerate(tables.table4) if v is not None
    }
    for name in ("table2", "table3"):
        for row, values in getattr(tables, name).items():
            out |= {(name, row, i): v for i, v in enumerate(values) if v is not None}
    return out


def same_statistics(a: Tables, b: Tables) -> bool:
    """Two files of one body and year hold the same report: their tables agree on every cell both could read,
    and they share at least one. A flattened text may lose a row the web page of the same report keeps (its
    digits run together); a corrected republication changes a figure."""
    fa, fb = figures(a), figures(b)
    shared = fa.keys() & fb.keys()
    return a.template == b.template and bool(shared) and all(fa[k] == fb[k] for k in shared)
