"""The mapping document a client approves, in plain words.

Each HMSync field: where it comes from, what is done to the value (in words, never the
profile's JSON), and a few examples before → after with the values masked (letters
after a word's first become •, digits #: the shape of a change shows, a patient's data
does not). Then every column no field reads, each with what becomes of it (kept beside
the record, left behind on purpose, or not decided), and the files no table takes.
"""
from __future__ import annotations

import html

from . import transforms as tf
from .mapping import ProfileError, map_chunk
from .readers import LINE

EXAMPLES = 3
#: value-map pairs shown before "and N more"
MAP_PAIRS = 12

_ORDER = {"DMY": "day/month/year", "MDY": "month/day/year", "YMD": "year-month-day",
          "AUTO": "day and month order told from the data"}


def mask(value) -> str:
    """A value with its letters (but each word's first) and digits hidden: "Kavya Ali" ->
    "K•••• A••", "+91 91678 68433" -> "+## ##### #####"."""
    if value is None or (isinstance(value, float) and value != value):
        return "(empty)"
    s = str(value)
    if not s.strip():
        return "(empty)"
    out, start = [], True
    for ch in s:
        if ch.isalpha():
            out.append(ch if start else "•")
            start = False
        elif ch.isdigit():
            out.append("#")
            start = False
        else:
            out.append(ch)
            start = True
    return "".join(out)


def _e(x) -> str:
    return html.escape("" if x is None else str(x))


def step_words(step, defaults: tf.StepDefaults) -> str:
    """One step in words."""
    if isinstance(step, tf.TrimStep):
        return "spaces around the value removed"
    if isinstance(step, tf.ConcatStep):
        return f"the columns joined, with '{step.sep}' between them"
    if isinstance(step, tf.SplitStep):
        return f"split at '{step.sep}', the {step.part} part kept"
    if isinstance(step, tf.MapStep):
        pairs = list(step.values.items())
        shown = ", ".join(f"'{a}' becomes '{b}'" for a, b in pairs[:MAP_PAIRS])
        more = f" and {len(pairs) - MAP_PAIRS} more" if len(pairs) > MAP_PAIRS else ""
        return f"values translated: {shown}{more}"
    if isinstance(step, tf.AgeFromDateStep):
        return "the age in years, counted from the birth date (" + \
            step.describe(defaults).replace("age from birth date", "").strip(" ,") + ")" \
            if step.describe(defaults) != "age from birth date" else \
            "the age in years, counted from the birth date"
    if isinstance(step, tf.DateStep):
        return f"read as a date ({step.describe(defaults)}), written as year-month-day"
    if isinstance(step, tf.PhoneStep):
        region = defaults.phone_region if step.region is tf.INHERIT else step.region
        return (f"read as a phone number (numbers without a country code are taken as "
                f"{region}'s), written in international form (+country code, digits)")
    if isinstance(step, tf.NumberStep):
        return "read as a whole number" if step.integer else "read as a number"
    if isinstance(step, tf.DefaultStep):
        return f"an empty cell gets '{step.value}'"
    if isinstance(step, tf.CaseStep):
        return f"written {step.describe(defaults)}"
    return step.describe(defaults)


def field_words(fm, tfield, defaults: tf.StepDefaults) -> str:
    """What is done to a field's value, in words: its steps, then what HMSync's type of
    the field implies (a date, a phone number, one of a list)."""
    steps = fm.typed_steps
    words = [step_words(s, defaults) for s in steps
             if not (isinstance(s, tf.ConcatStep) and len(fm.columns) < 2)]
    if len(fm.columns) > 1 and not any(isinstance(s, tf.ConcatStep) for s in steps):
        words.insert(0, "the columns joined, with a space between them")
    kinds = {type(s) for s in steps}
    kind = tfield.kind if tfield is not None else "text"
    if tfield is not None and tfield.references:
        words.append(f"the legacy id of a record of {tfield.references}: linked to that "
                     "record's new HMSync id")
    elif kind == "date" and tf.DateStep not in kinds and tf.AgeFromDateStep not in kinds:
        order = _ORDER.get(str(defaults.date_order).upper(), defaults.date_order)
        words.append(f"read as a date ({order}), written as year-month-day")
    elif kind == "phone" and tf.PhoneStep not in kinds:
        words.append(f"read as a phone number (region {defaults.phone_region}), written in "
                     "international form")
    elif kind in ("int", "float") and tf.NumberStep not in kinds and \
            tf.AgeFromDateStep not in kinds:
        words.append("read as a whole number" if kind == "int" else "read as a number")
    elif kind == "enum" and tfield.enum:
        words.append(f"must be one of {', '.join(tfield.enum)} (any case)")
    if fm.value is not None and (fm.columns or getattr(fm, "expr", None) is not None):
        words.insert(0, f"a record without a value gets '{fm.value}' (a placeholder, "
                        "counted)")
    elif fm.value is not None:
        words.insert(0, f"every record gets '{fm.value}' (the export has no such column)")
    return "; ".join(words) or "taken as it is"


def _lookup_words(lookup) -> str:
    return (f"looked up: {lookup.aggregate} of {lookup.table}."
            f"{lookup.column or lookup.key} where {lookup.key} = {lookup.by}"
            + (f" and {lookup.where}" if lookup.where else ""))


