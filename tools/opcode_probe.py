"""Print the opcode facts of the running CPython as one JSON object.

Runs unchanged on CPython 3.6 .. 3.14 (no walrus, no match).  tools/gen_opcodes.py runs it under
every interpreter and turns the results into analyzer/bytecode/op_tables.h.

Everything per opcode is found by PROBING the interpreter's own `dis`: a synthetic code object
holding the opcode (at a chosen offset, with a chosen argument) is disassembled and the reported
argument / argval / next offset are read back.  The opcode lists (hasjrel, hasname, ...) only
say which probes to run.
"""
import dis
import importlib.util
import json
import opcode
import sys
import types

NPAD = 64            # code units before and after the probed instruction
NAMES = tuple("n%d" % i for i in range(64))
CONSTS = tuple("k%d" % i for i in range(64))
VARNAMES = tuple("v%d" % i for i in range(32))
CELLVARS = ("c0", "c1", "c2", "c3")
FREEVARS = ("f0", "f1", "f2", "f3")
# Stack-effect sample arguments: every arg 0..16 (a non-linear effect is tabulated for 0..15) and
# a few large ones so that effects that change past one byte (UNPACK_EX) are not fitted as linear.
SE_ARGS = tuple(range(17)) + (100, 255, 256, 257, 512)

OPMAP = opcode.opmap
NOP = OPMAP["NOP"]
EXTENDED_ARG = OPMAP["EXTENDED_ARG"]
CACHE = OPMAP.get("CACHE")


def _base_code():
    def f():
        pass
    return f.__code__


BASE = _base_code()


def make_code(units):
    """A code object whose co_code is the (opcode, arg) units given."""
    raw = bytes(b for u in units for b in (u[0], u[1] & 0xFF))
    if hasattr(BASE, "replace"):
        kw = dict(co_code=raw, co_consts=CONSTS, co_names=NAMES, co_varnames=VARNAMES,
                  co_cellvars=CELLVARS, co_freevars=FREEVARS, co_nlocals=len(VARNAMES),
                  co_stacksize=1000, co_argcount=0, co_flags=0)
        # Position / exception tables emptied so they cannot disagree with the new co_code.
        for extra in ("co_linetable", "co_exceptiontable"):
            if hasattr(BASE, extra):
                kw[extra] = b""
        if not hasattr(BASE, "co_linetable"):
            kw["co_lnotab"] = b""
        return BASE.replace(**kw)
    return types.CodeType(0, 0, len(VARNAMES), 1000, 0, raw, CONSTS, NAMES, VARNAMES,
                          "<probe>", "<probe>", 1, b"", FREEVARS, CELLVARS)


def disassemble(units):
    return list(dis.get_instructions(make_code(units)))


def probe_at(op, arg, pos=NPAD, after=None):
    """Disassemble NOP*pos; op arg; (after or NOP*NPAD) and return (instr at op, next instr)."""
    units = [(NOP, 0)] * pos
    # EXTENDED_ARG prefixes for arguments that do not fit one byte
    ext = []
    a = arg >> 8
    while a:
        ext.insert(0, (EXTENDED_ARG, a & 0xFF))
        a >>= 8
    units = units[:pos - len(ext)] + ext + [(op, arg & 0xFF)]
    units += after if after is not None else [(NOP, 0)] * NPAD
    ins = disassemble(units)
    off = 2 * pos
    for k, i in enumerate(ins):
        if i.offset == off:
            return i, (ins[k + 1] if k + 1 < len(ins) else None)
    raise RuntimeError("probe: no instruction at offset %d" % off)


def err(e):
    return "%s: %s" % (type(e).__name__, e)


def real_opcodes():
    """opcode -> name for numbers that can appear in a .pyc, and the excluded ones with why."""
    specialized = set()
    for attr in ("_specialized_opmap", "_specialized_instructions"):
        specialized.update(getattr(opcode, attr, ()) or ())
    for fam in (getattr(opcode, "_specializations", None) or {}).values():
        specialized.update(fam)
    min_instr = getattr(opcode, "MIN_INSTRUMENTED_OPCODE", 256)
    # Inserted at run time by the tier-2 optimizer and never in co_code; a code object holding
    # it crashes 3.13.0's dis (it looks up an executor that does not exist), so never probe it.
    runtime_only = ("ENTER_EXECUTOR",)
    ops, excluded = {}, {}
    for name, op in sorted(OPMAP.items(), key=lambda kv: kv[1]):
        if op >= 256:
            why = "pseudo"
        elif name.startswith("<"):
            why = "placeholder"
        elif name in specialized:
            why = "specialized"
        elif name.startswith("INSTRUMENTED_") or op >= min_instr:
            why = "instrumented"
        elif name in runtime_only:
            why = "runtime-only"
        else:
            ops[op] = name
            continue
        excluded[name] = why
    return ops, excluded


