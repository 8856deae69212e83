#!/usr/bin/env python3
"""Generate analyzer/bytecode/op_tables.h and analyzer/pyc/pyc_magic.h from CPython 3.6 .. 3.14.

    python3 tools/gen_opcodes.py                  write op_tables.h and pyc_magic.h
    python3 tools/gen_opcodes.py --check          regenerate in memory and compare with the file:
                                                  exit 0 same, 1 different (diff printed),
                                                  77 when an interpreter is missing (ctest "skip")
    python3 tools/gen_opcodes.py --versions 3.11,3.12 [-o FILE]
                                                  only those versions (development; to stdout
                                                  unless -o is given, never to the committed file)
    python3 tools/gen_opcodes.py --dump DIR       also save each interpreter's raw probe JSON

Interpreters: CPython 3.6 .. 3.13 from `pyenv root`/versions/3.N.P/bin/python3 (the highest patch
release of each minor version), CPython 3.14 through pyodide (`node tools/node/pyodide_run.mjs`,
needs `npm install --prefix tools/node`).  Each one runs tools/opcode_probe.py once; the probe
finds the facts by disassembling synthetic code objects with the interpreter's own `dis`.

What is NOT taken from the interpreters, and why:
  * MAGIC_RANGES: the pre-release magic numbers of each version (an interpreter only knows its
    final one).  Asserted to contain each interpreter's magic.
  * SEMANTICS: the version-neutral meaning of each opcode name (op_sem and its fixed sub-kind);
    a name not listed there stops the generator, so a new version is never silently
    misclassified.
  * NOFALL: the opcodes that never fall through to the next instruction.
  * PRE38_JUMP_EFFECTS: 3.6 and 3.7's dis.stack_effect has no `jump` argument and reports one
    value per opcode, the larger of the jump and no-jump effects.  For the jump opcodes the split
    is taken from the nearest newer interpreter that has the same opcode (checked to reproduce
    the old combined value), or from this table for opcodes that newer versions no longer have.
  * The switch points (OPF_SW_*, OPF_RUNS_CODE, VF_SW_*): which edges of the control-flow graph
    pass an eval-breaker check on a GIL build, read from each version's eval loop
    (Python/ceval.c, Python/bytecodes.c) into the tables of tools/switch_facts.py; dis knows
    nothing about it.  3.13's are checked against the interpreter's own installed
    pycore_opcode_metadata.h.  The per-version table in docs/switch-points.md is generated here
    too; tools/switch_probe.py checks every edge against the running interpreters.
"""
import argparse
import difflib
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time

import switch_facts

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "analyzer", "bytecode", "op_tables.h")
MAGIC_OUT = os.path.join(ROOT, "analyzer", "pyc", "pyc_magic.h")
OP_H = os.path.join(ROOT, "analyzer", "bytecode", "op.h")
PROBE = os.path.join(ROOT, "tools", "opcode_probe.py")
PYODIDE_RUN = os.path.join(ROOT, "tools", "node", "pyodide_run.mjs")
PYODIDE_PKG = os.path.join(ROOT, "tools", "node", "node_modules", "pyodide")
MINORS = tuple(range(6, 15))
SKIP = 77

# Magic numbers of each version's development cycle (Include/internal/pycore_magic_number.h,
# Lib/importlib/_bootstrap_external.py).  A .pyc written by a pre-release carries a magic inside
# its version's range; the release's own magic is the range's last entry.
MAGIC_RANGES = {
    6: (3360, 3379), 7: (3390, 3394), 8: (3400, 3413), 9: (3420, 3425), 10: (3430, 3439),
    11: (3450, 3495), 12: (3500, 3531), 13: (3550, 3571), 14: (3600, 3627),
}

# op.h's op_binop numbering is 3.11's NB_* numbering; checked against opcode._nb_ops.
BINOPS = ("ADD", "AND", "FLOOR_DIVIDE", "LSHIFT", "MATRIX_MULTIPLY", "MULTIPLY", "REMAINDER",
          "OR", "POWER", "RSHIFT", "SUBTRACT", "TRUE_DIVIDE", "XOR")
CMP_OPS = ("<", "<=", "==", "!=", ">", ">=")  # op.h's op_cmp, checked against dis.cmp_op

# ---------------------------------------------------------------------------------------------
# Semantics: opname -> (op_sem, oi_sub) for every opcode name of every version.  oi_sub is a C
# expression or None for "-1: not fixed by the opcode (decode it from the argument)":
#   SEM_BINARY: op_binop kind            SEM_UNARY: op_unary kind
#   SEM_JUMP_IF: op_cond kind, + OP_COND_KEEP where the probed stack effects show the tested
#     value staying on the jump edge      SEM_BUILD: op_build kind
#   SEM_COPY / SEM_ROT: n                SEM_CALL: OP_CALL_* flags (in_b)
#   SEM_LOAD_ATTR / SEM_LOAD_GLOBAL: in_b (1 = method form / NULL pushed); left at None here, it
#     becomes 0 where the probe finds no flag bit in the argument (argshift 0)
# A value of INVALID means the name exists in `opcode` but never appears in a .pyc: its entry
# stays empty.
INVALID = "invalid"


def _binops():
    d = {}
    old = {"ADD": "ADD", "AND": "AND", "FLOOR_DIVIDE": "FLOOR_DIVIDE", "LSHIFT": "LSHIFT",
           "MATRIX_MULTIPLY": "MATRIX_MULTIPLY", "MULTIPLY": "MULTIPLY", "MODULO": "REMAINDER",
           "OR": "OR", "POWER": "POWER", "RSHIFT": "RSHIFT", "SUBTRACT": "SUBTRACT",
           "TRUE_DIVIDE": "TRUE_DIVIDE", "XOR": "XOR"}
    for opname_part, kind in old.items():
        d["BINARY_" + opname_part] = ("SEM_BINARY", "BINOP_" + kind)
        d["INPLACE_" + opname_part] = ("SEM_BINARY", "BINOP_INPLACE + BINOP_" + kind)
    return d