def _examples(st, tm, target, defaults_ctx) -> dict[str, list[tuple[str, str]]]:
    """Per field: (before, after) of the table's first sample records, masked."""
    try:
        sample = st.sample(EXAMPLES)
    except Exception:  # noqa: BLE001 (an unreadable file is said elsewhere)
        return {}
    if not len(sample):
        return {}
    if LINE not in sample.columns:
        return {}
    try:
        mc = map_chunk(sample, tm, target, defaults_ctx)
    except (ProfileError, tf.TransformError, KeyError, ValueError, TypeError):
        return {}
    out: dict[str, list[tuple[str, str]]] = {}
    for fname, fm in tm.fields.items():
        if fname not in mc.values:
            continue
        before = [" | ".join(mask(sample[c].iat[i]) for c in fm.columns if c in sample)
                  or mask(fm.value) for i in range(len(sample))]
        after = [mask(v) for v in mc.values[fname].tolist()]
        out[fname] = list(zip(before, after))
    return out


def mapping_document(profile, sources, targets=None, css: str = "") -> str:
    """The mapping a client approves, as one HTML page (see the module's docstring)."""
    from .schema import known_tables
    targets = targets or known_tables()
    d = profile.defaults
    body = []
    mapped_sources = set()
    present = [s.name for s in sources]
    for tm in profile.tables:
        st = next((s for s in sources if profile.table_for(s.name, s.stem, present) is tm), None)
        target = targets.get(tm.target)
        if st is not None:
            mapped_sources.add(st.name)
        ex = _examples(st, tm, target, profile.ctx) if st is not None and target else {}
        rows = []
        for fname, fm in tm.fields.items():
            tfield = target.fields.get(fname) if target else None
            src = fm.source_label or f"constant '{fm.value}'"
            examples = "<br>".join(f"{_e(b)} → {_e(a)}" for b, a in ex.get(fname, []))
            words = field_words(fm, tfield, d)
            expr, lookup = getattr(fm, "expr", None), getattr(fm, "lookup", None)
            if expr is not None:  # what the client approves is the computation itself
                words = f"computed: {expr}" + (f"; then {words}" if words else "")
            elif lookup is not None:
                words = _lookup_words(lookup) + (f"; then {words}" if words else "")
            rows.append(f"<tr><td>{_e(tm.source)}.{_e(src)}</td><td>{_e(tm.target)}."
                        f"{_e(fname)}</td><td>{_e(words)}</td>"
                        f"<td>{examples}</td><td class=num>"
                        f"{'' if fm.confidence is None else f'{fm.confidence:.0%}'}</td></tr>")
        left = []
        if st is not None:
            read = tm.read_columns()
            for c in st.columns:
                if c in read:
                    continue
                what = ("kept beside each record (HMSync has no field for it)" if c in tm.keep
                        else "left behind on purpose: not imported" if c in tm.leave_behind
                        else "NOT DECIDED: not imported; the run waits until it is "
                             "mapped, kept or left behind")
                left.append(f"<tr><td>{_e(c)}</td><td>{_e(what)}</td></tr>")
        left_html = ("<h3>Columns no HMSync field reads</h3><table><tr><th>legacy column"
                     "</th><th>what becomes of it</th></tr>" + "".join(left) + "</table>"
                     if left else "<p>Every column is read by a field.</p>")
        body.append(f"<h2>{_e(tm.source)} → {_e(tm.target)} (legacy id: "
                    f"{_e(tm.id_label or 'none')})</h2>"
                    + (f"<p>Only the records where {_e(tm.where)} are migrated; the others "
                       "are counted as filtered out.</p>" if getattr(tm, "where", None)
                       else "")
                    + "".join(f"<p>{_e(name)}: {_e(_lookup_words(lk))}.</p>"
                              for name, lk in getattr(tm, "lookups", {}).items())
                    + (f"<p>A NUL character alone in {_e(', '.join(tm.nul_empty))} is an "
                       "empty value (MySQL's empty CHAR(1)), not a damaged record.</p>"
                       if getattr(tm, "nul_empty", None) else "") +
                    f"<table><tr><th>legacy column</th>"
                    f"<th>HMSync field</th><th>what is done to the value</th>"
                    f"<th>examples, before → after (masked)</th><th>confidence</th></tr>"
                    f"{''.join(rows)}</table>{left_html}")
    looked_up = {getattr(fm, "lookup").table for tm in profile.tables
                 for fm in tm.fields.values() if getattr(fm, "lookup", None) is not None} | {
        lk.table for tm in profile.tables for lk in getattr(tm, "lookups", {}).values()}
    unmapped = [s.name for s in sources if s.name not in mapped_sources and
                s.name not in looked_up and profile.table_for(s.name, s.stem, present) is None]
    files = ("<h2>Files left out</h2><p>No HMSync table takes these files; nothing of "
             "them is imported:</p><ul>" + "".join(f"<li>{_e(n)}</li>" for n in unmapped)
             + "</ul>") if unmapped else ""
    order = _ORDER.get(str(profile.date_order).upper(), profile.date_order)
    return (f"<!doctype html><html><head><meta charset=utf-8><title>Mapping: "
            f"{_e(profile.name)}</title><style>{css}</style></head><body><h1>Mapping document"
            f" — {_e(profile.name)}</h1><p>Source system: {_e(profile.source_system)}. "
            f"Phone numbers without a country code are taken as {_e(profile.phone_region)}'s; "
            f"dates are read {_e(order)} unless a field says otherwise"
            + (f"; times written with a zone (Z, +05:30) and Unix times converted to the "
               f"clinic's local time "
               f"in {_e(profile.timezone)} (a date step may name its own zone)"
               if profile.timezone else "") + ". Example values are masked: letters after "
            "a word's first are shown as •, digits as #.</p>"
            + "".join(body) + files +
            "<p>Approved by: ____________________ Date: __________</p></body></html>")
