#!/usr/bin/env python3
"""Writes Tests/GLMTermTests/Fixtures/toml_cases.json: TOML documents with Python's tomllib verdict,
the oracle of glmchat's TOML reader (GLMTerm/Config/TOML, TOMLOracleTests).

    scripts/make_toml_fixtures.py DIR...

Every *.toml file under the DIRs becomes a case {"name", "toml", "expected"}; "expected" is the
document's value in a typed form ({"type": "integer", "value": "3"}, tables as objects, arrays as
lists) or null when tomllib refuses the document. Files that are not UTF-8, and documents with an
integer beyond 64 bits (tomllib keeps it; TOML asks a reader to refuse it, as glmchat's does) or nested deeper than tomllib's recursion allows, are
left out. The corpus used: the tests of tomlkit 0.13.2's sdist (PyPI), which carry BurntSushi's
toml-test and iarna's toml-spec-tests (both MIT), plus glmchat's own cases in Fixtures/toml_extra.
"""
import datetime, json, math, pathlib, sys, tomllib

def typed(value):
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    if isinstance(value, bool):
        return {"type": "bool", "value": "true" if value else "false"}
    if isinstance(value, int):
        if not -2**63 <= value < 2**63:
            raise OverflowError
        return {"type": "integer", "value": str(value)}
    if isinstance(value, float):
        text = "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
        return {"type": "float", "value": text}
    if isinstance(value, str):
        return {"type": "string", "value": value}
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return {"type": "datetime"}
    raise TypeError(type(value))

cases = []
for root in sys.argv[1:]:
    for path in sorted(pathlib.Path(root).rglob("*.toml")):
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
        try:
            expected = typed(tomllib.loads(text))
        except tomllib.TOMLDecodeError:
            expected = None
        except (OverflowError, RecursionError):
            continue
        cases.append({"name": str(path.relative_to(root)), "toml": text, "expected": expected})
out = pathlib.Path(__file__).resolve().parent.parent / "Tests/GLMTermTests/Fixtures/toml_cases.json"
out.write_text(json.dumps(cases, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
print(f"{len(cases)} cases ({sum(c['expected'] is None for c in cases)} refused) -> {out}")