SEMANTICS = dict(_binops())
SEMANTICS.update({
    # no-ops for the data flow
    "NOP": ("SEM_NOP", None),
    "CACHE": ("SEM_NOP", None),
    "EXTENDED_ARG": ("SEM_NOP", None),
    "RESUME": ("SEM_NOP", None),
    "NOT_TAKEN": ("SEM_NOP", None),
    "MAKE_CELL": ("SEM_NOP", None),
    "COPY_FREE_VARS": ("SEM_NOP", None),
    # locals
    "LOAD_FAST": ("SEM_LOAD_FAST", None),
    "LOAD_FAST_CHECK": ("SEM_LOAD_FAST", None),
    "LOAD_FAST_AND_CLEAR": ("SEM_LOAD_FAST", None),
    "LOAD_FAST_BORROW": ("SEM_LOAD_FAST", None),
    "LOAD_FAST_LOAD_FAST": ("SEM_LOAD_FAST_PAIR", None),
    "LOAD_FAST_BORROW_LOAD_FAST_BORROW": ("SEM_LOAD_FAST_PAIR", None),
    "STORE_FAST": ("SEM_STORE_FAST", None),
    "STORE_FAST_STORE_FAST": ("SEM_STORE_FAST_PAIR", None),
    "STORE_FAST_LOAD_FAST": ("SEM_STORE_LOAD_FAST", None),
    "DELETE_FAST": ("SEM_DELETE_FAST", None),
    # globals and names
    "LOAD_GLOBAL": ("SEM_LOAD_GLOBAL", None),
    "STORE_GLOBAL": ("SEM_STORE_GLOBAL", None),
    "DELETE_GLOBAL": ("SEM_DELETE_GLOBAL", None),
    "LOAD_NAME": ("SEM_LOAD_NAME", None),
    "STORE_NAME": ("SEM_STORE_NAME", None),
    "DELETE_NAME": ("SEM_DELETE_NAME", None),
    "LOAD_FROM_DICT_OR_GLOBALS": ("SEM_OTHER", None),  # 3.12+: pops a mapping, then looks up
    # cells
    "LOAD_DEREF": ("SEM_LOAD_DEREF", None),
    "LOAD_CLASSDEREF": ("SEM_LOAD_DEREF", None),
    "STORE_DEREF": ("SEM_STORE_DEREF", None),
    "DELETE_DEREF": ("SEM_DELETE_DEREF", None),
    "LOAD_CLOSURE": ("SEM_LOAD_CLOSURE", None),
    "LOAD_FROM_DICT_OR_DEREF": ("SEM_OTHER", None),  # 3.12+: pops a mapping, then looks up
    # constants
    "LOAD_CONST": ("SEM_LOAD_CONST", None),
    "LOAD_SMALL_INT": ("SEM_LOAD_INT", None),
    "LOAD_COMMON_CONSTANT": ("SEM_OTHER", None),
    "LOAD_ASSERTION_ERROR": ("SEM_OTHER", None),
    "RETURN_CONST": ("SEM_RETURN_CONST", None),
    # attributes
    "LOAD_ATTR": ("SEM_LOAD_ATTR", None),
    "LOAD_METHOD": ("SEM_LOAD_ATTR", "1"),     # always the method form
    "LOAD_SUPER_ATTR": ("SEM_LOAD_SUPER_ATTR", None),
    "STORE_ATTR": ("SEM_STORE_ATTR", None),
    "DELETE_ATTR": ("SEM_DELETE_ATTR", None),
    # subscripts and slices
    "BINARY_SUBSCR": ("SEM_SUBSCR", None),
    "STORE_SUBSCR": ("SEM_STORE_SUBSCR", None),
    "DELETE_SUBSCR": ("SEM_DELETE_SUBSCR", None),
    "BINARY_SLICE": ("SEM_SLICE", None),
    "STORE_SLICE": ("SEM_STORE_SLICE", None),
    "BUILD_SLICE": ("SEM_BUILD_SLICE", None),
    # operators
    "BINARY_OP": ("SEM_BINARY", None),
    "UNARY_POSITIVE": ("SEM_UNARY", "UNARY_POS_"),
    "UNARY_NEGATIVE": ("SEM_UNARY", "UNARY_NEG_"),
    "UNARY_NOT": ("SEM_UNARY", "UNARY_NOT_"),
    "UNARY_INVERT": ("SEM_UNARY", "UNARY_INVERT_"),
    "COMPARE_OP": ("SEM_COMPARE", None),
    "CONTAINS_OP": ("SEM_CONTAINS", None),
    "IS_OP": ("SEM_IS", None),
    "JUMP_IF_NOT_EXC_MATCH": ("SEM_EXC_MATCH", None),
    "CHECK_EXC_MATCH": ("SEM_EXC_MATCH", None),
    "CHECK_EG_MATCH": ("SEM_OTHER", None),
    "TO_BOOL": ("SEM_TO_BOOL", None),
    "CALL_INTRINSIC_1": ("SEM_OTHER", None),
    "CALL_INTRINSIC_2": ("SEM_OTHER", None),
    # calls
    "CALL_FUNCTION": ("SEM_CALL", "0"),
    "CALL_FUNCTION_KW": ("SEM_CALL", "OP_CALL_KW"),
    "CALL_METHOD": ("SEM_CALL", "OP_CALL_METHOD"),
    "CALL": ("SEM_CALL", None),                # 3.11-3.12: keywords come from KW_NAMES
    "CALL_KW": ("SEM_CALL", "OP_CALL_KW"),
    "CALL_FUNCTION_EX": ("SEM_CALL_EX", None),
    "PUSH_NULL": ("SEM_PUSH_NULL", None),
    "KW_NAMES": ("SEM_KW_NAMES", None),
    "PRECALL": ("SEM_PRECALL", None),
    # stack shuffles
    "POP_TOP": ("SEM_POP", None),
    "POP_ITER": ("SEM_POP", None),
    "DUP_TOP": ("SEM_COPY", "1"),
    "COPY": ("SEM_COPY", None),
    "SWAP": ("SEM_SWAP", None),
    "ROT_TWO": ("SEM_ROT", "2"),
    "ROT_THREE": ("SEM_ROT", "3"),
    "ROT_FOUR": ("SEM_ROT", "4"),
    "ROT_N": ("SEM_ROT", None),
    "DUP_TOP_TWO": ("SEM_DUP_TWO", None),
    # jumps
    "JUMP_FORWARD": ("SEM_JUMP", None),
    "JUMP_ABSOLUTE": ("SEM_JUMP", None),
    "JUMP_BACKWARD": ("SEM_JUMP", None),
    "JUMP_BACKWARD_NO_INTERRUPT": ("SEM_JUMP", None),
    "JUMP": ("SEM_JUMP", None),
    "CONTINUE_LOOP": ("SEM_JUMP", None),       # 3.6-3.7: `continue` out of a try block
    "BREAK_LOOP": ("SEM_OTHER", None),         # 3.6-3.7: target is the SETUP_LOOP's, not an arg
    "POP_JUMP_IF_TRUE": ("SEM_JUMP_IF", "COND_TRUE"),
    "POP_JUMP_IF_FALSE": ("SEM_JUMP_IF", "COND_FALSE"),
    "POP_JUMP_IF_NONE": ("SEM_JUMP_IF", "COND_NONE"),
    "POP_JUMP_IF_NOT_NONE": ("SEM_JUMP_IF", "COND_NOT_NONE"),
    "POP_JUMP_FORWARD_IF_TRUE": ("SEM_JUMP_IF", "COND_TRUE"),
    "POP_JUMP_FORWARD_IF_FALSE": ("SEM_JUMP_IF", "COND_FALSE"),
    "POP_JUMP_FORWARD_IF_NONE": ("SEM_JUMP_IF", "COND_NONE"),
    "POP_JUMP_FORWARD_IF_NOT_NONE": ("SEM_JUMP_IF", "COND_NOT_NONE"),
    "POP_JUMP_BACKWARD_IF_TRUE": ("SEM_JUMP_IF", "COND_TRUE"),
    "POP_JUMP_BACKWARD_IF_FALSE": ("SEM_JUMP_IF", "COND_FALSE"),
    "POP_JUMP_BACKWARD_IF_NONE": ("SEM_JUMP_IF", "COND_NONE"),
    "POP_JUMP_BACKWARD_IF_NOT_NONE": ("SEM_JUMP_IF", "COND_NOT_NONE"),
    "JUMP_IF_TRUE_OR_POP": ("SEM_JUMP_IF", "COND_TRUE"),
    "JUMP_IF_FALSE_OR_POP": ("SEM_JUMP_IF", "COND_FALSE"),
    # iteration
    "FOR_ITER": ("SEM_FOR_ITER", None),
    "GET_ITER": ("SEM_GET_ITER", None),
    "END_FOR": ("SEM_END_FOR", None),
    "GET_YIELD_FROM_ITER": ("SEM_OTHER", None),
    "GET_AITER": ("SEM_OTHER", None),
    "GET_ANEXT": ("SEM_OTHER", None),
    "END_ASYNC_FOR": ("SEM_OTHER", None),
    # return, yield, await
    "RETURN_VALUE": ("SEM_RETURN", None),
    "YIELD_VALUE": ("SEM_YIELD", None),
    "YIELD_FROM": ("SEM_YIELD", None),
    "SEND": ("SEM_OTHER", None),
    "END_SEND": ("SEM_OTHER", None),
    "GET_AWAITABLE": ("SEM_OTHER", None),
    "GEN_START": ("SEM_OTHER", None),
    "RETURN_GENERATOR": ("SEM_OTHER", None),
    "ASYNC_GEN_WRAP": ("SEM_OTHER", None),
    "CLEANUP_THROW": ("SEM_OTHER", None),
    # containers
    "BUILD_TUPLE": ("SEM_BUILD", "BUILD_TUPLE_"),
    "BUILD_LIST": ("SEM_BUILD", "BUILD_LIST_"),
    "BUILD_SET": ("SEM_BUILD", "BUILD_SET_"),
    "BUILD_MAP": ("SEM_BUILD", "BUILD_MAP_"),
    "BUILD_CONST_KEY_MAP": ("SEM_BUILD", "BUILD_CONST_KEY_MAP_"),
    "BUILD_STRING": ("SEM_BUILD", "BUILD_STRING_"),
    "BUILD_TUPLE_UNPACK": ("SEM_BUILD", "BUILD_OTHER_"),
    "BUILD_TUPLE_UNPACK_WITH_CALL": ("SEM_BUILD", "BUILD_OTHER_"),
    "BUILD_LIST_UNPACK": ("SEM_BUILD", "BUILD_OTHER_"),
    "BUILD_SET_UNPACK": ("SEM_BUILD", "BUILD_OTHER_"),
    "BUILD_MAP_UNPACK": ("SEM_BUILD", "BUILD_OTHER_"),
    "BUILD_MAP_UNPACK_WITH_CALL": ("SEM_BUILD", "BUILD_OTHER_"),
    "BUILD_TEMPLATE": ("SEM_OTHER", None),
    "BUILD_INTERPOLATION": ("SEM_OTHER", None),
    "LIST_TO_TUPLE": ("SEM_OTHER", None),
    "LIST_APPEND": ("SEM_COLLECT", None),
    "LIST_EXTEND": ("SEM_COLLECT", None),
    "SET_ADD": ("SEM_COLLECT", None),
    "SET_UPDATE": ("SEM_COLLECT", None),
    "MAP_ADD": ("SEM_COLLECT", None),
    "DICT_MERGE": ("SEM_COLLECT", None),
    "DICT_UPDATE": ("SEM_COLLECT", None),
    "UNPACK_SEQUENCE": ("SEM_UNPACK", None),
    "UNPACK_EX": ("SEM_OTHER", None),          # arg = before | after << 8
    # functions, classes, modules
    "MAKE_FUNCTION": ("SEM_MAKE_FUNCTION", None),
    "SET_FUNCTION_ATTRIBUTE": ("SEM_SET_FUNC_ATTR", None),
    "LOAD_BUILD_CLASS": ("SEM_LOAD_BUILD_CLASS", None),
    "LOAD_LOCALS": ("SEM_OTHER", None),
    "SETUP_ANNOTATIONS": ("SEM_OTHER", None),
    "STORE_ANNOTATION": ("SEM_OTHER", None),
    "IMPORT_NAME": ("SEM_IMPORT_NAME", None),
    "IMPORT_FROM": ("SEM_IMPORT_FROM", None),
    "IMPORT_STAR": ("SEM_OTHER", None),
    "PRINT_EXPR": ("SEM_OTHER", None),
    "EXIT_INIT_CHECK": ("SEM_OTHER", None),
    "FORMAT_VALUE": ("SEM_FORMAT", None),
    "FORMAT_SIMPLE": ("SEM_FORMAT", None),
    "FORMAT_WITH_SPEC": ("SEM_FORMAT", None),
    "CONVERT_VALUE": ("SEM_FORMAT", None),
    # with, exceptions, blocks
    "SETUP_WITH": ("SEM_WITH_ENTER", None),
    "BEFORE_WITH": ("SEM_WITH_ENTER", None),
    "BEFORE_ASYNC_WITH": ("SEM_WITH_ENTER", None),
    "LOAD_SPECIAL": ("SEM_LOAD_SPECIAL", None),  # 3.14: arg picks __enter__/__exit__/...
    "SETUP_ASYNC_WITH": ("SEM_SETUP_HANDLER", None),
    "SETUP_FINALLY": ("SEM_SETUP_HANDLER", None),
    "SETUP_EXCEPT": ("SEM_SETUP_HANDLER", None),
    "SETUP_LOOP": ("SEM_OTHER", None),         # 3.6-3.7: target = loop exit, for BREAK_LOOP
    "POP_BLOCK": ("SEM_POP_BLOCK", None),
    "POP_EXCEPT": ("SEM_OTHER", None),
    "END_FINALLY": ("SEM_OTHER", None),
    "BEGIN_FINALLY": ("SEM_OTHER", None),
    "CALL_FINALLY": ("SEM_OTHER", None),
    "POP_FINALLY": ("SEM_OTHER", None),
    "WITH_CLEANUP_START": ("SEM_OTHER", None),
    "WITH_CLEANUP_FINISH": ("SEM_OTHER", None),
    "WITH_EXCEPT_START": ("SEM_OTHER", None),
    "PUSH_EXC_INFO": ("SEM_OTHER", None),
    "PREP_RERAISE_STAR": ("SEM_OTHER", None),
    "RAISE_VARARGS": ("SEM_RAISE", None),
    "RERAISE": ("SEM_RERAISE", None),
    # pattern matching
    "GET_LEN": ("SEM_OTHER", None),
    "MATCH_MAPPING": ("SEM_OTHER", None),
    "MATCH_SEQUENCE": ("SEM_OTHER", None),
    "MATCH_KEYS": ("SEM_OTHER", None),
    "MATCH_CLASS": ("SEM_OTHER", None),
    "COPY_DICT_WITHOUT_KEYS": ("SEM_OTHER", None),
    # in `opcode` but never in a .pyc
    "RESERVED": INVALID,            # a placeholder number, never executed
    "INTERPRETER_EXIT": INVALID,    # only in the interpreter's own entry trampoline
    "ENTER_EXECUTOR": INVALID,      # put in place at run time by the tier-2 optimizer
})