def jump_set():
    s = set(opcode.hasjrel) | set(opcode.hasjabs)
    s.update(getattr(opcode, "hasjump", ()) or ())
    return s


def probe_jump(op):
    """Fit target = (rel ? offset : 0) + scale * arg + bias from dis's argval."""
    def target(pos, arg):
        return probe_at(op, arg, pos)[0].argval
    p1, p2, p3 = 40, 48, 44
    t11 = target(p1, 1)
    t21 = target(p2, 1)
    delta = t21 - t11
    if delta == 2 * (p2 - p1):
        rel = True
    elif delta == 0:
        rel = False
    else:
        raise RuntimeError("jump %s: target moves by %d for an offset move of %d"
                           % (opcode.opname[op], delta, 2 * (p2 - p1)))
    base = lambda pos: 2 * pos if rel else 0
    t13 = target(p1, 3)
    scale2 = t13 - t11
    if scale2 % 2:
        raise RuntimeError("jump %s: odd scale" % opcode.opname[op])
    scale = scale2 // 2
    bias = t11 - base(p1) - scale
    checks = [(p3, 2), (p1, 5), (p2, 7)]
    for pos, arg in checks:
        got = target(pos, arg)
        want = base(pos) + scale * arg + bias
        if got != want:
            raise RuntimeError("jump %s: fit fails at offset %d arg %d: dis %r, fit %r"
                               % (opcode.opname[op], 2 * pos, arg, got, want))
    return {"rel": rel, "scale": scale, "bias": bias}


def probe_name_shift(op):
    for s in range(4):
        ok = True
        for k in (1, 2, 3, 5):
            try:
                if probe_at(op, k << s)[0].argval != NAMES[k]:
                    ok = False
            except Exception:
                ok = False
            if not ok:
                break
        if ok:
            return s
    return None


def probe_compare_shift(op):
    for s in range(8):
        ok = True
        for k in range(1, 6):
            try:
                if probe_at(op, k << s)[0].argval != opcode.cmp_op[k]:
                    ok = False
            except Exception:
                ok = False
            if not ok:
                break
        if ok:
            return s
    return None


def probe_local(op):
    v3 = probe_at(op, 3)[0].argval
    v12 = probe_at(op, 0x12)[0].argval
    if v3 == VARNAMES[3] and v12 == VARNAMES[0x12]:
        return "single"
    if tuple(v12) == (VARNAMES[1], VARNAMES[2]) and tuple(v3) == (VARNAMES[0], VARNAMES[3]):
        return "pair"
    return "unknown: arg 3 -> %r, arg 0x12 -> %r" % (v3, v12)


def probe_stack_effect(op, has_arg, jump_kw):
    """Effects for each sample arg: {"nojump": [...], "jump": [...]} (None where dis raises)."""
    res = {"nojump": [], "jump": [], "plain": [], "errors": []}
    args = SE_ARGS if has_arg else (None,)
    for a in args:
        pos = (a,) if has_arg else ()
        for key, kw in (("plain", {}), ("nojump", {"jump": False}), ("jump", {"jump": True})):
            if kw and not jump_kw:
                res[key].append(None)
                continue
            try:
                res[key].append(dis.stack_effect(op, *pos, **kw))
            except Exception as e:
                res[key].append(None)
                if key == "plain" and len(res["errors"]) < 3:
                    res["errors"].append("arg %r: %s" % (a, err(e)))
    res["args"] = list(args) if has_arg else []
    return res


def cache_table(op, name):
    """The inline cache count dis's own table gives (None before 3.11)."""
    if hasattr(dis, "_get_cache_size"):
        return dis._get_cache_size(name)
    tab = getattr(dis, "_inline_cache_entries", None)
    if tab is None:
        return None
    if isinstance(tab, dict):
        return tab.get(name, tab.get(op, 0))
    return tab[op]