# Never fall through to the next instruction.
NOFALL = {"RETURN_VALUE", "RETURN_CONST", "RAISE_VARARGS", "RERAISE", "JUMP_FORWARD",
          "JUMP_ABSOLUTE", "JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT", "JUMP", "CONTINUE_LOOP",
          "BREAK_LOOP"}
# Conditional jumps besides SEM_JUMP_IF.
COND_EXTRA = {"JUMP_IF_NOT_EXC_MATCH"}

# 3.6/3.7 jump opcodes that no newer version has: (no-jump effect, jump effect) at run time.
# SETUP_EXCEPT: 0 normally, the handler is entered with 6 more values (3 for the exception, 3
# for the saved exception state); SETUP_LOOP / CONTINUE_LOOP move nothing.
PRE38_JUMP_EFFECTS = {"SETUP_EXCEPT": (0, 6), "SETUP_LOOP": (0, 0), "CONTINUE_LOOP": (0, 0)}


# 3.6's dis.stack_effect is the 3.6 compiler's stack-depth model, not what these block opcodes
# do: SETUP_WITH is 7 and SETUP_ASYNC_WITH 6 (the handler's six values counted on top of the
# fall-through push), POP_EXCEPT 0 (it pops the three saved exception values), END_FINALLY -1,
# WITH_CLEANUP_START 1 and WITH_CLEANUP_FINISH -1, so a simulated stack would drift after every
# try/with.  3.7 rewrote the compiler's stack-depth computation with separate jump / no-jump
# effects while the eval loop kept these opcodes' behaviour, so 3.6 takes 3.7's values for them
# (END_FINALLY and WITH_CLEANUP_* pop a variable number at run time; 3.7 gives the largest).
# (version, name) -> version whose dis values are used.  Every other 3.6 value is checked to
# equal 3.7's, so a new disagreement stops the generator.
STACK_EFFECT_FROM = dict(((6, n), 7) for n in (
    "SETUP_WITH", "SETUP_ASYNC_WITH", "POP_EXCEPT", "END_FINALLY", "WITH_CLEANUP_START",
    "WITH_CLEANUP_FINISH"))