def probe_op(op, name, jumps, jump_kw):
    d = {"name": name}
    try:
        ins, nxt = probe_at(op, 1)
        d["has_arg"] = ins.arg is not None
        d["caches"] = (nxt.offset - ins.offset) // 2 - 1
        d["cache_table"] = cache_table(op, name)
        d["opname_dis"] = ins.opname
        d["lists"] = sorted(l for l in ("hasjrel", "hasjabs", "hasjump", "hasconst", "hasname",
                                         "haslocal", "hasfree", "hascompare", "hasarg", "hasexc")
                            if op in (getattr(opcode, l, None) or ()))
        if op in jumps:
            d["jump"] = probe_jump(op)
        if op in opcode.hasname:
            d["argshift"] = probe_name_shift(op)
        if op in opcode.hascompare:
            d["cmpshift"] = probe_compare_shift(op)
        if op in opcode.hasconst:
            d["const_ok"] = probe_at(op, 3)[0].argval == CONSTS[3]
        if op in opcode.haslocal:
            d["local"] = probe_local(op)
        if op in opcode.hasfree:
            d["free0"] = probe_at(op, 0)[0].argval
        d["se"] = probe_stack_effect(op, d["has_arg"], jump_kw)
    except Exception as e:
        d["error"] = err(e)
    return d


def probe_extarg_reset():
    """EXTENDED_ARG 1; <no-arg op>; BUILD_TUPLE 0: the arg dis reports for BUILD_TUPLE."""
    bt = OPMAP["BUILD_TUPLE"]
    units = [(EXTENDED_ARG, 1), (NOP, 0), (bt, 0)] + [(NOP, 0)] * 4
    for i in disassemble(units):
        if i.offset == 4:
            return i.arg
    return None


def probe_arg_signed():
    """EXTENDED_ARG 0x80 0 0; BUILD_TUPLE 0: the accumulated argument dis reports."""
    bt = OPMAP["BUILD_TUPLE"]
    units = [(EXTENDED_ARG, 0x80), (EXTENDED_ARG, 0), (EXTENDED_ARG, 0), (bt, 0)] + [(NOP, 0)] * 4
    for i in disassemble(units):
        if i.offset == 6:
            return i.arg
    return None


def eval_break_ops():
    """Opnames the interpreter's own generated metadata marks HAS_EVAL_BREAK_FLAG (3.13+ installs
    Include/internal/pycore_opcode_metadata.h, generated from Python/bytecodes.c), or None when
    this interpreter has no such header."""
    import os
    import re
    import sysconfig
    inc = sysconfig.get_paths().get("include") or ""
    path = os.path.join(inc, "internal", "pycore_opcode_metadata.h")
    try:
        with open(path) as f:
            text = f.read()
    except (IOError, OSError):
        return None
    if "HAS_EVAL_BREAK_FLAG" not in text:
        return None
    names = re.findall(r"^\s*\[([A-Z_0-9]+)\] = \{[^}]*HAS_EVAL_BREAK_FLAG", text, re.M)
    return sorted(set(names))


def main():
    ops, excluded = real_opcodes()
    jumps = jump_set()
    try:
        dis.stack_effect(NOP, jump=False)
        jump_kw = True
    except TypeError:
        jump_kw = False
    magic = importlib.util.MAGIC_NUMBER
    code = BASE
    out = {
        "version": list(sys.version_info[:3]),
        "magic": magic[0] | (magic[1] << 8),
        "magic_bytes": magic.hex(),
        "have_argument": opcode.HAVE_ARGUMENT,
        "extended_arg": EXTENDED_ARG,
        "cache": CACHE,
        "cmp_op": list(opcode.cmp_op),
        "nb_ops": [n for n, _ in (getattr(opcode, "_nb_ops", None) or ())],
        "stack_effect_jump_kw": jump_kw,
        "code_attrs": sorted(a for a in ("co_lnotab", "co_linetable", "co_positions",
                                         "co_exceptiontable", "co_qualname", "co_lines")
                             if a in dir(code)),  # dir(): no deprecated getter runs
        "extarg_after_noarg": probe_extarg_reset(),
        "arg_0x80000000": probe_arg_signed(),
        "deref0": probe_at(OPMAP["LOAD_DEREF"], 0)[0].argval,
        "excluded": excluded,
        "eval_break_ops": eval_break_ops(),
        "ops": dict((str(op), probe_op(op, name, jumps, jump_kw)) for op, name in sorted(ops.items())),
    }
    sys.stdout.write(json.dumps(out, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