# ---------------------------------------------------------------------------------------------
# Switch points: the OPF_SW_* and OPF_RUNS_CODE flags and the VF_SW_* version flags come from the
# per-version edge tables of tools/switch_facts.py (read from each version's eval loop, with the
# source lines cited there and in docs/switch-points.md); 3.13's are also checked against the
# interpreter's own generated pycore_opcode_metadata.h (HAS_EVAL_BREAK_FLAG) when it is installed.
# tools/switch_probe.py checks every edge against the running interpreters.

class GenError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Interpreters

def pyenv_root():
    try:
        r = subprocess.run(["pyenv", "root"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           universal_newlines=True, timeout=30)
        if r.returncode == 0 and r.stdout.strip():
            return r.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")


def find_interpreters(minors):
    """minor -> (description, argv prefix) for the interpreters found; and a list of missing."""
    found, missing = {}, []
    root = pyenv_root()
    for m in minors:
        if m == 14:
            node = shutil.which("node")
            if node and os.path.isdir(PYODIDE_PKG) and os.path.exists(PYODIDE_RUN):
                found[m] = ("pyodide", [node, PYODIDE_RUN])
            else:
                why = "node not found" if not node else \
                    "tools/node/node_modules missing (npm install --prefix tools/node)"
                missing.append("3.14 (pyodide: %s)" % why)
            continue
        best = None
        for path in glob.glob(os.path.join(root, "versions", "3.%d.*" % m, "bin", "python3")):
            ver = os.path.basename(os.path.dirname(os.path.dirname(path)))
            mm = re.match(r"^3\.%d\.(\d+)$" % m, ver)  # releases only: no 3.13.0t, no rc
            if mm and os.access(path, os.X_OK):
                if best is None or int(mm.group(1)) > best[0]:
                    best = (int(mm.group(1)), path)
        if best:
            found[m] = (best[1], [best[1]])
        else:
            missing.append("3.%d (no %s/versions/3.%d.*/bin/python3)" % (m, root, m))
    return found, missing


def run_probes(found, dump_dir=None):
    procs = {}
    for m, (_, argv) in sorted(found.items()):
        procs[m] = subprocess.Popen(argv + [PROBE], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    cwd=ROOT, universal_newlines=True)
    results = {}
    for m, p in sorted(procs.items()):
        out, errtext = p.communicate(timeout=600)
        lines = [l for l in out.splitlines() if l.startswith("{")]
        if p.returncode != 0 or not lines:
            raise GenError("probe failed under 3.%d (%s), exit %s:\n%s"
                           % (m, found[m][0], p.returncode, errtext.strip()))
        data = json.loads(lines[-1])
        if tuple(data["version"][:2]) != (3, m):
            raise GenError("%s reports version %s, expected 3.%d"
                           % (found[m][0], data["version"], m))
        if dump_dir:
            os.makedirs(dump_dir, exist_ok=True)
            with open(os.path.join(dump_dir, "probe_3_%d.json" % m), "w") as f:
                json.dump(data, f, indent=1, sort_keys=True)
        results[m] = data
    return results


# ---------------------------------------------------------------------------------------------
# Fitting

def fit_linear(args, values):
    """(base, slope) if values == base + slope*arg over all sample points, else None."""
    pts = [(a, v) for a, v in zip(args, values)]
    (a0, v0), (a1, v1) = pts[0], pts[1]
    if (v1 - v0) % (a1 - a0):
        return None
    slope = (v1 - v0) // (a1 - a0)
    base = v0 - slope * a0
    if all(v == base + slope * a for a, v in pts):
        return base, slope
    return None


def stack_effects(m, o, later):
    """(base, per_arg, jump_delta, table or None, notes) for one opcode."""
    se = o["se"]
    name = o["name"]
    notes = []
    src = STACK_EFFECT_FROM.get((m, name))
    if src is not None:
        so = later.get(src, {}).get(name)
        if so is None:
            raise GenError("3.%d %s: STACK_EFFECT_FROM needs 3.%d's probe" % (m, name, src))
        if so["se"]["args"] != se["args"] or so["se"]["plain"] == se["plain"]:
            raise GenError("3.%d %s: STACK_EFFECT_FROM 3.%d not needed or not comparable"
                           % (m, name, src))
        notes.append("dis says %s; run-time effect from 3.%d's dis (STACK_EFFECT_FROM)"
                     % ("/".join(str(x) for x in sorted(set(se["plain"]), key=str)), src))
        se = dict(se, plain=so["se"]["plain"])
    elif m == 6 and 7 in later and name in later[7] \
            and later[7][name]["se"]["plain"] != se["plain"]:
        raise GenError("3.6 %s: stack effect %r differs from 3.7's %r; decide in "
                       "STACK_EFFECT_FROM" % (name, se["plain"], later[7][name]["se"]["plain"]))
    args = se["args"] if o["has_arg"] else [0]
    if any(v is not None for v in se["nojump"]):
        nojump, jump = se["nojump"], se["jump"]
    else:
        # No `jump` argument (3.6, 3.7): dis gives max(no-jump, jump) per opcode.
        plain = se["plain"]
        nojump, jump = list(plain), list(plain)
        if "jump" in o and any(v is not None for v in plain):
            split = None
            for lm in sorted(later):
                lo = later[lm].get(name)
                if lo is not None and any(v is not None for v in lo["se"]["nojump"]):
                    split = (lm, lo)
                    break
            if split:
                lm, lo = split
                lse = lo["se"]
                if lse["args"] != se["args"]:
                    raise GenError("3.%d %s: sample args differ from 3.%d" % (m, name, lm))
                if [None if a is None or b is None else max(a, b)
                        for a, b in zip(lse["nojump"], lse["jump"])] != plain:
                    raise GenError("3.%d %s: 3.%d's jump/no-jump effects do not reproduce the "
                                   "combined effect %r" % (m, name, lm, plain))
                nojump, jump = lse["nojump"], lse["jump"]
                notes.append("jump/no-jump effects from 3.%d (3.%d's dis has no jump=)" % (lm, m))
            elif name in PRE38_JUMP_EFFECTS:
                nj, j = PRE38_JUMP_EFFECTS[name]
                if any(v is not None and v != max(nj, j) for v in plain):
                    raise GenError("3.%d %s: PRE38_JUMP_EFFECTS %r disagree with dis %r"
                                   % (m, name, (nj, j), plain))
                nojump = [nj if v is not None else None for v in plain]
                jump = [j if v is not None else None for v in plain]
                notes.append("jump/no-jump effects from PRE38_JUMP_EFFECTS")
            else:
                raise GenError("3.%d %s: jump opcode without a jump/no-jump split; add it to "
                               "PRE38_JUMP_EFFECTS" % (m, name))
    ok = [(a, v, j) for a, v, j in zip(args, nojump, jump) if v is not None]
    if not ok:
        msgs = sorted(set(re.sub(r"^arg [^:]*: ", "", x) for x in se["errors"]))
        notes.append("dis.stack_effect raises%s; effect 0"
                     % (" (%s)" % "; ".join(msgs) if msgs else ""))
        return 0, 0, 0, None, notes
    if len(ok) != len(args):
        bad = [a for a, v in zip(args, nojump) if v is None]
        notes.append("dis.stack_effect raises for arg %s" % ",".join(map(str, bad)))
    deltas = set(j - v for a, v, j in ok if j is not None)
    if len(deltas) > 1:
        raise GenError("3.%d %s: jump effect not a constant offset: %r" % (m, name, ok))
    jd = deltas.pop() if deltas else 0
    if not o["has_arg"]:
        return ok[0][1], 0, jd, None, notes
    lin = fit_linear([a for a, _, _ in ok], [v for _, v, _ in ok]) if len(ok) > 1 else None
    if lin is not None:
        return lin[0], lin[1], jd, None, notes
    by_arg = dict((a, v) for a, v, _ in ok)
    table = [by_arg.get(a) for a in range(16)]
    if None in table:
        raise GenError("3.%d %s: non-linear stack effect and dis raises for some arg < 16"
                       % (m, name))
    big = sorted(a for a in by_arg if a > 15)
    if all(by_arg[a] == table[a & 15] for a in big):
        notes.append("stack effect not linear: table[arg & 15] (checked at arg %s)"
                     % ",".join(map(str, big)))
    else:
        notes.append("stack effect not linear, table only for arg 0..15 (dis: %s)"
                     % ", ".join("%d at %d" % (by_arg[a], a) for a in big))
    return 0, 0, jd, table, notes


def c_ident_version(m):
    return "3_%d" % m


def build_version(m, data, later):
    ops = {}
    notes = []
    unknown = []
    for key in sorted(data["ops"], key=int):
        o = data["ops"][key]
        op = int(key)
        name = o["name"]
        if "error" in o:
            raise GenError("3.%d probe of %s (%d) failed: %s" % (m, name, op, o["error"]))
        if name not in SEMANTICS:
            unknown.append(name)
            continue
        sem = SEMANTICS[name]
        if sem == INVALID:
            notes.append("%s (%d) exists in `opcode` but never in a .pyc: left empty" % (name, op))
            continue
        if o["name"] != o["opname_dis"]:
            raise GenError("3.%d: %d is %s in opmap but dis shows %s"
                           % (m, op, name, o["opname_dis"]))
        e = {"op": op, "name": name, "flags": [], "caches": o["caches"], "argshift": 0,
             "sem": sem[0], "sub": sem[1], "jscale": 0, "jbias": 0, "comments": []}
        if o["cache_table"] is not None and o["cache_table"] != o["caches"]:
            raise GenError("3.%d %s: dis skips %d cache units but its table says %d"
                           % (m, name, o["caches"], o["cache_table"]))
        lists = set(o["lists"])
        if o["has_arg"]:
            e["flags"].append("OPF_HASARG")
        if "jump" in o:
            if not o["has_arg"]:
                raise GenError("3.%d %s: jump without an argument" % (m, name))
            e["flags"].append("OPF_JUMP")
            if o["jump"]["rel"]:
                e["flags"].append("OPF_JREL")
            e["jscale"] = o["jump"]["scale"]
            e["jbias"] = o["jump"]["bias"]
            if ("hasjrel" in lists) != o["jump"]["rel"] and "hasjump" not in lists:
                e["comments"].append("dis computes the target %s although opcode lists it in %s"
                                     % ("relatively" if o["jump"]["rel"] else "absolutely",
                                        "hasjrel" if "hasjrel" in lists else "hasjabs"))
        if "hasconst" in lists:
            e["flags"].append("OPF_CONST")
            if not o.get("const_ok"):
                e["comments"].append("in hasconst, but dis does not resolve the constant")
        if "hasname" in lists:
            if o.get("argshift") is None:
                raise GenError("3.%d %s: no name-index shift reproduces dis" % (m, name))
            e["flags"].append("OPF_NAME")
            e["argshift"] = o["argshift"]
        if "haslocal" in lists:
            e["flags"].append("OPF_LOCAL")
            if o["local"] == "pair":
                e["flags"].append("OPF_PAIR")
            elif o["local"] != "single":
                raise GenError("3.%d %s: local argument not understood: %s" % (m, name, o["local"]))
        if "hasfree" in lists:
            e["flags"].append("OPF_FREE")
        elif e["sem"] in ("SEM_LOAD_DEREF", "SEM_STORE_DEREF", "SEM_DELETE_DEREF",
                          "SEM_LOAD_CLOSURE"):
            e["comments"].append("opcode lists it in %s, not hasfree"
                                 % ("haslocal" if "haslocal" in lists else "no name list"))
        if "hascompare" in lists:
            if o.get("cmpshift") is None:
                raise GenError("3.%d %s: no compare shift reproduces dis" % (m, name))
            e["flags"].append("OPF_COMPARE")
            e["argshift"] = o["cmpshift"]
        if e["sem"] in ("SEM_LOAD_ATTR", "SEM_LOAD_GLOBAL") and e["sub"] is None \
                and e["argshift"] == 0:
            e["sub"] = "0"  # no flag bit in the argument: never the method / NULL form
        if e["sem"] == "SEM_JUMP_IF" or name in COND_EXTRA:
            e["flags"].append("OPF_COND")
        if name in NOFALL:
            e["flags"].append("OPF_NOFALL")
        # BREAK_LOOP (3.6-3.7) jumps to its SETUP_LOOP's target without an argument
        is_jump = ("OPF_JUMP" in e["flags"] and e["sem"] not in ("SEM_SETUP_HANDLER",
                                                                 "SEM_WITH_ENTER")) \
            or name == "BREAK_LOOP"
        e["flags"].extend(switch_facts.op_flags(m, name, is_jump, "OPF_NOFALL" not in e["flags"]))
        # consistency of the hand-written parts with the probed ones
        if e["sem"] in ("SEM_JUMP", "SEM_JUMP_IF", "SEM_FOR_ITER", "SEM_SETUP_HANDLER") \
                and "OPF_JUMP" not in e["flags"]:
            raise GenError("3.%d %s: %s but dis gives it no jump target" % (m, name, e["sem"]))
        if e["sem"] == "SEM_JUMP" and "OPF_NOFALL" not in e["flags"]:
            raise GenError("3.%d %s: unconditional jump missing from NOFALL" % (m, name))
        if e["sem"] in ("SEM_LOAD_FAST_PAIR", "SEM_STORE_FAST_PAIR", "SEM_STORE_LOAD_FAST") \
                and "OPF_PAIR" not in e["flags"]:
            raise GenError("3.%d %s: pair semantics but dis shows one local" % (m, name))
        base, per_arg, jd, table, se_notes = stack_effects(m, o, later)
        e.update(se_base=base, se_arg=per_arg, se_jump=jd, se_table=table)
        e["comments"].extend(se_notes)
        if e["sem"] == "SEM_JUMP_IF":
            if jd not in (0, 1):
                raise GenError("3.%d %s: conditional jump with jump-edge effect %+d"
                               % (m, name, jd))
            if jd == 1:  # pops only when not jumping: JUMP_IF_X_OR_POP
                e["sub"] = "%s + OP_COND_KEEP" % e["sub"]
        if not (-128 <= per_arg <= 127 and -128 <= jd <= 127 and -32768 <= base <= 32767
                and -128 <= e["jscale"] <= 127 and -32768 <= e["jbias"] <= 32767):
            raise GenError("3.%d %s: value out of the field's range" % (m, name))
        ops[op] = e
    odd = sorted("%s (%d) %s" % (e["name"], op, "has an argument" if "OPF_HASARG" in e["flags"]
                                 else "has no argument")
                 for op, e in ops.items()
                 if ("OPF_HASARG" in e["flags"]) != (op >= data["have_argument"]))
    if odd:
        notes.append("dis decides arguments by opcode.hasarg, not HAVE_ARGUMENT %d: %s"
                     % (data["have_argument"], ", ".join(odd)))
    if unknown:
        raise GenError("3.%d: opcode names missing from SEMANTICS in tools/gen_opcodes.py: %s"
                       % (m, ", ".join(sorted(unknown))))
    try:
        switch_facts.check_tables(m, [o["name"] for o in data["ops"].values()],
                                  data.get("eval_break_ops"))
    except switch_facts.FactsError as e:
        raise GenError(str(e))

    # version-level facts
    attrs = set(data["code_attrs"])
    flags = []
    if "co_linetable" not in attrs:
        flags.append("VF_LNOTAB")
    elif "co_positions" not in attrs:
        flags.append("VF_LINETABLE")
    else:
        flags.append("VF_LOCTABLE")
    if "co_exceptiontable" in attrs:
        flags.append("VF_EXCTABLE")
    if data["deref0"] == "v0":
        flags.append("VF_LOCALSPLUS")
    elif data["deref0"] != "c0":
        raise GenError("3.%d: LOAD_DEREF 0 shows %r" % (m, data["deref0"]))
    if data["extarg_after_noarg"] == 0:
        flags.append("VF_EXTARG_RESET")
    elif data["extarg_after_noarg"] != 256:
        raise GenError("3.%d: EXTENDED_ARG probe gave %r" % (m, data["extarg_after_noarg"]))
    flags.extend(switch_facts.version_flags(m))
    if data["arg_0x80000000"] == -(1 << 31):
        flags.append("VF_ARG_SIGNED")
    elif data["arg_0x80000000"] != 1 << 31:
        raise GenError("3.%d: signed-arg probe gave %r" % (m, data["arg_0x80000000"]))
    lo, hi = MAGIC_RANGES[m]
    if not lo <= data["magic"] <= hi:
        raise GenError("3.%d: magic %d outside MAGIC_RANGES %d-%d" % (m, data["magic"], lo, hi))
    if tuple(data["cmp_op"][:6]) != CMP_OPS:
        raise GenError("3.%d: dis.cmp_op %r does not start with op_cmp's order"
                       % (m, data["cmp_op"]))
    nb = data["nb_ops"]
    if nb:
        want = ["NB_" + b for b in BINOPS] + ["NB_INPLACE_" + b for b in BINOPS]
        if nb[:26] != want:
            raise GenError("3.%d: opcode._nb_ops %r does not match op_binop" % (m, nb))
        if len(nb) > 26 and nb[26] != "NB_SUBSCR":
            raise GenError("3.%d: _nb_ops[26] is %s, op.h says BINOP_SUBSCR" % (m, nb[26]))
    ext = data["extended_arg"]
    if ops.get(ext, {}).get("name") != "EXTENDED_ARG":
        raise GenError("3.%d: EXTENDED_ARG %d not in the table" % (m, ext))
    cache = data["cache"]
    if cache is not None and ops.get(cache, {}).get("name") != "CACHE":
        raise GenError("3.%d: CACHE %d not in the table" % (m, cache))
    for name, why in sorted(data["excluded"].items()):
        if name not in SEMANTICS and why != "pseudo" and not name.startswith("INSTRUMENTED_") \
                and why not in ("specialized", "placeholder", "runtime-only"):
            raise GenError("3.%d: %s excluded as %s" % (m, name, why))
    counts = {}
    for why in data["excluded"].values():
        counts[why] = counts.get(why, 0) + 1
    return {"minor": m, "data": data, "ops": ops, "flags": flags, "notes": notes,
            "excluded": counts}


# ---------------------------------------------------------------------------------------------
# Output

def c_str(s):
    return '"%s"' % s


def emit(versions, op_h_text):
    used = set()
    out = []
    w = out.append
    vmin, vmax = min(versions), max(versions)
    w("/* generated by tools/gen_opcodes.py from CPython 3.%d-3.%d; do not edit */" % (vmin, vmax))
    w("/* Regenerate: python3 tools/gen_opcodes.py   Verify: python3 tools/gen_opcodes.py --check")
    w(" * Every value below was read from the interpreters' own dis/opcode modules by")
    w(" * tools/opcode_probe.py; op_sem/oi_sub, OPF_NOFALL and the magic ranges come from the")
    w(" * tables in tools/gen_opcodes.py, the switch points (OPF_SW_*, OPF_RUNS_CODE, VF_SW_*)")
    w(" * from tools/switch_facts.py (CPython's eval loop sources, see docs/switch-points.md).")
    w(" * Jump target = (OPF_JREL ? offset : 0) + oi_jscale * arg + oi_jbias, in bytes, where")
    w(" * offset is that of the instruction itself (not of an EXTENDED_ARG prefix). */")
    w("#ifndef GILCHECK_BYTECODE_OP_TABLES_H")
    w("#define GILCHECK_BYTECODE_OP_TABLES_H")
    w("")
    w('#include "op.h"')
    w("")
    for m in sorted(versions):
        v = versions[m]
        d = v["data"]
        vid = c_ident_version(m)
        w("/* ---- CPython %s (magic %d = %s; HAVE_ARGUMENT %d) ---- */"
          % (".".join(map(str, d["version"][:2])), d["magic"], d["magic_bytes"],
             d["have_argument"]))
        ex = ", ".join("%d %s" % (n, why) for why, n in sorted(v["excluded"].items()))
        if ex:
            w("/* left out of the table: %s opcodes */" % ex)
        for n in v["notes"]:
            w("/* %s */" % n)
        for op in sorted(v["ops"]):
            e = v["ops"][op]
            if e["se_table"] is not None:
                tname = "op_se_%s_%s" % (vid, e["name"])
                e["se_table_name"] = tname
                w("static const int8_t %s[16] = { %s };"
                  % (tname, ", ".join(str(x) for x in e["se_table"])))
        w("static const op_info op_ops_%s[256] = {" % vid)
        for op in sorted(v["ops"]):
            e = v["ops"][op]
            parts = [".oi_name = %s" % c_str(e["name"])]
            flags = e["flags"]
            used.update(flags)
            parts.append(".oi_flags = %s" % (" | ".join(flags) if flags else "0"))
            if e["caches"]:
                parts.append(".oi_caches = %d" % e["caches"])
            if e["argshift"]:
                parts.append(".oi_argshift = %d" % e["argshift"])
            parts.append(".oi_sem = %s" % e["sem"])
            used.add(e["sem"])
            sub = e["sub"] if e["sub"] is not None else "-1"
            used.update(re.findall(r"[A-Z_][A-Z0-9_]*", sub))
            parts.append(".oi_sub = %s" % sub)
            if "OPF_JUMP" in flags:
                parts.append(".oi_jscale = %d" % e["jscale"])
                parts.append(".oi_jbias = %d" % e["jbias"])
            if e["se_table"] is not None:
                parts.append(".oi_se_table = %s" % e["se_table_name"])
            else:
                if e["se_base"]:
                    parts.append(".oi_se_base = %d" % e["se_base"])
                if e["se_arg"]:
                    parts.append(".oi_se_arg = %d" % e["se_arg"])
            if e["se_jump"]:
                parts.append(".oi_se_jump = %d" % e["se_jump"])
            line = "    [%d] = { %s }," % (op, ", ".join(parts))
            if e["comments"]:
                line += " /* %s */" % "; ".join(e["comments"])
            w(line)
        w("};")
        w("")
    w("static const op_version op_versions[] = {")
    for m in sorted(versions):
        v = versions[m]
        d = v["data"]
        lo, hi = MAGIC_RANGES[m]
        used.update(v["flags"])
        w("    { .ov_minor = %d, .ov_magic = %d, .ov_magic_lo = %d, .ov_magic_hi = %d,"
          % (m, d["magic"], lo, hi))
        w("      .ov_flags = %s," % (" | ".join(v["flags"]) or "0"))
        w("      .ov_extended_arg = %d, .ov_cache = %d, .ov_ops = op_ops_%s },"
          % (d["extended_arg"], -1 if d["cache"] is None else d["cache"], c_ident_version(m)))
    w("};")
    w("#define OP_NVERSIONS %d" % len(versions))
    w("")
    w("#endif")
    defined = set(re.findall(r"\b[A-Z][A-Z0-9_]*\b", op_h_text))
    missing = sorted(x for x in used if x not in defined)
    if missing:
        raise GenError("op.h lacks identifiers the tables use: %s" % ", ".join(missing))
    return "\n".join(out) + "\n"


def emit_magic(versions):
    """analyzer/pyc/pyc_magic.h: magic-number ranges for the pyc stage, which must not depend on
    the bytecode stage's tables."""
    out = ["/* generated by tools/gen_opcodes.py from CPython 3.6-3.14; do not edit */",
           "#ifndef GILCHECK_PYC_MAGIC_H",
           "#define GILCHECK_PYC_MAGIC_H",
           "",
           "/* Magic-number ranges per version, pre-releases included. */",
           "static const struct pyc_magic_range {",
           "    int mr_minor;  /* Python 3.<minor> */",
           "    int mr_lo;     /* first magic number of the range */",
           "    int mr_hi;     /* last magic number of the range */",
           "    int mr_final;  /* the release's magic number */",
           "} pyc_magic_ranges[] = {"]
    for m in sorted(versions):
        lo, hi = MAGIC_RANGES[m]
        out.append("    { %d, %d, %d, %d }," % (m, lo, hi, versions[m]["data"]["magic"]))
    out += ["};", "", "#endif", ""]
    return "\n".join(out)


def generate(minors, dump_dir=None, quiet=False):
    # 3.6 and 3.7 borrow stack-effect facts from 3.7 / 3.8 (see STACK_EFFECT_FROM and
    # PRE38_JUMP_EFFECTS), so those are probed too even when only 3.6 or 3.7 is asked for.
    need = set(minors)
    if 6 in need:
        need.update((7, 8))
    if 7 in need:
        need.add(8)
    found, missing = find_interpreters(sorted(need))
    if missing:
        return None, missing
    t0 = time.time()
    probes = run_probes(found, dump_dir)
    if not quiet:
        sys.stderr.write("probed %s in %.1f s\n" % (", ".join(
            "%s (%s)" % (".".join(map(str, probes[m]["version"])), found[m][0])
            for m in sorted(probes)), time.time() - t0))
    # name -> probe entry for each version, for 3.6/3.7's jump/no-jump split
    by_name = dict((m, dict((o["name"], o) for o in probes[m]["ops"].values())) for m in probes)
    versions = {}
    for m in sorted(minors):
        later = dict((lm, by_name[lm]) for lm in by_name if lm > m)
        versions[m] = build_version(m, probes[m], later)
    with open(OP_H) as f:
        op_h = f.read()
    return {OUT: emit(versions, op_h), MAGIC_OUT: emit_magic(versions)}, []


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="compare with the committed header (exit 0 same, 1 differs, 77 skipped)")
    ap.add_argument("--versions", help="comma-separated subset, e.g. 3.11,3.12 (development)")
    ap.add_argument("-o", "--output", help="output file (default: the committed header; "
                                           "stdout with --versions)")
    ap.add_argument("--dump", metavar="DIR", help="save each interpreter's probe JSON in DIR")
    a = ap.parse_args(argv)
    minors = MINORS
    if a.versions:
        if a.check:
            ap.error("--check compares the full table; it cannot take --versions")
        try:
            minors = tuple(sorted(set(int(v.strip().split(".")[1]) for v in a.versions.split(",")
                                      if v.strip())))
        except (IndexError, ValueError):
            ap.error("--versions takes 3.N,3.M,...")
        bad = [m for m in minors if m not in MINORS]
        if bad:
            ap.error("unsupported version(s): %s" % ", ".join("3.%d" % m for m in bad))
    t0 = time.time()
    try:
        text, missing = generate(minors, a.dump, quiet=False)
    except GenError as e:
        sys.stderr.write("gen_opcodes: error: %s\n" % e)
        return 2
    if missing:
        sys.stderr.write("gen_opcodes: skipped: interpreter(s) missing: %s\n" % "; ".join(missing))
        return SKIP
    if a.check:
        stale = 0
        for path in (OUT, MAGIC_OUT):
            try:
                with open(path) as f:
                    old = f.read()
            except OSError:
                old = ""
            rel = os.path.relpath(path, ROOT)
            if old == text[path]:
                sys.stderr.write("gen_opcodes: %s is up to date\n" % rel)
                continue
            stale = 1
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(True), text[path].splitlines(True),
                rel + " (committed)", rel + " (regenerated)"))
            sys.stderr.write("gen_opcodes: %s differs from what the interpreters give; "
                             "run python3 tools/gen_opcodes.py\n" % rel)
        sys.stderr.write("gen_opcodes: checked in %.1f s\n" % (time.time() - t0))
        return stale
    if a.versions:
        dest = {a.output or "-": text[OUT]}
    else:
        dest = {a.output or OUT: text[OUT], MAGIC_OUT: text[MAGIC_OUT]}
    for path, body in dest.items():
        if path == "-":
            sys.stdout.write(body)
            continue
        with open(path, "w") as f:
            f.write(body)
        sys.stderr.write("gen_opcodes: wrote %s (%.1f s)\n"
                         % (os.path.relpath(path, ROOT), time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
